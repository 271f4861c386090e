"""Protocol definitions: the schema for protocols/*.yaml and the loader that validates them."""

from server.protocols.loader import (
    Problem,
    content_hash,
    load_protocol_file,
    parse_protocol_text,
    protocol_files,
    validate_files,
)

__all__ = [
    "Problem",
    "content_hash",
    "load_protocol_file",
    "parse_protocol_text",
    "protocol_files",
    "validate_files",
]

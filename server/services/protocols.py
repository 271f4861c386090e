"""Storing validated protocol documents as immutable versions."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from domain.protocol import content_hash
from server.models import ProtocolVersion
from server.services.changes import record_change
from server.services.errors import NotFound


@dataclass(frozen=True)
class LoadOutcome:
    protocol_id: str
    version: int
    status: str  # "loaded" | "unchanged" | "refused"
    reason: str = ""

    def __str__(self) -> str:
        text = f"{self.protocol_id} v{self.version}: {self.status}"
        return f"{text} ({self.reason})" if self.reason else text


def load_documents(session: Session, docs: list[dict], loaded_by_id: int | None = None):
    """Store new versions; refuse to change a stored version in place. Safe to repeat."""
    outcomes = []
    for doc in docs:
        digest = content_hash(doc)
        stored = session.scalar(
            select(ProtocolVersion).where(
                ProtocolVersion.protocol_id == doc["id"], ProtocolVersion.version == doc["version"]
            )
        )
        if stored is not None:
            if stored.content_hash == digest:
                outcomes.append(LoadOutcome(doc["id"], doc["version"], "unchanged"))
            else:
                outcomes.append(
                    LoadOutcome(
                        doc["id"],
                        doc["version"],
                        "refused",
                        "this version is already loaded with different content; "
                        "bump `version` to publish a change",
                    )
                )
            continue
        version = ProtocolVersion(
            protocol_id=doc["id"],
            version=doc["version"],
            title=doc["title"],
            condition=doc["condition"],
            care_type=doc["care_type"],
            content=doc,
            content_hash=digest,
            loaded_by_id=loaded_by_id,
        )
        session.add(version)
        session.flush()
        record_change(session, "protocol_version", version.id, None)
        outcomes.append(LoadOutcome(doc["id"], doc["version"], "loaded"))
    session.commit()
    return outcomes


def latest_versions(session: Session) -> list[ProtocolVersion]:
    """Return the newest version of every protocol, by title."""
    newest = (
        select(ProtocolVersion.protocol_id, func.max(ProtocolVersion.version).label("version"))
        .group_by(ProtocolVersion.protocol_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProtocolVersion)
            .options(undefer(ProtocolVersion.content))  # each summary shows part of it
            .join(
                newest,
                (ProtocolVersion.protocol_id == newest.c.protocol_id)
                & (ProtocolVersion.version == newest.c.version),
            )
            .order_by(ProtocolVersion.title)
        )
    )


def get_version(session: Session, protocol_id: str, version: int | None = None) -> ProtocolVersion:
    """Return one version (the newest when `version` is None), or raise NotFound."""
    query = select(ProtocolVersion).where(ProtocolVersion.protocol_id == protocol_id)
    if version is not None:
        query = query.where(ProtocolVersion.version == version)
    found = session.scalar(query.order_by(ProtocolVersion.version.desc()).limit(1))
    if found is None:
        suffix = f" version {version}" if version is not None else ""
        raise NotFound(f"Protocol '{protocol_id}'{suffix} not found.")
    return found


def versions_of(session: Session, protocol_id: str) -> list[int]:
    """Return the stored version numbers of a protocol."""
    return list(
        session.scalars(
            select(ProtocolVersion.version)
            .where(ProtocolVersion.protocol_id == protocol_id)
            .order_by(ProtocolVersion.version)
        )
    )

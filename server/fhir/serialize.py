"""Write a validated fhir.resources model as JSON, exactly as its `model_dump_json()` does.

fhir.resources serializes through a pydantic "wrap" serializer written in Python: for every
element of every nested object it looks up the class's field table again, flips two flags on
the instance (each a validated assignment) and builds an OrderedDict, which costs about ten
times as much as building the validated resource. The export writes hundreds of thousands of
resources, so it serializes them here instead, with the library's own rules read once per
class: the elements in the order of `elements_sequence()`, under their aliases, "resourceType"
first on a resource, empty lists and None left out, the `_x` extension of a primitive after it,
`fhir_comments` last, and the primitive values converted by the library's own
`_serialize_primitive_value` wherever it converts anything (bytes, UUIDs, decimals). The JSON
itself is written by pydantic-core, which writes dates, times and text as the library does.

Nothing is validated here: what is given is a model the library validated when it was built.
The output is the library's, byte for byte: tests compare the two for every resource of the
test records (tests/api/test_fhir_export.py, tests/integration/test_fhir_bulk.py) and parse
every exported line back with the R4B models. A value of a type this module does not know is
left to the library: the whole resource is then written by `model_dump_json()`.
"""

import decimal
import uuid
from collections.abc import Callable
from functools import wraps

from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.utils import is_primitive_type
from pydantic_core import to_json

# The library's conversion of a primitive value; it returns every other value unchanged.
_LIBRARY_PRIMITIVE = FHIRAbstractModel._serialize_primitive_value
_CONVERTED = (bytes, bytearray, uuid.UUID, decimal.Decimal, list)
_COMMENTS = "fhir_comments"

# Per model class: (is a resource, resource type, steps); a step is (JSON key, field name,
# field info when the element is primitive (else None), name of its `__ext` field or None).
_PLANS: dict[type, tuple[bool, str, tuple]] = {}


# Elements built once and shared by many resources (the mapping's cached concepts, references
# and components, made by a builder decorated with `shared`): each one's structure is built once
# too. The entry holds the model, so its id names no other object while the entry lives.
_SHARED: dict[int, tuple[FHIRAbstractModel, dict | None]] = {}
_SHARED_MAX = 16384


def shared(build: Callable[..., FHIRAbstractModel]) -> Callable[..., FHIRAbstractModel]:
    """Mark what a cached builder returns as shared: never changed, so written once and reused.

    Put it under `functools.lru_cache`, so that each element is marked when it is built.
    """

    @wraps(build)
    def marked(*args, **kwargs):
        model = build(*args, **kwargs)
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()  # only the reuse of older elements' structure is lost
        _SHARED[id(model)] = (model, None)
        return model

    return marked


class _Unknown(Exception):
    """A value the library would hand to pydantic's own serializer: let the library write it."""


def resource_json(model: FHIRAbstractModel) -> str:
    """Return the JSON of a validated model: the same text as `model.model_dump_json()`."""
    try:
        tree = _tree(model)
    except _Unknown:
        return model.model_dump_json()
    return to_json(tree).decode()


def _plan(cls: type) -> tuple[bool, str, tuple]:
    """Return how the library writes a model class (read from its field table, once)."""
    found = _PLANS.get(cls)
    if found is None:
        fields = cls.model_fields
        aliases = cls.get_alias_mapping()
        steps = []
        for element in cls.elements_sequence():
            name = aliases[element]
            info = fields[name]
            primitive = is_primitive_type(info)
            extension = f"{name}__ext"
            steps.append(
                (
                    info.alias or name,
                    name,
                    info if primitive else None,
                    extension if primitive and extension in fields else None,
                )
            )
        found = _PLANS[cls] = (cls.has_resource_base(), cls.get_resource_type(), tuple(steps))
    return found


def _tree(model: FHIRAbstractModel) -> dict:
    """Return the plain JSON structure of one model, as the library's serializer builds it."""
    found = _SHARED.get(id(model))
    if found is not None and found[0] is model:
        if found[1] is None:
            _SHARED[id(model)] = found = (model, _build(model))
        return found[1]
    return _build(model)


def _build(model: FHIRAbstractModel) -> dict:
    """Return the structure of one model, element by element."""
    cls = type(model)
    is_resource, kind, steps = _PLANS.get(cls) or _plan(cls)
    values = model.__dict__
    out = {"resourceType": kind} if is_resource else {}
    for key, name, primitive, extension in steps:
        value = values.get(name)
        if value is not None:
            if primitive is None:
                value = _element(value)
            elif isinstance(value, _CONVERTED):
                value = _LIBRARY_PRIMITIVE(model, value, primitive)
            if value is not None and value != []:
                out[key] = value
        if extension is not None:
            found = values.get(extension)
            if found is not None:
                found = _element(found)
                if found:
                    out[cls.model_fields[extension].alias or extension] = found
    comments = values.get(_COMMENTS)
    if comments is not None:
        out[_COMMENTS] = comments
    return out


def _element(value):
    """Return a complex element (a model, a list of them, None in a list) as plain structure."""
    if isinstance(value, FHIRAbstractModel):
        return _tree(value)
    if isinstance(value, list):
        return [_element(item) for item in value]
    if value is None:  # a placeholder in the list of a primitive list's extensions
        return None
    raise _Unknown

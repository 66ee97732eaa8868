"""The JSON Schema of `reel plan --json` (`Timeline.to_dict`), generated from the Timeline's own type hints.

It follows the rules of `toolkit.film.plan.codec`: a dataclass is an object with every field, a
member of a tagged union carries its `"type"`, Fractions are "n/d" strings, paths are strings and
tuples are arrays. Generating it (rather than writing it by hand) keeps it true to the code; the
test suite checks that `schema/plan.schema.json` is this schema and that real plans validate.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

FRACTION = {"type": "string", "pattern": r"^-?[0-9]+(/[0-9]+)?$", "description": 'exact number, e.g. "30000/1001"'}
_SCALARS: dict[Any, dict[str, Any]] = {bool: {"type": "boolean"}, int: {"type": "integer"}, float: {"type": "number"},
                                       str: {"type": "string"}, Path: {"type": "string", "minLength": 1},
                                       Fraction: FRACTION, Any: {}}


def plan_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the plan JSON this Reel writes."""
    from toolkit.film.plan import timeline as module

    defs: dict[str, Any] = {}
    tags: dict[type, str] = module.TYPE_TAGS
    _object(module.Timeline, tags, defs)
    top = defs.pop("Timeline")
    top["properties"] = {"version": {"const": module.JSON_VERSION}, **top["properties"],
                         "frames": {"type": "integer", "minimum": 1},
                         "duration_seconds": {"type": "number", "exclusiveMinimum": 0}}
    top["required"] = ["version", *top["required"], "frames", "duration_seconds"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Reel plan (reel plan --json)",
            **top, "$defs": dict(sorted(defs.items()))}


def _schema(hint: Any, tags: dict[type, str], defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _object(hint, tags, defs)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema(member, tags, defs) for member in typing.get_args(hint)]}
    if origin is Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema(args[0], tags, defs)}
        return {"type": "array", "prefixItems": [_schema(a, tags, defs) for a in args], "items": False,
                "minItems": len(args)}
    if hint is type(None):
        return {"type": "null"}
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    raise TypeError(f"no JSON Schema rule for {hint!r}: teach plan_schema (and the codec) this type")


def _object(cls: type, tags: dict[type, str], defs: dict[str, Any]) -> dict[str, Any]:
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # placed first: a dataclass that refers to itself stops here
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]
        properties = {f: _schema(hints[f], tags, defs) for f in fields}
        if cls in tags:
            properties = {"type": {"const": tags[cls]}, **properties}
            fields = ["type", *fields]
        defs[name] = {"type": "object", "properties": properties, "required": fields,
                      "additionalProperties": False}
    return {"$ref": f"#/$defs/{name}"}

"""Frozen dataclasses to JSON-ready values and back, driven by their own type hints.

Used by `Timeline.to_dict` / `Timeline.from_dict` (`reel plan --json`). Fractions are written as
"n/d" strings (exact), paths as strings, tuples as lists. A member of a union of dataclasses
carries a `"type"` tag (from `tags`) so the reader knows which class to build.

The reader trusts nothing: every value is checked against its field's type, and a value of
the wrong kind raises `CodecError` naming the field's path (`segments[2].source.start`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal


class CodecError(ValueError):
    """A JSON value does not fit the field it is read into; `path` says which field."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


def to_jsonable(value: Any, tags: Mapping[type, str]) -> Any:
    """`value` as plain JSON data: dicts, lists, strings, numbers, booleans and None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_jsonable(getattr(value, f.name), tags) for f in dataclasses.fields(value)}
        tag = tags.get(type(value))
        return {"type": tag, **out} if tag else out
    if isinstance(value, dict):
        return {k: to_jsonable(v, tags) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, tags) for v in value]
    if isinstance(value, Fraction | Path):
        return str(value)
    return value


def from_jsonable(hint: Any, data: Any, tags: Mapping[type, str], path: str = "") -> Any:
    """The value of type `hint` that `to_jsonable` wrote as `data`. Raises `CodecError` (also for
    a key that is no field: `type` is allowed only on tagged classes)."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, tags, path)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(hint), data, tags, path)
    if origin is Literal:
        if data not in typing.get_args(hint) or isinstance(data, bool):
            choices = ", ".join(repr(a) for a in typing.get_args(hint))
            raise CodecError(path, f"{data!r} is not one of {choices}")
        return data
    if origin is tuple:
        return _tuple(typing.get_args(hint), data, tags, path)
    if hint is type(None):
        if data is not None:
            raise CodecError(path, f"expected null, got {_kind(data)}")
        return None
    return _scalar(hint, data, path)


def _dataclass(cls: type, data: Any, tags: Mapping[type, str], path: str) -> Any:
    if not isinstance(data, dict):
        raise CodecError(path, f"expected an object for {cls.__name__}, got {_kind(data)}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(str(k) for k in data if k not in names and not (k == "type" and cls in tags))
    if unknown:
        # a misspelt optional field would otherwise silently take its default
        raise CodecError(path, f"unknown field {unknown[0]!r} for {cls.__name__}; its fields are "
                               + ", ".join(sorted(names)))
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        where = f"{path}.{f.name}" if path else f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise CodecError(where, "missing")
            continue
        values[f.name] = from_jsonable(_hints(cls)[f.name], data[f.name], tags, where)
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:  # a dataclass's own invariants (`Timeline.__post_init__`)
        raise CodecError(path, str(exc)) from None


def _union(members: tuple[Any, ...], data: Any, tags: Mapping[type, str], path: str) -> Any:
    if data is None and type(None) in members:
        return None
    classes = [m for m in members if dataclasses.is_dataclass(m)]
    if classes and isinstance(data, dict):
        if len(classes) == 1 and classes[0] not in tags:
            return _dataclass(classes[0], data, tags, path)
        chosen = next((c for c in classes if tags.get(c) == data.get("type")), None)
        if chosen is None:
            known = ", ".join(repr(tags[c]) for c in classes if c in tags)
            raise CodecError(path, f"unknown type {data.get('type')!r}; expected one of {known}")
        return _dataclass(chosen, data, tags, path)
    for member in (m for m in members if m is not type(None) and not dataclasses.is_dataclass(m)):
        try:
            return from_jsonable(member, data, tags, path)
        except CodecError:
            continue
    names = " or ".join(getattr(m, "__name__", str(m)).replace("NoneType", "null") for m in members)
    raise CodecError(path, f"expected {names}, got {_kind(data)}")


def _tuple(args: tuple[Any, ...], data: Any, tags: Mapping[type, str], path: str) -> tuple[Any, ...]:
    if not isinstance(data, list):
        raise CodecError(path, f"expected a list, got {_kind(data)}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(from_jsonable(args[0], item, tags, f"{path}[{i}]") for i, item in enumerate(data))
    if len(data) != len(args):
        raise CodecError(path, f"expected a list of {len(args)}, got {len(data)} items")
    return tuple(from_jsonable(a, item, tags, f"{path}[{i}]") for i, (a, item) in enumerate(zip(args, data,
                                                                                                  strict=True)))


def _scalar(hint: Any, data: Any, path: str) -> Any:
    if hint is Fraction:
        if isinstance(data, str | int) and not isinstance(data, bool):
            try:
                return Fraction(data)
            except (ValueError, ZeroDivisionError):
                pass
        raise CodecError(path, f"expected a fraction such as \"30000/1001\", got {data!r}")
    if hint is Path:
        if isinstance(data, str) and data and "\x00" not in data:
            return Path(data)
        raise CodecError(path, f"expected a file path, got {_kind(data)}")
    if hint is bool:
        if isinstance(data, bool):
            return data
    elif hint is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
    elif hint is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
    elif hint is str:
        if isinstance(data, str):
            return data
    elif hint is Any:
        return data
    else:
        raise CodecError(path, f"cannot read a value of type {hint!r}")
    raise CodecError(path, f"expected {hint.__name__}, got {_kind(data)}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _kind(data: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(data), type(data).__name__)

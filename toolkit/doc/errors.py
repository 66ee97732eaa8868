"""Turn pydantic's validation errors into located, human `Issue`s with "did you mean" hints."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections import deque
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

from toolkit.doc.loader import Document, format_path
from toolkit.doc.paths import shown
from toolkit.errors import Issue

# pydantic's wording, made plainer for a trainee on day one.
_PLAIN: dict[str, str] = {
    "missing": "required: add `{field}:`",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected yes or no",
    "bool_parsing": "expected yes or no",
    "list_type": "expected a list (lines starting with `- `)",
    "dict_type": "expected a mapping of `key: value` lines",
    "model_type": "expected a mapping of `key: value` lines",
    "model_attributes_type": "expected a mapping of `key: value` lines",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "allows at most {max_length} item(s)",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long (at most {max_length} characters)",
    "string_pattern_mismatch": "does not look right (expected {pattern})",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "path_type": "expected a file path",
}


# Did-you-mean hints are worked out for this many unknown keys; a document with more is
# machine-made, and only the first issues are shown anyway (`IssuesError` caps the list).
MAX_HINTS = 200
# A message echoes what the file said; a 1 MB value must not become a 1 MB message.
MAX_MESSAGE = 400
# Plain words for the regular expressions of pattern-checked keys.
_PATTERNS: dict[str, str] = {
    r"^[a-z]{2}(-[A-Z]{2})?$": "a language code like `en` or `en-GB`",
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$": "lowercase letters and digits joined by `-`, like `loudness-check`",
    r"^[A-Za-z_][A-Za-z0-9_-]*$": "a name of letters, digits, `_` or `-`, starting with a letter",
    r"^[a-z]{2}-[a-z0-9-]+$": "a region code and a name, like `uk-samaritans`",
}


def translate_validation_error(exc: ValidationError, doc: Document, *, root: type[BaseModel],
                               prefix: tuple = (), choices: Mapping[str, Sequence[str]] | None = None,
                               ) -> list[Issue]:
    """One `Issue` per pydantic error, located in `doc` at the offending key or value.

    `root` is the model that was validated (at `prefix` in the document): unknown keys get a
    hint from the keys allowed where they are, or are told where they belong instead.
    `choices` maps a custom union error type (a pydantic `Discriminator`'s) to the keys one of
    which picks the member, so a near miss (`vidoe:`) gets a did-you-mean.
    """
    issues: list[Issue] = []
    model = root
    hints = 0
    for err in exc.errors(include_url=False):
        loc = (*prefix, *err["loc"])
        etype = err["type"]
        if etype == "extra_forbidden":
            key = str(loc[-1])
            hint = ""
            if hints < MAX_HINTS:
                hints += 1
                where = tuple(err["loc"][:-1])
                hint = level_up_hint(key, model, where, doc, prefix) or unknown_key_hint(key, model, where)
            issues.append(doc.issue(loc, f"unknown key `{shown(key)}`{hint}", key=True, code=etype))
            continue
        if choices and etype in choices and isinstance(err.get("input"), dict):
            kinds = list(choices[etype])
            keys = [str(k) for k in err["input"] if len(str(k)) <= 64]
            guesses = [k for k in keys if difflib.get_close_matches(k, kinds, 1)]
            hint = ""
            if guesses:
                close = difflib.get_close_matches(guesses[0], kinds, 1)[0]
                hint = f"; did you mean `{close}` instead of `{shown(guesses[0])}`?"
            issues.append(doc.issue(loc, err["msg"] + hint, code=etype))
            continue
        if etype == "invalid_key" or (loc and loc[-1] == "[key]"):
            # `3:`, `~:`, `true:` or `2020-01-01:` as a key: YAML made it a number, null, bool or date
            where = loc if etype == "invalid_key" else loc[:-1]
            issues.append(doc.issue(where, "this key is not a name (YAML reads it as a number, date, yes/no or "
                                           "empty value); keys are names like `title:`, so rename it or put it "
                                           "in quotes", key=True, code="invalid_key"))
            continue
        message = _short(_message(err))
        if etype == "missing":
            # point at the mapping that lacks the key, but name the key in the path
            parent = doc.issue(loc[:-1], message.format(field=loc[-1]), code=etype)
            issues.append(dataclasses.replace(parent, path=_join(parent.path, loc[-1])))
            continue
        issues.append(doc.issue(loc, message, code=etype))
    return issues


def unknown_key_hint(key: str, root: type[BaseModel] | None, where: tuple) -> str:
    """"; did you mean `x`?", "; `x` belongs in …, not here", "; allowed here: …" or "".

    Never suggests `key` itself: a key valid elsewhere (`text` is a slate's key, not a
    scene's) is told where it belongs.
    """
    here = _keys_at(root, where) if root is not None else frozenset()
    if key in here:  # the path could not be followed exactly (an ambiguous union): claim nothing
        return ""
    places = _places(root).get(key, ()) if root is not None else ()
    if places:
        return f"; `{key}` belongs in {_where(places, where)}, not here"
    if len(key) <= 64:
        vocabulary = _vocabulary(root) if root is not None else frozenset()
        for pool in (here, vocabulary - here):
            for probe in (key, key.lower().replace(" ", "_").replace("-", "_")):
                close = difflib.get_close_matches(probe, sorted(pool - {key}), n=1, cutoff=0.6)
                if close and pool is here:
                    return f"; did you mean `{close[0]}`?"
                if close and root is not None:
                    return f"; did you mean `{close[0]}`? It belongs in {_where(_places(root)[close[0]], where)}"
    if here and len(here) <= 12:
        return "; allowed here: " + ", ".join(f"`{k}`" for k in sorted(here))
    return ""


def level_up_hint(key: str, root: type[BaseModel] | None, where: tuple, doc: Document, prefix: tuple = ()) -> str:
    """"; it belongs one level up, in the scene (`scenes[2]`): …" when `key`, not allowed where it is
    written, is allowed in a mapping that holds it (it was indented too far); else ""."""
    if root is None or key in _keys_at(root, where):
        return ""
    for n in range(len(where) - 1, -1, -1):
        if key in _keys_at(root, where[:n]):
            break
    else:
        return ""
    node, named = doc.data, []  # the file's own path there: pydantic's union tags are not keys in it
    for item in (*prefix, *where[:n]):
        if (isinstance(node, dict) and item in node) or (isinstance(node, list) and isinstance(item, int)
                                                          and 0 <= item < len(node)):
            node = node[item]
            named.append(item)
    steps: list[str | int] = []  # the keys and list items the key was written inside, below its place
    for item in where[n:]:
        if isinstance(node, dict) and item in node and isinstance(node[item], dict | list):
            steps.append(str(item))
            node = node[item]
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            steps.append(item)
            node = node[item]
    if not steps or not isinstance(steps[0], str):
        return ""
    path = format_path(named)
    place = (f"the scene (`{path}`)" if len(named) == 2 and named[0] == "scenes" else
             "the top level" if not named else f"`{path}`")
    how_far = "one level up" if len(steps) == 1 else "further out"
    return (f"; it belongs {how_far}, in {place}, not inside `{steps[0]}`: start `{shown(key)}:` in the same "
            f"column as `{steps[0]}:`")


def _where(places: tuple[tuple[str, str | None], ...], where: tuple) -> str:
    """Up to four places, those nearest the error first, as `path` with/without `tag:`."""
    near = sorted(places, key=lambda p: -_shared(p[0], where))[:4]
    listed = [f"`{path}`" + ("" if not tag else f" without `{tag[1:]}:`" if tag.startswith("!")
                             else f" with `{tag}:`") for path, tag in near]
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]


def _shared(place: str, where: tuple) -> int:
    """How many leading steps the dotted `place` shares with the error's location."""
    steps = [str(i) for i in where if isinstance(i, str)]
    parts = [p.removesuffix("[]") for p in place.split(".")] if place != "the top level" else []
    n = 0
    for a, b in zip(parts, steps, strict=False):
        if a != b:
            break
        n += 1
    return n


def _join(path: str, item: Any) -> str:
    return f"{path}.{item}" if path else str(item)


def _message(err: dict[str, Any]) -> str:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return msg
    if etype == "literal_error":
        expected = ctx.get("expected", "")
        got = err.get("input")
        if got is None:
            return f"expected one of {expected}"
        hint = value_hint(got, re.findall(r"'([^']*)'", expected))
        return f"{shown(repr(got))} is not one of {expected}{hint}"
    template = _PLAIN.get(etype)
    if template is not None:
        values = dict(ctx)
        if "pattern" in values:
            values["pattern"] = _PATTERNS.get(values["pattern"], f"a pattern like {values['pattern']}")
        try:
            return template.format(**values, field="{field}")
        except (KeyError, IndexError):
            return template
    return err["msg"]


def value_hint(got: Any, allowed: Sequence[str]) -> str:
    """"; did you mean `depression`?" for a value near one of `allowed` (case, spaces and `_` aside), else ""."""
    if not isinstance(got, str) or len(got) > 64:
        return ""
    probe = "-".join(got.strip().lower().replace("_", " ").split())
    close = [probe] if probe in allowed else difflib.get_close_matches(probe, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close and close[0] != got else ""


def _short(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[:MAX_MESSAGE - 40] + f"… (message shortened from {len(message):,} characters)"


# ------------------------------------------------------------------ the models' key tree


def _members(annotation: Any) -> list[tuple[str | None, Any]]:
    """(union tag, type) for each member of an Optional / Union / Annotated annotation."""
    out: list[tuple[str | None, Any]] = []
    stack: list[tuple[str | None, Any]] = [(None, annotation)]
    while stack:
        tag, a = stack.pop()
        origin = typing.get_origin(a)
        if origin is typing.Annotated:
            base, *meta = typing.get_args(a)
            stack.append((next((m.tag for m in meta if isinstance(m, Tag)), tag), base))
        elif origin is typing.Union or origin is types.UnionType:
            stack.extend((tag, m) for m in reversed(typing.get_args(a)))
        elif a is not type(None):
            out.append((tag, a))
    return out


def _is_model(a: Any) -> bool:
    return isinstance(a, type) and issubclass(a, BaseModel)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    return {f.alias or name: f.annotation for name, f in model.model_fields.items()}


def _inner(a: Any, item: str | int | None) -> list[Any]:
    """What a container annotation holds at `item` (a list index, a mapping key); None: any."""
    origin, args = typing.get_origin(a), typing.get_args(a)
    if origin in (list, tuple, set, frozenset, Sequence) and args and not isinstance(item, str):
        return [args[0]]
    if origin in (dict, Mapping) and len(args) == 2 and not isinstance(item, int):
        return [args[1]]
    return []


def _keys_at(root: type[BaseModel], loc: tuple) -> frozenset[str]:
    """The keys allowed in the mapping at pydantic location `loc` below `root`."""
    members: list[tuple[str | None, Any]] = [(None, root)]
    for item in loc:
        tagged = [m for m in members if m[0] is not None and m[0] == item]
        if tagged:
            members = tagged
            continue
        following: list[tuple[str | None, Any]] = []
        for _, a in members:
            if _is_model(a):
                if isinstance(item, str) and item in _fields(a):
                    following.extend(_members(_fields(a)[item]))
            else:
                for inner in _inner(a, item):
                    following.extend(_members(inner))
        if following:  # else: a validator's name in the location; skip it
            members = following
    return frozenset(k for _, a in members if _is_model(a) for k in _fields(a))


@lru_cache(maxsize=8)
def _places(root: type[BaseModel]) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Every key below `root`, with the places where it is allowed, shortest first: the dotted
    path of the mapping, and the union tag key that picks its kind (`slate` for a slate)."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    seen: set[type] = set()
    queue: deque[tuple[type[BaseModel], str, str | None]] = deque([(root, "", None)])
    while queue:
        model, where, picked = queue.popleft()
        if model in seen:
            continue
        seen.add(model)
        place = (where or "the top level", picked)
        for key, annotation in _fields(model).items():
            places = found.setdefault(key, [])
            if place not in places:
                places.append(place)
            path = f"{where}.{key}" if where else key
            below = _models_below(annotation, path)
            keyed = [tag for _, tag, m in below if tag is not None and tag in _fields(m)]
            for sub, tag, m in below:
                if tag is not None and tag in _fields(m):
                    queue.append((m, sub, tag))
                else:  # the union member picked by the absence of the others' keys (a scene: no `slate:`)
                    others = [t for t in keyed if t not in _fields(m)]
                    queue.append((m, sub, "!" + others[0] if tag is not None and others else None))
    return {k: tuple(v) for k, v in found.items()}


def _models_below(annotation: Any, path: str) -> list[tuple[str, str | None, type[BaseModel]]]:
    out: list[tuple[str, str | None, type[BaseModel]]] = []
    for tag, a in _members(annotation):
        if _is_model(a):
            out.append((path, tag, a))
            continue
        origin = typing.get_origin(a)
        for inner in _inner(a, None):
            out.extend(_models_below(inner, path + ("[]" if origin not in (dict, Mapping) else ".NAME")))
    return out


def _vocabulary(root: type[BaseModel]) -> frozenset[str]:
    """Every key any model below `root` accepts."""
    return frozenset(_places(root))

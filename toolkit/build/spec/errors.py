"""Turn pydantic's validation errors into located, human `Issue`s with "did you mean" hints."""

from __future__ import annotations

import dataclasses
import difflib
import typing
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from toolkit.build.spec.loader import Document
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
    "string_pattern_mismatch": "does not look right (expected a pattern like {pattern})",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "path_type": "expected a file path",
}


def translate_validation_error(exc: ValidationError, doc: Document, *, prefix: tuple = ()) -> list[Issue]:
    """One `Issue` per pydantic error, located in `doc` at the offending key or value."""
    issues: list[Issue] = []
    vocabulary = _vocabulary(exc.title)
    for err in exc.errors(include_url=False):
        loc = (*prefix, *err["loc"])
        etype = err["type"]
        if etype == "extra_forbidden":
            key = str(loc[-1])
            hint = _did_you_mean(key, vocabulary)
            issues.append(doc.issue(loc, f"unknown key `{key}`{hint}", key=True, code=etype))
            continue
        if etype == "background_kind" and isinstance(err.get("input"), dict):
            keys = list(err["input"])
            guesses = [k for k in keys if difflib.get_close_matches(k, ["video", "image", "color", "gradient"], 1)]
            hint = ""
            if guesses:
                close = difflib.get_close_matches(guesses[0], ["video", "image", "color", "gradient"], 1)[0]
                hint = f"; did you mean `{close}` instead of `{guesses[0]}`?"
            issues.append(doc.issue(loc, err["msg"] + hint, code=etype))
            continue
        message = _message(err)
        if etype == "missing":
            # point at the mapping that lacks the key, but name the key in the path
            parent = doc.issue(loc[:-1], message.format(field=loc[-1]), code=etype)
            issues.append(dataclasses.replace(parent, path=_join(parent.path, loc[-1])))
            continue
        issues.append(doc.issue(loc, message, code=etype))
    return issues


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
        return f"{got!r} is not one of {expected}" if got is not None else f"expected one of {expected}"
    template = _PLAIN.get(etype)
    if template is not None:
        try:
            return template.format(**{k: v for k, v in ctx.items()}, field="{field}")
        except (KeyError, IndexError):
            return template
    return err["msg"]


def _did_you_mean(key: str, vocabulary: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(vocabulary), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(key.lower().replace(" ", "_"), sorted(vocabulary), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


@lru_cache(maxsize=8)
def _vocabulary(title: str) -> frozenset[str]:
    """Every key any model reachable from the model named `title` accepts."""
    from toolkit.build.spec import models as spec_models
    from toolkit.build.template import models as template_models

    roots = {"Storyboard": spec_models.Storyboard, "Template": template_models.Template}
    root = roots.get(title)
    candidates: list[type[BaseModel]] = [root] if root else [*roots.values()]
    seen: set[type] = set()
    keys: set[str] = set()
    while candidates:
        model = candidates.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            keys.add(field.alias or name)
            candidates.extend(_models_in(field.annotation))
    # scene-level caption fields live on CaptionTrack, reached through a before-validator
    return frozenset(keys)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
            continue
        stack.extend(typing.get_args(a))
        origin = typing.get_origin(a)
        if origin is not None and origin is not typing.Literal:
            stack.append(origin) if isinstance(origin, type) and issubclass(origin, BaseModel) else None
    return found

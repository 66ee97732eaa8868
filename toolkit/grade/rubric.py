"""Rubrics: YAML files of criteria, each an expectation on one measured value.

```yaml
version: 1
name: tiktok-default
title: Short-form social delivery
criteria:
  - id: loudness            # the criterion's id (and, by default, the check it reads)
    check: loudness         # optional: a check id from `reel grade --list-checks`
    value: integrated       # optional: one of the check's values (default: its main value)
    expect: {between: [-15, -13]}   # or {min: x}, {max: x}, {min: x, max: y}, {equals: v}, {one_of: [...]}
    severity: must          # must: failing fails the clip; should: failing is a warning
    weight: 3               # share of the score
    explain: What to do when it fails, in words a trainee can act on.
```

Errors are reported like storyboard errors: every problem at once, each at FILE:LINE:COL.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.errors import Issue, RubricError, SpecError
from toolkit.grade.checks import CHECKS
from toolkit.grade.checks.base import ValueKind
from toolkit.grade.results import Value
from toolkit.settings import Settings

DEFAULT_RUBRIC = "tiktok-default"
Severity = Literal["must", "should"]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Number = StrictInt | StrictFloat


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectSpec(_Model):
    """What the value must be: `min`/`max` (inclusive, alone or together), `between: [lo, hi]`,
    `equals: v` or `one_of: [a, b, ...]`."""

    min: Number | None = None
    max: Number | None = None
    between: tuple[Number, Number] | None = None
    equals: Scalar | None = None
    one_of: Annotated[tuple[Scalar, ...], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ExpectSpec:
        given = self.model_fields_set
        forms = [f for f in (("min", "max"), ("between",), ("equals",), ("one_of",)) if given & set(f)]
        if len(forms) != 1:
            raise ValueError("give exactly one of `min`/`max`, `between`, `equals` or `one_of`")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"`between` needs the lower bound first, got {list(self.between)}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is above `max` ({self.max})")
        return self


class CriterionSpec(_Model):
    """One criterion as written in the rubric file."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    check: str | None = None
    value: str | None = None
    expect: ExpectSpec
    severity: Severity
    weight: Annotated[float, Field(ge=0)] = 1.0
    explain: Annotated[str, Field(min_length=10)]


class RubricFile(_Model):
    """A whole rubric file."""

    version: Literal[1] = 1
    name: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    title: Annotated[str, Field(min_length=1)]
    description: str = ""
    criteria: Annotated[tuple[CriterionSpec, ...], Field(min_length=1)]


# ------------------------------------------------------------------ validated, internal form


@dataclass(frozen=True, slots=True)
class Expectation:
    """A validated expectation; `test` a value, `describe` it for people."""

    kind: Literal["range", "equals", "one_of"]
    low: float | None = None
    high: float | None = None
    equals: Value = None
    choices: tuple[Value, ...] = ()

    def test(self, value: Value) -> bool:
        """True when `value` meets the expectation (text compares case-insensitively)."""
        if self.kind == "range":
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                return False
            return (self.low is None or value >= self.low - 1e-9) and (self.high is None or value <= self.high + 1e-9)
        if self.kind == "equals":
            return _same(value, self.equals)
        return any(_same(value, choice) for choice in self.choices)

    def describe(self, unit: str = "") -> str:
        """E.g. "between −15 and −13 LUFS", "at most 0", "equal to yes"."""
        u = f" {unit}" if unit else ""
        if self.kind == "range":
            if self.low is not None and self.high is not None:
                return f"between {_show(self.low)} and {_show(self.high)}{u}"
            if self.low is not None:
                return f"at least {_show(self.low)}{u}"
            return f"at most {_show(self.high)}{u}"
        if self.kind == "equals":
            return f"{_show(self.equals)}{u}"
        return "one of " + ", ".join(_show(c) for c in self.choices)


@dataclass(frozen=True, slots=True)
class Criterion:
    """A validated criterion: which check and value it reads, and what is expected."""

    id: str
    check: str
    value: str
    expect: Expectation
    severity: Severity
    weight: float
    explain: str


@dataclass(frozen=True, slots=True)
class Rubric:
    """A validated rubric. `path` is None for rubrics built in code."""

    name: str
    title: str
    description: str
    criteria: tuple[Criterion, ...]
    path: Path | None = None


def _same(value: Value, wanted: Value) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(wanted, bool) and value is wanted
    if isinstance(wanted, int | float) and isinstance(value, int | float):
        return abs(value - wanted) <= 1e-9
    if isinstance(wanted, str) and isinstance(value, str):
        return value.strip().lower() == wanted.strip().lower()
    return False


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace("-", "−") if isinstance(value, int | float) else text


# ------------------------------------------------------------------ loading


def rubrics_folder() -> Path:
    """Where named rubrics live: `rubrics/` in the checkout, under $REEL_HOME, or in the wheel."""
    return Settings.data_dir("rubrics")


def available_rubrics(folder: Path | None = None) -> tuple[str, ...]:
    """Names of the rubric files in `folder` (default: `rubrics_folder()`)."""
    folder = folder or rubrics_folder()
    return tuple(sorted(p.stem for p in folder.glob("*.yaml"))) if folder.is_dir() else ()


def resolve_rubric(ref: str | Path | None) -> Path:
    """The file for `ref`: a path to a YAML file, or the name of a rubric in `rubrics/`.

    Raises `RubricError` naming the available rubrics when neither exists.
    """
    if ref is None:
        ref = DEFAULT_RUBRIC
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return path
    named = rubrics_folder() / f"{ref}.yaml"
    if named.is_file():
        return named
    names = ", ".join(available_rubrics()) or "none"
    raise RubricError([Issue(f"no rubric file or rubric named `{ref}`; available rubrics: {names}")])


def load_rubric(ref: str | Path | None = None) -> Rubric:
    """Read and validate a rubric (a path, or a name in `rubrics/`; default `tiktok-default`).

    Raises `RubricError` listing every problem, each located at FILE:LINE:COL.
    """
    try:
        doc = load_document(resolve_rubric(ref), kind="rubric")
    except RubricError:
        raise
    except SpecError as exc:  # unreadable file or YAML syntax: the same issues, as a rubric error
        raise RubricError(exc.issues) from None
    try:
        spec = RubricFile.model_validate(doc.data)
    except ValidationError as exc:
        issues = translate_validation_error(exc, doc, root=RubricFile)
        # pydantic also reports a list as too short when one of its items is invalid: say it once
        issues = [i for i in issues if not (i.code == "too_short" and any(
            o.path.startswith(i.path + "[") for o in issues))]
        raise RubricError(issues) from None
    issues: list[Issue] = []
    criteria = [c for i, spec_c in enumerate(spec.criteria) if (c := _criterion(doc, i, spec_c, issues))]
    seen: dict[str, int] = {}
    for i, c in enumerate(spec.criteria):
        if c.id in seen:
            issues.append(doc.issue(("criteria", i, "id"), f"criterion id `{c.id}` is already used by "
                                    f"criteria[{seen[c.id]}]; ids must be unique"))
        seen.setdefault(c.id, i)
    if issues:
        raise RubricError(issues)
    return Rubric(spec.name, spec.title, spec.description, tuple(criteria), doc.path)


def _criterion(doc: Document, i: int, spec: CriterionSpec, issues: list[Issue]) -> Criterion | None:
    check_id = spec.check or spec.id
    where = ("criteria", i, "check" if spec.check else "id")
    check = CHECKS.get(check_id)
    if check is None:
        close = difflib.get_close_matches(check_id, list(CHECKS), n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else "known checks: " + ", ".join(sorted(CHECKS))
        what = "no check" if spec.check else "the id is not a check id, so give `check:`; there is no check"
        issues.append(doc.issue(where, f"{what} `{check_id}`; {hint}"))
        return None
    value = spec.value or check.main
    if value not in check.values:
        names = ", ".join(f"`{v}`" for v in check.values)
        issues.append(doc.issue(("criteria", i, "value"), f"check `{check_id}` has no value `{value}`; "
                                f"its values are {names}"))
        return None
    expect = _expectation(spec.expect, check.values[value].kind)
    if isinstance(expect, str):
        issues.append(doc.issue(("criteria", i, "expect"), f"`{check_id}.{value}` is {expect}"))
        return None
    return Criterion(spec.id, check_id, value, expect, spec.severity, spec.weight, " ".join(spec.explain.split()))


_KIND_WORDS: dict[ValueKind, str] = {"number": "a number", "bool": "yes/no", "text": "text"}


def _expectation(spec: ExpectSpec, kind: ValueKind) -> Expectation | str:
    """The expectation, or a message saying why it does not fit a value of `kind`."""
    ranged = spec.min is not None or spec.max is not None or spec.between is not None
    if ranged:
        if kind != "number":
            return f"{_KIND_WORDS[kind]}, so use `equals` or `one_of`, not a range"
        low, high = spec.between if spec.between is not None else (spec.min, spec.max)
        return Expectation("range", None if low is None else float(low), None if high is None else float(high))
    wanted = (spec.equals,) if spec.one_of is None else spec.one_of
    for w in wanted:
        fits = {"number": isinstance(w, int | float) and not isinstance(w, bool), "bool": isinstance(w, bool),
                "text": isinstance(w, str)}[kind]
        if not fits:
            return f"{_KIND_WORDS[kind]}, but the expectation gives {w!r}"
    if spec.one_of is not None:
        return Expectation("one_of", choices=tuple(spec.one_of))
    return Expectation("equals", equals=spec.equals)


def describe_checks() -> list[dict[str, Any]]:
    """Every registered check with its values (for `reel grade --list-checks` and the docs)."""
    return [{"id": c.id, "title": c.title, "about": c.about, "main": c.main,
             "values": {n: {"kind": v.kind, "unit": v.unit, "about": v.about} for n, v in c.values.items()}}
            for c in CHECKS.values()]

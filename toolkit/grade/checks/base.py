"""The shape of a check: what it measures (named values) and the function that measures it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from toolkit.grade.results import Observation

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

ValueKind = Literal["number", "bool", "text"]
CheckFunction = Callable[["MediaInfo", "Measurements", "GradeContext"], Observation]


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """One value a check measures: its type (what expectations fit it), unit and meaning."""

    kind: ValueKind
    unit: str = ""
    about: str = ""


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A registered check. A rubric criterion reads `main` unless it names another value."""

    id: str
    title: str
    about: str
    main: str
    values: Mapping[str, ValueSpec]
    run: CheckFunction = field(repr=False)

    def __post_init__(self) -> None:
        if self.main not in self.values:
            raise ValueError(f"check {self.id}: main value {self.main!r} is not among its values")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


def number(unit: str = "", about: str = "") -> ValueSpec:
    """A numeric value."""
    return ValueSpec("number", unit, about)


def flag(about: str = "") -> ValueSpec:
    """A yes/no value."""
    return ValueSpec("bool", "", about)


def text(about: str = "") -> ValueSpec:
    """A text value (compared with `equals` or `one_of`)."""
    return ValueSpec("text", "", about)


def unavailable(check: str, reason: str) -> Observation:
    """An observation saying why `check` could not measure anything."""
    return Observation(check, unavailable=reason)

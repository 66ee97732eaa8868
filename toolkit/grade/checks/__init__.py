"""The check registry: check id → `CheckSpec` (its values and the function that measures them).

Ids are stable: rubrics, JSON reports and gradebooks refer to them. Add a check by adding a
`CheckSpec` to one of the modules' `SPECS`; nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from toolkit.grade.checks import delivery, picture, plan, privacy, sound, text
from toolkit.grade.checks.base import CheckSpec, ValueSpec

__all__ = ["CHECKS", "CheckSpec", "ValueSpec"]

CHECKS: Mapping[str, CheckSpec] = MappingProxyType(
    {spec.id: spec for module in (delivery, privacy, sound, picture, text, plan) for spec in module.SPECS}
)

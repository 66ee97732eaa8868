"""Merge fields: `{{ trainee }}` in template or storyboard text, filled from named values.

Fail closed: a placeholder with no value, or anything that looks like a broken placeholder,
is reported and never reaches the screen (Shotstack renders the raw `{{ NAME }}`, peers §4.4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from toolkit.film.template.models import FIELD_NAME

# What lies between `{{` and `}}` may not itself hold either, so each `{{` is scanned only to the
# next brace pair: `(.*?)` scanned to the end of the text from every `{{` (20,000 of them: 22 s).
_PLACEHOLDER = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.S)
_NAME = re.compile(FIELD_NAME)
_BRACES = re.compile(r"\{\{|\}\}")


@dataclass(frozen=True, slots=True)
class Filled:
    """The text with its fields filled, and what could not be filled."""

    text: str
    missing: tuple[str, ...] = ()  # field names without a value, in order of appearance
    malformed: tuple[str, ...] = ()  # pieces like `{{ two words }}` or a lone `{{`

    @property
    def ok(self) -> bool:
        return not self.missing and not self.malformed


def field_names(text: str) -> list[str]:
    """The well-formed field names used in `text`, in order, without repeats."""
    names: dict[str, None] = {}  # ordered and unique in linear time (a text may hold 100k fields)
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1).strip()
        if _NAME.match(name):
            names.setdefault(name)
    return list(names)


def fill(text: str, values: Mapping[str, str]) -> Filled:
    """Replace every `{{ name }}` in `text` with `values[name]`, in a single pass.

    Values are inserted literally (a value is never itself searched for fields). Placeholders
    without a value are left in `text` but listed in `missing`; the caller must not draw it.
    """
    missing: dict[str, None] = {}  # ordered and unique in linear time
    malformed: list[str] = []

    def swap(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        if not _NAME.match(name):
            malformed.append(m.group(0))
            return m.group(0)
        if name not in values:
            missing.setdefault(name)
            return m.group(0)
        return values[name]

    out = _PLACEHOLDER.sub(swap, text)
    rest = _PLACEHOLDER.sub("", text)
    malformed.extend(b.group(0) for b in _BRACES.finditer(rest))
    return Filled(out, tuple(missing), tuple(malformed))


def bad_value(value: str) -> bool:
    """A value that would itself put `{{`/`}}` on screen."""
    return bool(_BRACES.search(value))


def parse_field_options(items: Iterable[str]) -> dict[str, str]:
    """`["trainee=Sam Lee", "programme=Peer Voices"]` → a dict; for `--field key=value` options.

    Raises `ValueError` naming the first malformed item; the last value of a repeated key wins.
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not _NAME.match(key):
            raise ValueError(f"`{item}`: expected key=value with a name of letters, digits, `_` or `-`, "
                             "e.g. --field trainee='Sam Lee'")
        out[key] = value
    return out


def describe_missing(names: Iterable[str]) -> str:
    """The summary line for missing fields, with the two ways to give them."""
    names = list(dict.fromkeys(names))
    listed = listing(names)
    example = names[0] if names else "name"
    return (f"merge field{'s' if len(names) != 1 else ''} without a value: {listed}; give "
            f"{'them' if len(names) != 1 else 'it'} under `fields:` in the storyboard or with "
            f"--field {example}=...")


def listing(names: Sequence[str], limit: int = 10) -> str:
    """"`a`, `b`, `c`", or the first `limit` names "and 990 more" (a text may hold thousands)."""
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit:,} more"

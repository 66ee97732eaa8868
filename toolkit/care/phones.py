"""Custom end-card services: their names may not pose as a directory service, and their numbers
must be real numbers of the film's region (checked with the `phonenumbers` library).

Rule for numbers: a `call` or `text` value is accepted when `phonenumbers` says it is either
a valid full number *for the film's region* (national or international form, e.g.
"0800 123 4567" or "+44 800 123 4567" for the UK), or a valid short number for that region
in its short-number metadata (`phonenumbers.shortnumberinfo`, which knows helpline and SMS
short codes such as 116 123, 85258, 988 or 741741). Anything else, including short codes
that region's numbering plan does not have ("000 000", "12345" in the UK) and another
country's numbers, is refused with an example of a valid form.

A custom service may not reuse a directory number either: that number is already a service,
and is added with `end_card.services` instead, so the card reader can never credit one
service's number to another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, shortnumberinfo

from toolkit.care.helplines import NUMBER_TYPES, Directory

__all__ = ["custom_service_problems", "number_problem", "phone_region", "same_name"]

_PHONE_REGION = {"UK": "GB"}  # directory region code -> ISO 3166 code phonenumbers uses


class CustomLike(Protocol):
    name: str
    call: str | None
    text: str | None


def phone_region(region: str) -> str:
    """The ISO region code `phonenumbers` knows for a directory region (UK → GB)."""
    return _PHONE_REGION.get(region, region)


def same_name(a: str, b: str) -> bool:
    """Names compared ignoring case, spacing and punctuation ("the  samaritans" ≠ "Samaritans",
    "SAMARITANS" = "Samaritans", "Samari tans" = "Samaritans")."""
    return _squash(a) == _squash(b)


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def _examples(region: str, directory: Directory) -> str:
    iso = phone_region(region)
    full = phonenumbers.example_number_for_type(iso, PhoneNumberType.TOLL_FREE) or \
        phonenumbers.example_number(iso)
    shown = [f"`{phonenumbers.format_number(full, PhoneNumberFormat.NATIONAL)}`"] if full else []
    short = next((ch.value for e in directory.for_region(region) for ch in e.channels
                  if ch.type in NUMBER_TYPES and len(re.sub(r"\D", "", ch.value)) <= 6), None)
    if short:
        shown.append(f"a short code such as `{short}`")
    return " or ".join(shown)


def number_problem(value: str, region: str, directory: Directory) -> str | None:
    """Why `value` is not a number of `region` (a directory region code), or None when it is."""
    iso = phone_region(region)
    try:
        parsed = phonenumbers.parse(value, iso)
    except NumberParseException:
        parsed = None
    if parsed is not None and (phonenumbers.is_valid_number_for_region(parsed, iso)
                               or shortnumberinfo.is_valid_short_number_for_region(parsed, iso)):
        return None
    other = ""
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        home = phonenumbers.region_code_for_number(parsed)
        other = f" (it is a {home} number)" if home else ""
    return (f"{value!r} is not a valid {region} phone number or short code{other}; write it as the service "
            f"publishes it for {region} callers, e.g. {_examples(region, directory)}")


def custom_service_problems(services: Sequence[CustomLike], directory: Directory, region: str) \
        -> list[tuple[tuple[int, str], str]]:
    """((index, field), message) for each custom service that reuses a directory service's
    name (any region) or number (its region), or whose call/text is not a number of `region`."""
    # the film's own region last, so a name both regions use is reported as this region's
    ordered = sorted(directory.entries, key=lambda e: e.region == region)
    names = {_squash(e.name): e for e in ordered}
    numbers = {re.sub(r"\D", "", ch.value): e for e in directory.for_region(region)
               for ch in e.channels if ch.type in NUMBER_TYPES}
    out: list[tuple[tuple[int, str], str]] = []
    for i, service in enumerate(services):
        clash = names.get(_squash(service.name))
        if clash is not None:
            out.append(((i, "name"), f"{service.name!r} is the name of a directory service ({clash.name}, "
                        f"{clash.region}, id `{clash.id}`); a custom service needs its own name. To show "
                        f"{clash.name}, list its id under `end_card.services` (its number comes from the "
                        "directory)"))
        for field in ("call", "text"):
            value = getattr(service, field)
            if not value:
                continue
            owner = numbers.get(re.sub(r"\D", "", value))
            if owner is not None:
                out.append(((i, field), f"{value} is the number of {owner.name} (`{owner.id}`); list "
                            f"`{owner.id}` under `end_card.services` instead of repeating its number"))
                continue
            problem = number_problem(value, region, directory)
            if problem is not None:
                out.append(((i, field), problem))
    return out

"""Contributors and what each agreed to: the `contributors:` block (the YAML boundary only).

A storyboard lists its contributors inline, or names a shared file a charity keeps for many films
(`contributors: contributors.yaml`, itself a mapping with a `contributors:` list). Footage, photos,
layers and voiceovers then name who they show with `contributor: ID`; `toolkit.film.consent`
checks every such use against the record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, ValidationInfo, field_validator

from toolkit.doc.dates import date_problem, not_a_date
from toolkit.film.spec.base import Platform, SpecModel

Shown = Literal["yes", "anonymised", "no"]
ContributorId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The contributor's id on "
                                     "file: lower-case letters, digits, `-` and `_`, e.g. `sam`.")]


def _yes_no(value: Any) -> Any:
    # YAML reads a bare `yes`/`no` as a boolean; the record means the words
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _place(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("the place is blank; write it as it would appear on screen (`Mare Street`), or remove "
                         "the entry")
    if not any(ch.isalnum() for ch in value):
        # a place of punctuation alone would match every dash or dot on screen
        raise ValueError(f"write the place as it is written on screen, got {value!r}")
    return value


Place = Annotated[str, Field(max_length=200), AfterValidator(_place)]


class ShowConsent(SpecModel):
    """What may be shown of the contributor: each `yes`, `anonymised` or `no` (default `no`)."""

    face: Shown = "no"
    voice: Shown = "no"
    name: Shown = "no"
    location: Shown = "no"

    _yn = field_validator("face", "voice", "name", "location", mode="before")(lambda cls, v: _yes_no(v))


class Contributor(SpecModel):
    """One person in the film and the consent they gave (ids only ever leave the machine)."""

    id: ContributorId
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The real name, as the person is known (checked against every on-screen text).")
    shown_as: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The pseudonym on screen when `name` is `no` or `anonymised`.")
    consent: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The reference of the signed consent form, e.g. `CF-2026-014`.")
    given: date = Field(description="The date consent was given (YYYY-MM-DD).")
    expires: date = Field(description="The last day the films may be shown (YYYY-MM-DD).")
    withdrawn: date | None = Field(default=None, description="The date consent was withdrawn; from then on no "
                                   "film may use the contributor (`reel contributors withdraw`).")
    platforms: Annotated[list[Platform], Field(min_length=1)] = Field(description="Where the films may be posted.")
    show: ShowConsent = Field(default_factory=ShowConsent)
    places: list[Place] = Field(default_factory=list, max_length=100, description=(
        "Places that would identify the person if shown: their home town, street, school, workplace, e.g. "
        "`[Hackney, Mare Street, St Mary's School]`. Where `show.location` is `no` or `anonymised`, none of them "
        "may appear on screen (texts, captions, lower thirds, slates, template headings, words in pictures)."))

    @field_validator("given", "expires", "withdrawn", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # YAML reads 2026-01-10 as a date already; anything else must be one written the same way
        if isinstance(value, date) or value is None:
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            if date_problem(str(value)):  # written as a date, but not a real one (`"2026-02-30"`)
                raise ValueError(not_a_date(str(value))) from None
            raise ValueError(f"write the date as YYYY-MM-DD, e.g. 2026-01-10, got {value!r}") from None

    @field_validator("name", "consent", "shown_as")
    @classmethod
    def _not_blank(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(f"`{info.field_name}` is blank")
        if info.field_name == "name" and value is not None and not any(ch.isalnum() for ch in value):
            # a name of punctuation alone would match every dash or dot on screen
            raise ValueError(f"`name` must be the person's name as written, got {value!r}")
        return value.strip() if value is not None else None

    @field_validator("expires")
    @classmethod
    def _after_given(cls, value: date, info: ValidationInfo) -> date:
        given = info.data.get("given")
        if isinstance(given, date) and value < given:
            raise ValueError(f"consent expires ({value.isoformat()}) before the date it was given "
                             f"({given.isoformat()}); check both dates on the consent form")
        return value

    @field_validator("withdrawn")
    @classmethod
    def _withdrawn_after_given(cls, value: date | None, info: ValidationInfo) -> date | None:
        given = info.data.get("given")
        if value is not None and isinstance(given, date) and value < given:
            raise ValueError(f"consent withdrawn ({value.isoformat()}) before the date it was given "
                             f"({given.isoformat()})")
        return value


class ContributorsFile(SpecModel):
    """A shared contributors file: `contributors:` and the list of records."""

    contributors: list[Contributor]


def _contributors_form(value: Any) -> str:
    # a list is the records themselves, anything else names a shared file: one form's errors, not both
    return "list" if isinstance(value, list) else "file"


Contributors = Annotated[Annotated[list[Contributor], Tag("list")] | Annotated[Path, Tag("file")],
                         Discriminator(_contributors_form)]

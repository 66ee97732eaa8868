"""The helpline directory (standards reference §9): regions, services, channels, verification.

`load_directory` reads `data/helplines.yaml` into validated, frozen models. What an end card
shows is chosen in `toolkit.care.endcard`. Load the directory once and pass it around: nothing
here caches at module level.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolkit.care.warnings import normalize_topic
from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import load_document
from toolkit.errors import Issue, PolicyError, SpecError

Status = Literal["confirmed", "secondary", "unconfirmed"]
ChannelType = Literal["call", "text", "chat", "web", "email"]
Kind = Literal["crisis", "support", "emergency", "superseded"]

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "helplines.yaml"
STALE_AFTER_DAYS = 180

STATUS_RANK: dict[str, int] = {"confirmed": 0, "secondary": 1, "unconfirmed": 2}
NUMBER_TYPES = frozenset({"call", "text"})  # channels whose value is a phone number or short code


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(_Model):
    """One way to reach a service, written exactly as the service publishes it."""

    type: ChannelType
    value: Annotated[str, Field(min_length=1)]
    keyword: str | None = None
    label: str | None = Field(default=None, description="e.g. England, Spanish, TTY")
    qualifier: str | None = Field(default=None, description="e.g. 'then press 1'")
    status: Status | None = Field(default=None, description="Only when it differs from the entry's")
    on_card: bool = True

    @model_validator(mode="after")
    def _check(self) -> Channel:
        if self.keyword is not None and self.type != "text":
            raise ValueError("only a `text` channel has a keyword")
        if self.type in NUMBER_TYPES and not any(ch.isdigit() for ch in self.value):
            raise ValueError(f"a {self.type} channel needs a number, got {self.value!r}")
        return self


class RegionInfo(_Model):
    """A region the directory covers."""

    name: str
    aliases: tuple[str, ...] = ()


class InternationalDirectory(_Model):
    """A fallback directory for regions Reel has no entries for (never used automatically)."""

    name: str
    url: str
    status: Status
    notes: str = ""


class HelplineEntry(_Model):
    """One service (or emergency number) in one region."""

    id: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z0-9-]+$")]
    region: str
    area: str | None = Field(default=None, description="Part of the region only, e.g. England")
    name: Annotated[str, Field(min_length=1)]
    kind: Kind
    channels: Annotated[tuple[Channel, ...], Field(min_length=1)]
    hours: Annotated[str, Field(min_length=1)]
    hours_status: Status | None = None
    always_open: bool
    audience: Annotated[str, Field(min_length=1)]
    topics: Annotated[tuple[str, ...], Field(min_length=1)]
    verified_on: date
    source: Annotated[str, Field(min_length=3)]
    status: Status
    notes: str = ""

    def channel_status(self, channel: Channel) -> Status:
        """The channel's own status, else the entry's."""
        return channel.status or self.status

    @property
    def effective_hours_status(self) -> Status:
        """How sure the directory is of the opening hours."""
        return self.hours_status or self.status

    @property
    def open_24_7(self) -> bool:
        """Open around the clock, and the directory is not unsure about it."""
        return self.always_open and self.effective_hours_status != "unconfirmed"


class Directory(_Model):
    """The whole helpline file. Entries keep file order, which is the order of preference."""

    version: Literal[1]
    regions: dict[str, RegionInfo]
    topics: tuple[str, ...]
    international: tuple[InternationalDirectory, ...] = ()
    entries: tuple[HelplineEntry, ...]

    @model_validator(mode="after")
    def _check(self) -> Directory:
        problems: list[str] = []
        seen: set[str] = set()
        for i, e in enumerate(self.entries):
            where = f"entries[{i}] ({e.id})"
            if e.id in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(e.id)
            if e.region not in self.regions:
                problems.append(f"{where}: unknown region {e.region!r}; declare it under `regions:`")
            elif not e.id.startswith(e.region.lower() + "-"):
                problems.append(f"{where}: id must start with '{e.region.lower()}-'")
            problems += [f"{where}: topic {t!r} is not in `topics:`"
                         for t in e.topics if t not in self.topics]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def supported_regions(self) -> tuple[str, ...]:
        """Region codes with a directory, sorted."""
        return tuple(sorted(self.regions))

    def resolve_region(self, region: str) -> str:
        """The region code for `region` (case-insensitive, aliases such as GB allowed).

        Raises PolicyError naming the supported regions when there is none.
        """
        wanted = region.strip().upper()
        for code, info in self.regions.items():
            if wanted == code or wanted in (a.upper() for a in info.aliases):
                return code
        fallbacks = " or ".join(d.url for d in self.international)
        message = (f"no helpline directory for region {region!r}; supported regions: "
                   f"{', '.join(self.supported_regions())}")
        if fallbacks:
            message += f" (for other regions see {fallbacks}; secondary, not used automatically)"
        raise PolicyError([Issue(message, code="unknown-region")])

    def for_region(self, region: str) -> tuple[HelplineEntry, ...]:
        """Every entry for `region`, in order of preference."""
        code = self.resolve_region(region)
        return tuple(e for e in self.entries if e.region == code)

    def filter(self, region: str | None = None, topic: str | None = None) -> tuple[HelplineEntry, ...]:
        """Entries matching a region and/or a topic (None = any)."""
        entries = self.for_region(region) if region is not None else self.entries
        if topic is None:
            return entries
        tag = normalize_topic(topic)
        return tuple(e for e in entries if tag in e.topics)

    def get(self, service_id: str) -> HelplineEntry | None:
        """The entry with id `service_id`, or None."""
        return next((e for e in self.entries if e.id == service_id), None)

    def stale_entries(self, today: date, max_age_days: int = STALE_AFTER_DAYS) -> tuple[HelplineEntry, ...]:
        """Entries last checked more than `max_age_days` before `today`: re-verify them."""
        return tuple(e for e in self.entries if (today - e.verified_on).days > max_age_days)


def load_directory(path: Path | str | None = None) -> Directory:
    """Read and validate the helpline directory (default: the shipped `data/helplines.yaml`).

    Raises SpecError with located issues. Callers that need it often should keep the result.
    """
    doc = load_document(Path(path) if path is not None else DEFAULT_PATH, kind="helpline directory")
    try:
        return Directory.model_validate(doc.data)
    except ValidationError as exc:
        raise SpecError(translate_validation_error(exc, doc, root=Directory)) from None

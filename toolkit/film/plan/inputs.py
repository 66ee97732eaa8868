"""Everything the planner needs, gathered beforehand so planning itself does no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

from toolkit.film.plan.layout import Measurer
from toolkit.film.plan.timeline import Canvas
from toolkit.film.spec.models import Storyboard
from toolkit.film.template.models import Template
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_SAFE, REFERENCE_WIDTH
from toolkit.media.probe import MediaInfo
from toolkit.subtitles import Cue

# name -> (width, height, fps); all three platforms share the house export (standards §2.1).
PLATFORMS: dict[str, tuple[int, int, Fraction]] = {
    "tiktok": (REFERENCE_WIDTH, REFERENCE_HEIGHT, Fraction(30)),
    "reels": (REFERENCE_WIDTH, REFERENCE_HEIGHT, Fraction(30)),
    "shorts": (REFERENCE_WIDTH, REFERENCE_HEIGHT, Fraction(30)),
}


@dataclass(frozen=True, slots=True)
class PlatformLimit:
    """How long a film may be on one platform, and where that number comes from."""

    label: str
    max_seconds: Fraction
    warn_seconds: Fraction
    basis: str


# standards.md §1 and §2.1: the house export caps every film at 180 s and recommends ≤ 90 s.
# Reels in-app and Shorts allow 3 min (secondary sources). TikTok's own organic limit (10 min
# in-app) is unconfirmed, so the house cap is the binding limit there too.
HOUSE_MAX_SECONDS = Fraction(180)
HOUSE_WARN_SECONDS = Fraction(90)
PLATFORM_LIMITS: dict[str, PlatformLimit] = {
    "tiktok": PlatformLimit("TikTok", HOUSE_MAX_SECONDS, HOUSE_WARN_SECONDS,
                            "the house cap, standards §2.1; TikTok's own 10-minute organic limit is unconfirmed"),
    "reels": PlatformLimit("Instagram Reels", HOUSE_MAX_SECONDS, HOUSE_WARN_SECONDS,
                           "the Reels in-app limit of 3 minutes and the house cap, standards §2.1 (secondary)"),
    "shorts": PlatformLimit("YouTube Shorts", HOUSE_MAX_SECONDS, HOUSE_WARN_SECONDS,
                            "a Short is at most 3 minutes, and the house cap, standards §2.1 (secondary)"),
}


def make_canvas(platform: str = "tiktok", *, width: int | None = None, fps: Fraction | None = None) -> Canvas:
    """The output canvas for `platform`, optionally smaller (drafts, tests) at the same 9:16 shape."""
    ref_w, ref_h, ref_fps = PLATFORMS[platform]
    w = width or ref_w
    w -= w % 2
    scale = Fraction(w, ref_w)
    h = int(ref_h * scale)
    h -= h % 2
    return Canvas(width=w, height=h, fps=fps or ref_fps, safe=REFERENCE_SAFE.scaled(scale), scale=scale)


@dataclass(frozen=True, slots=True)
class EndCardService:
    """One service as the end card shows it. `contacts` are display lines ("Call 116 123")."""

    name: str
    contacts: tuple[str, ...]
    hours: str = ""


@dataclass(frozen=True, slots=True)
class EndCardContent:
    """What the mandatory end card says, chosen by the duty-of-care rules."""

    heading: str
    services: tuple[EndCardService, ...]
    min_seconds: float
    message: str | None = None
    service_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpokenCaption:
    """When each word (whitespace-separated, as written) of one caption is spoken, as (start, end)
    seconds from the scene's start; None for a word with no time (an emoji). From
    `toolkit.film.speech`, which aligns the captions to the scene's speech."""

    words: tuple[tuple[Fraction, Fraction] | None, ...]


@dataclass(frozen=True)
class Fonts:
    heading: Path
    body: Path
    captions: Path


@dataclass(frozen=True)
class PlanInputs:
    """A validated storyboard plus the facts about the outside world it depends on."""

    storyboard: Storyboard
    base_dir: Path
    template: Template
    template_dir: Path
    fonts: Fonts
    media: Mapping[Path, MediaInfo]
    end_card: EndCardContent
    canvas: Canvas
    measurer: Measurer
    caption_files: Mapping[Path, tuple[Cue, ...]] = field(default_factory=dict)  # times from the scene's start
    logo: Path | None = None
    intro: Path | None = None
    outro: Path | None = None
    music: Path | None = None
    # scene index -> per caption its spoken word times, None when not placed (reading-speed timing)
    spoken: Mapping[int, tuple[SpokenCaption | None, ...]] = field(default_factory=dict)
    # the film's own untimed script (`captions:` at the top), per line its spoken word times from the
    # film's start (None: not placed); None: no speech aligned (today's timing); (): being aligned,
    # so the script is left out of this first plan (`toolkit.film.script_speech`)
    film_spoken: tuple[SpokenCaption | None, ...] | None = None

    def asset(self, rel: Path) -> Path:
        """Absolute path of a storyboard asset."""
        return (self.base_dir / rel).resolve()

    def info(self, rel: Path) -> MediaInfo:
        return self.media[self.asset(rel)]


@dataclass(frozen=True, slots=True)
class LocIssue:
    """A planning problem located by its path in the storyboard (turned into FILE:LINE:COL later)."""

    loc: tuple[str | int, ...]
    message: str
    severity: Literal["error", "warning", "info"] = "error"
    code: str = ""

"""Where a storyboard shows its contributors: every `contributor:` and what that use shows (face, voice).

Pure (no I/O): the consent check reads it against the record, and the planner writes the ids
(ids only) into the film's metadata so a withdrawal can find every rendered film.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from toolkit.film.spec.layers import ImageLayer, VideoLayer
from toolkit.film.spec.models import Scene, Storyboard
from toolkit.film.spec.scenes import ImageBackground, VideoBackground

CONTRIBUTORS_KEY = "reel_contributors"  # the MP4 metadata key: comma-separated ids


@dataclass(frozen=True, slots=True)
class Use:
    """One place the film shows a contributor: `loc` of its `contributor:` key, and what it shows."""

    id: str
    loc: tuple[str | int, ...]
    what: str  # "footage", "photo", "voiceover"
    face: bool
    voice: bool
    face_hidden: bool = False  # `anonymise: {face: ...}` on the same footage or photo
    voice_hidden: bool = False  # `anonymise: {voice: disguise}` on the same footage or voiceover


@dataclass(frozen=True, slots=True)
class Request:
    """One `anonymise:` in the storyboard: `loc` of its key and what it hides ("face" or "voice")."""

    loc: tuple[str | int, ...]
    hides: str


def _hidden(owner: object) -> tuple[bool, bool]:
    anon = getattr(owner, "anonymise", None)
    return (getattr(anon, "face", None) is not None, getattr(anon, "voice", None) is not None)


def uses(sb: Storyboard) -> Iterator[Use]:
    """Every `contributor:` in the storyboard, in file order."""
    if sb.voiceover is not None and sb.voiceover.contributor:
        yield Use(sb.voiceover.contributor, ("voiceover", "contributor"), "voiceover", False, True,
                  *_hidden(sb.voiceover))
    for i, scene in enumerate(sb.scenes):
        if not isinstance(scene, Scene):
            continue
        bg = scene.background
        at = ("scenes", i)
        if isinstance(bg, VideoBackground) and bg.contributor:
            sound = scene.audio.keep and scene.audio.volume > 0
            yield Use(bg.contributor, (*at, "background", "contributor"), "footage", True, sound, *_hidden(bg))
        elif isinstance(bg, ImageBackground) and bg.contributor:
            yield Use(bg.contributor, (*at, "background", "contributor"), "photo", True, False, *_hidden(bg))
        if scene.voiceover is not None and scene.voiceover.contributor:
            yield Use(scene.voiceover.contributor, (*at, "voiceover", "contributor"), "voiceover", False, True,
                      *_hidden(scene.voiceover))
        yield from _layer_uses(scene.layers, at)
    yield from _layer_uses(sb.layers, ())


def _layer_uses(layers, at: tuple[str | int, ...]) -> Iterator[Use]:
    for k, layer in enumerate(layers):
        if isinstance(layer, VideoLayer) and layer.contributor:
            yield Use(layer.contributor, (*at, "layers", k, "contributor"), "footage", True, layer.volume > 0,
                      *_hidden(layer))
        elif isinstance(layer, ImageLayer) and layer.contributor:
            yield Use(layer.contributor, (*at, "layers", k, "contributor"), "photo", True, False, *_hidden(layer))


def requests(sb: Storyboard) -> Iterator[Request]:
    """Every `anonymise:` in the storyboard (what it hides, where it is written), in file order."""
    owners: list[tuple[object, tuple[str | int, ...]]] = []
    if sb.voiceover is not None:
        owners.append((sb.voiceover, ("voiceover",)))
    for i, scene in enumerate(sb.scenes):
        if isinstance(scene, Scene):
            owners.append((scene.background, ("scenes", i, "background")))
            if scene.voiceover is not None:
                owners.append((scene.voiceover, ("scenes", i, "voiceover")))
            owners.extend((layer, ("scenes", i, "layers", k)) for k, layer in enumerate(scene.layers))
    owners.extend((layer, ("layers", k)) for k, layer in enumerate(sb.layers))
    for owner, at in owners:
        face, voice = _hidden(owner)
        if face:
            yield Request((*at, "anonymise", "face"), "face")
        if voice:
            yield Request((*at, "anonymise", "voice"), "voice")


def contributor_ids(sb: Storyboard) -> tuple[str, ...]:
    """The ids the film uses, each once, in file order."""
    return tuple(dict.fromkeys(use.id for use in uses(sb)))


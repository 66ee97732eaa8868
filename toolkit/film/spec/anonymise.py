"""`anonymise:` on footage, photos and voiceovers (the YAML boundary only).

A contributor who agreed to `show: {face: anonymised}` or `{voice: anonymised}` may appear only where
the storyboard asks Reel to hide them: `anonymise: {face: blur}` on the footage or photo that shows
them, `anonymise: {voice: disguise}` on the footage or voiceover they speak in. Faces are found and
followed by a detector and can be added by hand (`boxes:`) where it misses; the voice is changed so
that shifting the pitch back does not undo it. `toolkit.film.consent` checks that every such use asks
for it; the render applies it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from toolkit.film.spec.base import SpecModel
from toolkit.film.spec.units import Time

FaceCover = Literal["blur", "pixelate", "box"]
VoiceChange = Literal["disguise"]

_Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ManualBox(SpecModel):
    """A place to cover by hand, as shares of the picture (0–1 from its left and top edges), optionally
    only between two times of the footage (the same clock as the footage's `from`/`to`)."""

    x: _Share = Field(description="Left edge, 0–1 of the picture's width.")
    y: _Share = Field(description="Top edge, 0–1 of the picture's height.")
    w: Annotated[float, Field(gt=0.0, le=1.0)] = Field(description="Width, 0–1 of the picture's width.")
    h: Annotated[float, Field(gt=0.0, le=1.0)] = Field(description="Height, 0–1 of the picture's height.")
    from_: Time | None = Field(default=None, alias="from", description="From this time in the footage (default: "
                               "the start of the trim).")
    to: Time | None = Field(default=None, description="Until this time in the footage (default: the end of the "
                            "trim).")

    @model_validator(mode="after")
    def _inside(self) -> ManualBox:
        if self.x + self.w > 1.0 + 1e-9 or self.y + self.h > 1.0 + 1e-9:
            raise ValueError("the box runs off the picture: x + w and y + h must each be at most 1")
        return self


class FaceAnonymise(SpecModel):
    """How faces in a photo are hidden."""

    face: FaceCover | None = Field(default=None, description="blur, pixelate or box (a solid block) over every "
                                   "face found, followed through the footage.")
    boxes: list[ManualBox] = Field(default_factory=list, description="Places to cover by hand, where the "
                                   "detector misses a face (turned away, in shadow, very small).")

    @model_validator(mode="after")
    def _boxes_need_a_cover(self) -> FaceAnonymise:
        if self.boxes and self.face is None:
            raise ValueError("`boxes` need `face: blur`, `pixelate` or `box` to say how they are covered")
        if self.face is None and getattr(self, "voice", None) is None:
            raise ValueError("say what to hide: `face: blur`, `pixelate` or `box`"
                             + (", or `voice: disguise`" if "voice" in type(self).model_fields else ""))
        return self


class FootageAnonymise(FaceAnonymise):
    """How faces and the voice in footage are hidden."""

    voice: VoiceChange | None = Field(default=None, description="disguise: the footage's own sound is changed "
                                      "(pitch and voice character moved apart, then smeared) so the speaker "
                                      "is hard to recognise.")


class VoiceAnonymise(SpecModel):
    """How a voiceover's voice is hidden."""

    voice: VoiceChange = Field(description="disguise: pitch and voice character moved apart, then smeared.")

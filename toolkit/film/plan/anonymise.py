"""`anonymise: {face: …, boxes: […]}` as the plan carries it (pure: the detector runs later).

The planner only records what to hide and where it is written; `toolkit.film.anonymising` finds
the faces, makes the covered copy and puts it in the source's place before anything is compiled.
"""

from __future__ import annotations

from fractions import Fraction

from toolkit.film.plan.timeline import Anonymise, CoverBox
from toolkit.film.spec.anonymise import FaceAnonymise


def planned(spec: FaceAnonymise | None, loc: tuple[str | int, ...], fps: Fraction) -> Anonymise | None:
    """The plan's `Anonymise` for a source's `anonymise:` written at `loc` (None when no face is hidden:
    absent, or `voice` only)."""
    if spec is None or spec.face is None:
        return None
    boxes = tuple(CoverBox(b.x, b.y, b.w, b.h, None if b.from_ is None else b.from_.to_seconds(fps),
                           None if b.to is None else b.to.to_seconds(fps)) for b in spec.boxes)
    return Anonymise(spec.face, boxes, (*loc, "anonymise"))

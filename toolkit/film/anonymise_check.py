"""`reel anonymise check`: what the detector followed in each anonymised footage or photo, and where it was unsure.

For every `anonymise: {face: …}` of a film (in file order) it reports the faces followed, the
smallest found, the hand-placed boxes, and the unsure moments the tracker flagged (a box held
across a detection gap, a detection near the threshold, a jump too fast for the motion), each as
a time range on the footage's own clock: the same clock `boxes:` `from`/`to` are written in.
With a folder, each unsure moment is also drawn as a still of the ORIGINAL picture (the frame
at the middle of the span) with the covers outlined: red where the detector covers, yellow where
a box does, so the trainee sees what is missed and can write a box for it. Those stills show the
real face: they stay on the trainee's machine, and no film reads them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.atomic import write_atomic
from toolkit.errors import OutputError
from toolkit.film.anonymising import Hidden, box_pixels, find, hidden_sources
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import Anonymise, ImageSource, VideoSource

DETECTED = (230, 40, 40)
BOXED = (250, 210, 0)


@dataclass(frozen=True)
class Moment:
    """One unsure span (seconds on the footage's clock), why, and the still drawn of it."""

    start: float
    end: float
    why: str
    still: Path | None = None


@dataclass(frozen=True)
class Anonymised:
    """One anonymised footage or photo: where `anonymise` is written and what the detector found."""

    field: str
    line: int | None
    column: int | None
    file: Path
    start: float | None  # the trim on the footage's clock (None for a photo)
    end: float | None
    cover: str
    faces: int  # faces followed (tracks)
    smallest: int | None  # short side (px) of the smallest face found
    min_face: int  # faces smaller than this (px) are not reliably found
    boxes: int
    unsure: tuple[Moment, ...]

    def to_dict(self) -> dict:
        return {"field": self.field, "line": self.line, "column": self.column, "file": str(self.file),
                "from": self.start, "to": self.end, "cover": self.cover, "faces_followed": self.faces,
                "smallest_face_px": self.smallest, "min_face_px": self.min_face, "boxes": self.boxes,
                "unsure": [{"from": m.start, "to": m.end, "why": m.why, "still": str(m.still) if m.still else None}
                           for m in self.unsure]}


def check(prepared: Prepared, stills: Path | None = None) -> list[Anonymised]:
    """Each anonymised use of the film, with its unsure moments (and their stills drawn into `stills`).
    Raises `ProbeError` when a file cannot be read, `OutputError` when a still cannot be written."""
    from toolkit.media.faces import min_face_px

    out: list[Anonymised] = []
    seen: set[tuple] = set()
    for src in hidden_sources(prepared.timeline):
        anonymise = src.anonymise
        assert anonymise is not None
        key = (src.path, getattr(src, "start", None), getattr(src, "end", None), anonymise.loc)
        if key in seen:
            continue
        seen.add(key)
        covers = find(src)
        at = prepared.loaded.document.issue(anonymise.loc, "")
        moments = tuple(Moment(u.start, u.end, u.why) for u in covers.unsure)
        if stills is not None:
            moments = tuple(Moment(m.start, m.end, m.why, _still(src, anonymise, covers, m, stills, at.path))
                            for m in moments)
        video = isinstance(src, VideoSource)
        out.append(Anonymised(at.path, at.line, at.col, src.path, float(src.start) if video else None,
                       float(src.end) if video and src.end is not None else None, anonymise.face, covers.tracks,
                       covers.smallest, min_face_px(covers.width, covers.height), len(anonymise.boxes), moments))
    return out


def _still(src: Hidden, anonymise: Anonymise, covers, moment: Moment, folder: Path, field: str) -> Path:
    """The original frame at the middle of `moment`, the covers outlined, as a PNG in `folder`."""
    from PIL import Image, ImageDraw

    t = (moment.start + moment.end) / 2
    picture = Image.fromarray(_frame(src, t)).convert("RGB")
    if picture.size != (covers.width, covers.height):
        picture = picture.resize((covers.width, covers.height))
    draw = ImageDraw.Draw(picture)
    width = max(2, covers.width // 200)
    for c in covers.at(t, t):
        draw.rectangle((c.x, c.y, c.x + c.w - 1, c.y + c.h - 1), outline=DETECTED, width=width)
    for b in anonymise.boxes:
        if isinstance(src, ImageSource) or ((b.start is None or b.start <= Fraction(t))
                                            and (b.end is None or Fraction(t) < b.end)):
            x, y, w, h = box_pixels(b.x, b.y, b.w, b.h, covers.width, covers.height)
            draw.rectangle((x, y, x + w - 1, y + h - 1), outline=BOXED, width=width)
    name = f"{field.replace('[', '-').replace(']', '').replace('.', '-')}-{t:07.2f}s.png"
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue())
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the still ({exc.strerror or exc})") from None
    return path


def _frame(src: Hidden, t: float):
    """The picture `src` shows at `t` s of its own clock (a photo: the photo, upright)."""
    import numpy as np

    if isinstance(src, ImageSource):
        from PIL import Image, ImageOps

        with Image.open(src.path) as opened:
            return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
    from toolkit.media.frames import frames_at, video_fps

    [frame] = frames_at(src.path, [max(0, int(t * float(video_fps(src.path))))])
    return np.asarray(frame.rgb)

"""Anonymised faces in a render, a still or a sheet: covered once into the cache, then played.

`anonymise: {face: blur|pixelate|box, boxes: [...]}` on footage or a photo asks that nobody can be
recognised in it. Before anything is compiled, each such source (`VideoSource`/`ImageSource` with
`anonymise`, scene backgrounds and layers) becomes an `AnonymiseJob`: the faces the detector
follows through the trim (`toolkit.media.face_tracks.find_faces`, cached by content) and the
hand-placed boxes (shares of the picture, between their `from`/`to` on the footage's clock) are
turned into rectangles for every frame of the trim at the canvas rate, and one ffmpeg run makes
the covered copy (`compile.anonymising`, `run.anonymising`), named by content: the source's bytes,
the trim, the speed, the rate, the cover and its strength, and every rectangle (so a new detector
model or new boxes make a new copy). The film then plays that file instead (`with_anonymised`):
frame k of the copy is frame k of the trim, so holds, loops, chunks, stills, layers and draft
proxies work on it unchanged and the original face never reaches the film's graph. A photo's
copy is a PNG. Each copy is read back with the detector before it is kept, and refused (a
`PolicyError` at `anonymise.face`) while a face can still be found in it.

Reversed footage is reversed first (`toolkit.film.reversing`) and the reversed file anonymised:
its frame k shows trim frame `trim - 1 - k`, so frame k is covered with the faces of that moment.
The reversed file is named by content, so the copy's name is known before either is made.

The detector also runs while the film is prepared (`face_warnings`, from the same cache), so
`reel validate` and `reel render` warn where no face was found or where faces may be too small
to be found; renders, stills and sheets then read the cached result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import Issue, PolicyError, ReelError, RenderError
from toolkit.film import reversing
from toolkit.film.compile.anonymising import AnonymiseJob, Rect, suffix
from toolkit.film.compile.reversing import ReverseJob
from toolkit.film.plan.timeline import Anonymise, ImageSource, Timeline, VideoSource
from toolkit.film.proxy import content_digest
from toolkit.film.run.anonymising import STAGE, FaceShown, make_anonymised
from toolkit.film.run.runner import Progress
from toolkit.settings import Settings

if TYPE_CHECKING:
    from toolkit.doc.loader import Document
    from toolkit.media.face_tracks import FaceCovers

Hidden = VideoSource | ImageSource
REFUSED = "a face can still be recognised in the film; it was not made"


def cache_dir() -> Path:
    """Where anonymised copies are kept between renders (content-addressed, safe to delete)."""
    return Settings.cache_root() / "anonymised"


def faces_dir() -> Path:
    """Where the detector's results are kept (`face_tracks` names them by content)."""
    return cache_dir() / "faces"


def hidden_sources(timeline: Timeline) -> list[Hidden]:
    """Every distinct source of `timeline` whose faces are hidden (segments, then layers), in order."""
    found: dict[Hidden, None] = {}
    for src in (*(s.source for s in timeline.segments), *(layer.source for layer in timeline.layers)):
        if isinstance(src, VideoSource | ImageSource) and src.anonymise is not None:
            found[src] = None
    return list(found)


def find(src: Hidden) -> FaceCovers:
    """The faces followed in `src`'s trim (a photo: in the picture), from the cache when it has them.
    Raises `ProbeError` when the file cannot be read."""
    from toolkit.media.face_tracks import find_faces, find_faces_in_picture

    if isinstance(src, ImageSource):
        return find_faces_in_picture(src.path, cache_dir=faces_dir())
    if src.end is None:
        raise ValueError(f"{src.path.name}: anonymised footage needs the trim's end (the planner sets it)")
    return find_faces(src.path, float(src.start), float(src.end), cache_dir=faces_dir())


def frame_rects(src: VideoSource, anonymise: Anonymise, fps: Fraction, trim: int, covers: FaceCovers,
                *, backwards: bool = False) -> tuple[tuple[tuple[Rect, ...], ...], tuple[Fraction, ...]]:
    """The rectangles to cover on each of `trim` canvas frames of `src` (pure), and the time on the
    footage's clock each frame shows. With `backwards`, frame k shows trim frame `trim - 1 - k`.

    Trim frame j shows the last source frame at or before `t = start + j·speed/fps`, so it is covered
    with every face the detector followed from one source frame before `t` to one canvas frame after
    (`FaceCovers.at`); a box from `from` to `to` covers every frame whose span of footage
    [t, t + speed/fps) meets [from, to) (a frame early rather than late: `from` is written by eye).
    """
    step = src.speed / fps
    times = covers.times
    gap = max((b - a for a, b in itertools.pairwise(times)), default=float(step))
    width, height = src.width, src.height
    rects: list[tuple[Rect, ...]] = []
    clock: list[Fraction] = []
    for k in range(trim):
        j = trim - 1 - k if backwards else k
        t = src.start + j * step
        frame = [_scaled((c.x, c.y, c.w, c.h), covers, width, height)
                 for c in covers.at(float(t) - gap, float(t + step))]
        for box in anonymise.boxes:
            if (box.start is None or t + step > box.start) and (box.end is None or t < box.end):
                frame.append(box_pixels(box.x, box.y, box.w, box.h, width, height))
        rects.append(tuple(dict.fromkeys(frame)))
        clock.append(t)
    return tuple(rects), tuple(clock)


def _scaled(rect: Rect, covers: FaceCovers, width: int, height: int) -> Rect:
    """A cover from the picture as the detector decoded it to the copy's size (the same displayed size
    unless two probes disagree), rounded outwards."""
    cw, ch = max(1, covers.width), max(1, covers.height)
    if (cw, ch) == (width, height):
        return rect
    x, y, w, h = rect
    x0, y0 = x * width // cw, y * height // ch
    return x0, y0, -(-(x + w) * width // cw) - x0, -(-(y + h) * height // ch) - y0


def box_pixels(x: float, y: float, w: float, h: float, width: int, height: int) -> Rect:
    """A box given as shares, in pixels, rounded outwards."""
    x0, y0 = math.floor(x * width), math.floor(y * height)
    x1, y1 = min(width, math.ceil((x + w) * width)), min(height, math.ceil((y + h) * height))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def job_for(src: Hidden, fps: Fraction, folder: Path, reversed_from: VideoSource | None = None) -> AnonymiseJob:
    """The copy `src` needs at `fps`, named in `folder` by content. `reversed_from` is the planned
    source when `src` plays its reversed file (`reversing.played`)."""
    anonymise = (reversed_from or src).anonymise
    assert anonymise is not None
    covers = find(reversed_from or src)
    if isinstance(src, ImageSource):
        rects: tuple[tuple[Rect, ...], ...] = (tuple(dict.fromkeys(
            [(c.x, c.y, c.w, c.h) for c in covers.at(0.0, 0.0)]
            + [box_pixels(b.x, b.y, b.w, b.h, covers.width, covers.height) for b in anonymise.boxes])),)
        clock: tuple[Fraction, ...] = (Fraction(0),)
        frames, decoded = 1, dataclasses.replace(src, width=covers.width, height=covers.height)
    else:
        trim = src.trim_frames(fps)
        if trim is None:
            raise ValueError(f"{src.path.name}: anonymised footage needs the trim's end")
        rects, clock = frame_rects(reversed_from or src, anonymise, fps, trim, covers,
                                   backwards=reversed_from is not None)
        frames, decoded = trim, src
    draft = AnonymiseJob(src, decoded, anonymise.face, fps, frames, rects, clock, folder)
    key = hashlib.blake2b(f"{_digest(src, folder)}|{draft.recipe}|{rects!r}".encode(), digest_size=16).hexdigest()
    return dataclasses.replace(draft, path=folder / f"anonymised-{key}{suffix(draft)}")


def _digest(src: Hidden, folder: Path) -> str:
    """The source file's content digest; a reversed intermediate's own name (it is named by content
    and may not be made yet)."""
    if src.path.parent == reversing.cache_dir() and src.path.name.startswith("reversed-"):
        return src.path.stem
    try:
        return content_digest(src.path, folder / "digests")
    except OSError as exc:  # moved or deleted since the storyboard was read
        raise RenderError(STAGE, f"cannot read {src.path}: {exc.strerror or exc}") from None


def anonymise_jobs(timeline: Timeline, flips: Sequence[ReverseJob] = (),
                   folder: Path | None = None) -> dict[Hidden, AnonymiseJob]:
    """The job of each anonymised source of `timeline` (which may already play reversed files:
    `flips` are their jobs), by source."""
    folder = folder or cache_dir()
    by_file = {job.path: job.source for job in flips}
    return {src: job_for(src, timeline.canvas.fps, folder, by_file.get(src.path))
            for src in hidden_sources(timeline)}


def played(job: AnonymiseJob) -> Hidden:
    """The source that plays `job`'s copy: forwards, speed 1, exactly the trim's frames, no sound of its
    own (the footage's sound is placed from the original file), nothing left to hide."""
    if isinstance(job.shown, ImageSource):
        return dataclasses.replace(job.shown, path=job.path, width=job.width, height=job.height, anonymise=None)
    return dataclasses.replace(job.shown, path=job.path, start=Fraction(0), end=Fraction(job.frames) / job.fps,
                               speed=Fraction(1), reverse=False, has_audio=False, anonymise=None)


def with_anonymised(timeline: Timeline, jobs: Mapping[Hidden, AnonymiseJob]) -> Timeline:
    """`timeline` with each anonymised source that has a job reading that job's copy (pure)."""
    if not jobs:
        return timeline

    def swap(src: object) -> object:
        return played(jobs[src]) if isinstance(src, VideoSource | ImageSource) and src in jobs else src

    return dataclasses.replace(
        timeline, segments=tuple(dataclasses.replace(s, source=swap(s.source)) for s in timeline.segments),
        layers=tuple(dataclasses.replace(layer, source=swap(layer.source)) for layer in timeline.layers))


def planned(timeline: Timeline, flips: Sequence[ReverseJob] = (),
            folder: Path | None = None) -> tuple[Timeline, list[AnonymiseJob]]:
    """`timeline` reading each anonymised source's copy, and the jobs that make them."""
    jobs = anonymise_jobs(timeline, flips, folder)
    return with_anonymised(timeline, jobs), list(jobs.values())


def make_all(jobs: Iterable[AnonymiseJob], *, document: Document | None = None, settings: Settings | None = None,
             on_progress: Callable[[Progress], None] | None = None) -> None:
    """Make (and read back) each job's copy unless the cache has it. Raises `PolicyError` at the
    `anonymise.face` that asked when a face still shows, `RenderError` when ffmpeg fails."""
    settings = settings or Settings()
    for job in jobs:
        try:
            make_anonymised(job, ffmpeg=settings.ffmpeg, on_progress=on_progress)
        except FaceShown as shown:
            raise PolicyError([shown_issue(shown, document)], summary=REFUSED) from None


def shown_issue(shown: FaceShown, document: Document | None) -> Issue:
    """The located error for a copy in which the detector still finds a face."""
    job = shown.job
    anonymise = job.shown.anonymise
    loc = (*anonymise.loc, "face") if anonymise is not None else ()
    times = ", ".join(f"{float(t):.2f}s" for t in shown.times[:5]) + (" …" if len(shown.times) > 5 else "")
    where = "" if job.photo else f" at {times} of the footage"
    message = (f"a face can still be found in `{job.shown.path.name}` after covering it{where} (read back from the "
               f"covered picture); add `boxes:` over it{' at that time' if not job.photo else ''}, or use "
               "`face: box`")
    if document is None:
        return Issue(message, path=".".join(map(str, loc)), code="face-shown")
    return document.issue(loc, message, code="face-shown")


def resolve(timeline: Timeline, *, document: Document | None = None, settings: Settings | None = None) -> Timeline:
    """`timeline` with its reversed footage and anonymised sources made (unless cached) and read from
    them, for stills and sheets. Raises as `make_all`, and `RenderError` when footage cannot be read."""
    settings = settings or Settings()
    ready, flips = reversing.planned(timeline)
    for flip in flips:
        reversing.make_reversed(flip, ffmpeg=settings.ffmpeg)
    ready, jobs = planned(ready, flips)
    make_all(jobs, document=document, settings=settings)
    return ready


def face_warnings(timeline: Timeline, document: Document) -> list[Issue]:
    """Warnings at each `anonymise.face` the detector cannot vouch for: no face found in the trim or
    photo (when no `boxes:` are given), or faces found near the smallest size it finds. Runs the
    detector (cached by content); a file it cannot read is an error there."""
    from toolkit.media.faces import min_face_px

    out: list[Issue] = []
    seen: set[tuple] = set()
    for src in hidden_sources(timeline):
        anonymise = src.anonymise
        assert anonymise is not None
        loc = (*anonymise.loc, "face")
        key = (src.path, getattr(src, "start", None), getattr(src, "end", None), loc)
        if key in seen:
            continue
        seen.add(key)
        try:
            covers = find(src)
        except ReelError as exc:
            out.append(document.issue(loc, f"faces could not be looked for: {exc}", code="faces-unreadable"))
            continue
        limit = min_face_px(covers.width, covers.height)
        what = f"`{src.path.name}`" + (f" between {_say(src.start)} and {_say(src.end)}"
                                      if isinstance(src, VideoSource) and src.end is not None else "")
        if covers.tracks == 0 and not anonymise.boxes:
            out.append(document.issue(loc, f"no face found in {what} (faces smaller than {limit} px across cannot "
                                      "be found); if someone is in it, add `boxes:` over them", severity="warning",
                                      code="no-face-found"))
        elif covers.smallest is not None and covers.smallest < 2 * limit:
            out.append(document.issue(loc, f"a face only {covers.smallest} px across was found in {what}; faces "
                                      f"smaller than {limit} px cannot be found: add `boxes:` over any the covers "
                                      "miss (`reel anonymise check` shows the unsure moments)", severity="warning",
                                      code="faces-small"))
    return out


def _say(seconds: Fraction | None) -> str:
    return f"{float(seconds or 0):g}s"

"""Make an anonymised copy (`compile.anonymising`) in the cache, read it back, keep it only if no face shows.

Footage: one ffmpeg run, its mask frames written to its standard input as it reads them (one
rectangle fill per frame at a quarter of the picture's size; nothing else is done in Python per
frame). A photo is covered in-process (one picture: Pillow reads it upright, as the detector did).

What is checked is what is on screen: the finished copy is read back (`READBACK_SECONDS` apart,
and its first and last frames) and the detector run on those frames; a face found at
`READBACK_SCORE` means the cover failed (a face the tracker missed, a cover too weak), and the copy is
refused (`FaceShown`) and deleted. The copy is written under a temporary name and renamed in only
when made and checked, so the cache never holds one that was not checked.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from toolkit.errors import ReelError, RenderError
from toolkit.film.compile.anonymising import AnonymiseJob, compile_anonymise, mask_cells
from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process
from toolkit.film.run.runner import Progress, _start, explain, feed

STAGE = "anonymise"
READBACK_SECONDS = Fraction(1, 4)
# The score at which the read-back calls something a face: the detector's tuning found faces with
# confidence there (toolkit.media.faces), and every covered face measured scored below it (at most
# 0.28: compile.anonymising), while an uncovered one scores about 0.9. The covers themselves are
# found with a far lower score (face_tracks), so they err wide; the read-back must not refuse a film
# for the faint face-shaped blur it leaves.
READBACK_SCORE = 0.35


class FaceShown(ReelError):
    """A face is still found in an anonymised copy: at `times` (seconds on the footage's clock)."""

    def __init__(self, job: AnonymiseJob, times: tuple[Fraction, ...]) -> None:
        self.job = job
        self.times = times
        said = ", ".join(f"{float(t):.2f}s" for t in times[:5]) + (" …" if len(times) > 5 else "")
        super().__init__(f"{job.shown.path.name}: a face is still visible after covering, at {said}")


def make_anonymised(job: AnonymiseJob, *, ffmpeg: str | None = None,
                    on_progress: Callable[[Progress], None] | None = None) -> Path:
    """`job`'s copy, made and read back first unless the cache has it. Raises `RenderError` when
    ffmpeg fails and `FaceShown` when the copy still shows a face; nothing unchecked is kept."""
    if job.path.is_file():
        return job.path
    job.path.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temps(job.path.parent)  # what a killed make left
    temp = job.path.with_name(temp_name(job.path.name, this_process()))
    try:
        if job.photo:
            _cover_photo(job, temp)
        else:
            _encode(job, temp, ffmpeg, on_progress)
        shown = faces_left(job, temp)
        if shown:
            raise FaceShown(job, shown)
        os.replace(temp, job.path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return job.path


def readback_frames(job: AnonymiseJob) -> tuple[int, ...]:
    """The copy's frames read back: every `READBACK_SECONDS`, and the first and last."""
    step = max(1, round(READBACK_SECONDS * job.fps))
    return tuple(sorted({*range(0, job.frames, step), job.frames - 1}))


def faces_left(job: AnonymiseJob, copy: Path) -> tuple[Fraction, ...]:
    """The footage times of the read-back frames of `copy` where the detector still finds a face."""
    from toolkit.media.faces import ANALYSIS_PX, detect_faces

    if job.photo:
        found = detect_faces(np.ascontiguousarray(_rgb(copy)), threshold=READBACK_SCORE)
        return (job.clock[0],) if found else ()
    from toolkit.media.frames import iter_frames

    wanted = set(readback_frames(job))
    # decoded in order at the size the detector analyses (a seek per frame decodes a GOP each: slower)
    width = max(2, round(job.width * min(1.0, ANALYSIS_PX / max(job.width, job.height))))
    times: list[Fraction] = []
    frames = iter_frames(copy, width=width)
    with contextlib.closing(frames):
        for frame in frames:
            if frame.index in wanted and detect_faces(np.ascontiguousarray(frame.rgb), threshold=READBACK_SCORE):
                times.append(job.clock[frame.index])
    return tuple(times)


def masks(job: AnonymiseJob) -> bytes:
    """The mask frames of `job`, one after another (for tests and small clips; the make streams them)."""
    return b"".join(_mask(job, k) for k in range(job.frames))


def _mask(job: AnonymiseJob, k: int) -> bytes:
    mw, mh = job.mask_size
    frame = np.zeros((mh, mw), np.uint8)
    for x, y, w, h in mask_cells(job, k):
        frame[y:y + h, x:x + w] = 255
    return frame.tobytes()


def _encode(job: AnonymiseJob, temp: Path, ffmpeg: str | None,
            on_progress: Callable[[Progress], None] | None) -> None:
    argv = compile_anonymise(job, temp)
    process, running = _start(argv, ffmpeg, STAGE, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    def frames() -> Iterator[bytes]:
        for k in range(job.frames):
            if on_progress and k % 25 == 0:
                on_progress(Progress(k, job.frames, 0.0, None, False))
            yield _mask(job, k)

    try:
        code = feed(process, frames())
    finally:
        running.finish(process)
    if code != 0:
        raise RenderError(STAGE, f"{job.shown.path.name}: {explain(code, running.log.text())}", argv,
                          running.log.tail())


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))


def _cover_photo(job: AnonymiseJob, temp: Path) -> None:
    """The photo upright, its covers drawn in, as PNG (its transparency kept outside the covers)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(job.source.path) as opened:
            picture = ImageOps.exif_transpose(opened).convert("RGBA")
    except (OSError, ValueError) as exc:
        raise RenderError(STAGE, f"cannot read {job.source.path}: {exc}") from None
    width, height = picture.size
    if job.kind == "box":
        cover = Image.new("RGBA", picture.size, (0, 0, 0, 255))
    else:
        cell = job.cell
        small = picture.resize((max(1, -(-width // cell)), max(1, -(-height // cell))), Image.Resampling.BOX)
        cover = small.resize(picture.size, Image.Resampling.NEAREST if job.kind == "pixelate"
                             else Image.Resampling.BILINEAR)
    mask = Image.new("L", picture.size, 0)
    for x, y, w, h in job.rects[0]:
        mask.paste(255, (x, y, min(width, x + w), min(height, y + h)))
    picture.paste(cover, (0, 0), mask)
    picture.save(temp, format="PNG")

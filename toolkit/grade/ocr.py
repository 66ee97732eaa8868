"""On-screen text, read offline on sampled frames only (the engine: `toolkit.media.ocr`).

OCR is the grader's slowest stage, so it runs on a sampling grid and skips work twice over:

* a sample whose picture has not changed since the previous sample reuses its text (a
  slate or an end card is read once, however long it stays up);
* a text line whose position and pixels match a line read before reuses that reading, so
  a caption over moving footage is recognised once, not at every sample.

Text is *found* on the analysis frame (270 px wide for a 1080×1920 clip) and *read* from the
OCR frame (540 px wide), where a 64 px caption at 1080×1920 is about 32 px tall: the size the
recogniser reads reliably. Boxes are reported in 1080×1920 reference pixels (x and y scaled
separately, so for a 9:16 clip this is a uniform scale).

The grid: every second in the first `opening` seconds (hook, content warning) and the last
`ending` seconds (end card, whose edges are then placed on the exact frame where the picture
changed), and every `body_step` seconds in between (safe zone, captions, language), widened
for long clips so at most `max_body` body samples are taken.

Reading runs on a worker thread fed through a short queue, so the decoder keeps going while
the detector works (onnxruntime releases the GIL); the queue bounds the frames held.
"""

from __future__ import annotations

import dataclasses
import io
import queue
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH, Box
from toolkit.grade.moments import Still
from toolkit.grade.text_look import LOOK_LAG, LineLook, measure_look
from toolkit.media.ocr import MIN_SCORE, OcrEngine, load_cv2

__all__ = ["DENSE_STEP", "MIN_SCORE", "OcrEngine", "OcrSample", "TextLine", "TextMeasurements",
           "TextSampler", "make_still", "sample_times"]

DENSE_STEP = 1.0
_QUEUE = 4  # frames waiting to be read; bounds memory to a few OCR-size frames
STILL_QUALITY = 70

Phase = Literal["opening", "body", "ending"]

# A sample "has not changed" when fewer than this share of thumbnail pixels moved by more
# than _PIXEL_STEP grey levels: codec noise on a still picture stays far below it, while a
# new caption line changes several percent of the picture.
_CHANGED_SHARE = 0.002
_PIXEL_STEP = 10
_LINE_MATCH_IOU = 0.8
_LINE_MATCH_DIFF = 6.0
_LINE_CACHE = 96


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text as read: its words, the recogniser's confidence, its box; `look` what
    its pixels look like and whether they moved (for telling captions from text in the footage)."""

    text: str
    score: float
    box: Box
    look: LineLook | None = None


@dataclass(frozen=True, slots=True, eq=False)
class OcrSample:
    """The text on screen at one moment. `reused` means the picture had not changed since
    the previous sample, so its reading was carried over without running OCR again."""

    time: float
    phase: Phase
    lines: tuple[TextLine, ...]
    reused: bool
    still: Still | None = None

    @property
    def text(self) -> str:
        """All lines in reading order, joined by spaces (a caption split over lines reads whole)."""
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True, eq=False)
class TextMeasurements:
    """Every OCR sample of a clip, in time order, and where the opening and ending windows lie."""

    samples: tuple[OcrSample, ...]
    opening_until: float
    ending_from: float
    detections: int  # frames actually run through the text detector
    recognitions: int  # text lines actually run through the recogniser


def sample_times(duration: float, *, opening: float, ending: float, body_step: float,
                 max_body: int) -> list[tuple[float, Phase]]:
    """The sampling grid for a clip of `duration` seconds, in time order."""
    grid: dict[float, Phase] = {}
    end_from = max(0.0, duration - ending)
    for t in np.arange(0.0, min(opening, duration), DENSE_STEP):
        grid[round(float(t), 3)] = "opening"
    body_span = end_from - opening
    if body_span > 0:
        step = max(body_step, body_span / max(1, max_body))
        for t in np.arange(opening, end_from, step):
            grid.setdefault(round(float(t), 3), "body")
    for t in np.arange(end_from, duration, DENSE_STEP):
        grid[round(float(t), 3)] = "ending"
    return sorted(grid.items())


class TextSampler:
    """Feed every frame with `offer`; it reads the ones on the grid. Call `result()` at the end
    (or `close()` if decoding stopped early) so the worker thread finishes."""

    def __init__(self, engine: OcrEngine, *, duration: float, opening: float = 8.0, ending: float = 12.0,
                 body_step: float = 3.0, max_body: int = 60) -> None:
        self._engine = engine
        self._grid = sample_times(duration, opening=opening, ending=ending, body_step=body_step,
                                  max_body=max_body)
        self._next = 0
        self._opening = min(opening, duration)
        self._ending_from = max(0.0, duration - ending)
        self._samples: list[OcrSample] = []
        self._last_thumb: np.ndarray | None = None
        self._lines: deque[tuple[Box, np.ndarray, str, float]] = deque(maxlen=_LINE_CACHE)
        self._held: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._recent: deque[tuple[float, np.ndarray]] = deque(maxlen=8)  # OCR frames of the last LOOK_LAG s
        self._detections = 0
        self._recognitions = 0
        self._jobs: queue.Queue[tuple[float, Phase, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None] = \
            queue.Queue(maxsize=_QUEUE)
        self._failure: BaseException | None = None
        self._worker = threading.Thread(target=self._work, name="reel-ocr", daemon=True)
        self._worker.start()

    def offer(self, time: float, big: np.ndarray, small: np.ndarray, thumb: np.ndarray) -> None:
        """Consider one decoded frame (`big` at OCR size, `small` at analysis size, both RGB;
        `thumb` the grey thumbnail used for change detection)."""
        self._held = (time, big, small, thumb)
        while self._recent and self._recent[0][0] < time - LOOK_LAG - 1e-6:
            self._recent.popleft()
        earlier = self._recent[0][1] if self._recent and self._recent[0][0] < time - 1e-6 else None
        self._recent.append((time, big))
        due = False
        phase: Phase = "body"
        while self._next < len(self._grid) and self._grid[self._next][0] <= time + 1e-6:
            phase = self._grid[self._next][1]
            self._next += 1
            due = True
        if due:
            if self._failure is not None:
                self.close()
            self._jobs.put((time, phase, big, small, thumb, earlier))

    def close(self) -> None:
        """Stop the worker (idempotent); re-raise what it failed with, if anything."""
        if self._worker.is_alive():
            self._jobs.put(None)
            self._worker.join()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def result(self) -> TextMeasurements:
        """All samples. The last decoded frame is always read, so a clip shorter than its
        container claims still has its final picture checked for an end card."""
        self.close()
        if self._held is not None and (not self._samples or self._held[0] - self._samples[-1].time > 0.25):
            earlier = self._recent[0][1] if self._recent and self._recent[0][0] < self._held[0] - 1e-6 else None
            self._take(*self._held[:1], "ending", *self._held[1:], earlier)
        self._held = None
        return TextMeasurements(tuple(self._samples), self._opening, self._ending_from,
                                self._detections, self._recognitions)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._failure is not None:
                continue  # drain so the decoder never blocks on a dead worker
            try:
                self._take(*job)
            except BaseException as exc:  # handed to the decoding thread by close()
                self._failure = exc

    # ------------------------------------------------------------------ internals (worker thread)

    def _take(self, time: float, phase: Phase, big: np.ndarray, small: np.ndarray, thumb: np.ndarray,
              earlier: np.ndarray | None = None) -> None:
        last = self._last_thumb
        if last is not None and self._samples and last.shape == thumb.shape and not _changed(last, thumb):
            prev = self._samples[-1]
            self._samples.append(OcrSample(time, phase, prev.lines, True, prev.still))
            return
        self._last_thumb = thumb
        lines = self._read(big, small, earlier)
        still = make_still(small, time, tuple(line.box for line in lines)) if lines else None
        self._samples.append(OcrSample(time, phase, lines, False, still))

    def _read(self, big: np.ndarray, small: np.ndarray, earlier: np.ndarray | None = None) -> tuple[TextLine, ...]:
        sh, sw = small.shape[:2]
        bh, bw = big.shape[:2]
        boxes = self._engine.detect(small[..., ::-1])
        self._detections += 1
        if not boxes:
            return ()
        fx, fy = bw / sw, bh / sh
        rx, ry = REFERENCE_WIDTH / sw, REFERENCE_HEIGHT / sh
        found: list[TextLine | None] = []
        todo: list[tuple[int, Box, np.ndarray, np.ndarray]] = []
        for x0, y0, x1, y1 in boxes:
            left, top = round(x0 * rx), round(y0 * ry)
            ref = Box(left, top, round(x1 * rx) - left, round(y1 * ry) - top)
            signature = _signature(small[y0:y1, x0:x1])
            known = self._known(ref, signature)
            if known is not None:
                found.append(known)
                continue
            crop = big[int(y0 * fy):max(int(y0 * fy) + 1, round(y1 * fy)),
                       int(x0 * fx):max(int(x0 * fx) + 1, round(x1 * fx)), ::-1]
            todo.append((len(found), ref, signature, crop))
            found.append(None)
        if todo:
            readings = self._engine.recognise([t[3] for t in todo])
            self._recognitions += len(todo)
            for (slot, ref, signature, _), (text, score) in zip(todo, readings, strict=True):
                line = TextLine(text, round(score, 3), ref)
                self._lines.append((ref, signature, text, score))
                found[slot] = line
        kept = [dataclasses.replace(line, look=measure_look(big, earlier, (
                    round(line.box.x / rx * fx), round(line.box.y / ry * fy),
                    round(line.box.right / rx * fx), round(line.box.bottom / ry * fy))))
                for line in found if line is not None and line.text and line.score >= MIN_SCORE]
        return tuple(sorted(kept, key=lambda line: (round(line.box.y / 24), line.box.x)))

    def _known(self, ref: Box, signature: np.ndarray) -> TextLine | None:
        for box, sig, text, score in reversed(self._lines):
            if _iou(box, ref) >= _LINE_MATCH_IOU and float(np.abs(sig - signature).mean()) <= _LINE_MATCH_DIFF:
                return TextLine(text, round(score, 3), ref)
        return None


def _changed(a: np.ndarray, b: np.ndarray) -> bool:
    moved = np.abs(a.astype(np.int16) - b.astype(np.int16)) > _PIXEL_STEP
    return bool(moved.mean() >= _CHANGED_SHARE)


def _signature(crop: np.ndarray) -> np.ndarray:
    """A 12×48 grey summary of a text crop, for recognising the same line again."""
    cv2 = load_cv2()
    grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (48, 12), interpolation=cv2.INTER_AREA).astype(np.float32)


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a.right, b.right) - max(a.x, b.x))
    iy = max(0, min(a.bottom, b.bottom) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def make_still(rgb: np.ndarray, time: float, boxes: Iterable[Box] = (), caption: str = "",
               *, max_width: int = 270) -> Still:
    """A JPEG still of an RGB frame (shrunk to at most `max_width` pixels wide)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgb))
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.BOX)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=STILL_QUALITY)
    return Still(round(time, 3), buffer.getvalue(), image.width, image.height, tuple(boxes), caption)

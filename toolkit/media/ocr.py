"""The OCR engine: rapidocr's text detector and recogniser (onnxruntime), offline.

One engine serves every reader of on-screen text: the grader's sampler
(`toolkit.grade.ocr.TextSampler`) and the render path's end-card check
(`toolkit.film.cardcheck`). It lives on the low floor so the render path can use it without
importing the grader, and so swapping the OCR package is a change to this module alone.

`read_picture` is the one-shot reader: find text lines on a picture, then read each line from
a picture at least as sharp (upscaled when the source is small), returning the lines in
reading order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from toolkit.errors import ReelError

__all__ = ["MIN_SCORE", "OcrEngine", "ReadLine", "read_picture"]

MIN_SCORE = 0.6  # recogniser confidence below which a reading is treated as noise
# Width the recogniser's crops are taken at: a 36 px line (the end card's smallest size at
# 1080×1920) is then tall enough to read; smaller pictures are upscaled to it.
READ_WIDTH = 1080
DETECT_WIDTH = 540  # lines are found at this width (a 36 px reference line is 18 px tall: found reliably)
_ROW = 24  # reading order: lines whose tops are within about this many (reading-size) px share a row


class OcrEngine:
    """The rapidocr detector and recogniser, loaded on first use and reused across clips.

    Loading takes about a second (three ONNX models), so build one engine per run and pass it
    to every reader. Raises `ReelError` when rapidocr is not installed.

    `threads=1` (the default) runs each model on the calling thread: OCR already runs beside
    the decoder, and onnxruntime's own pool spin-waits, which on two cores steals time from
    decoding. 0 lets onnxruntime choose.
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._engine: Any = None

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR  # heavy: onnxruntime + opencv + models
            except ImportError as exc:
                raise ReelError(
                    f"on-screen text checks need rapidocr-onnxruntime ({exc}); "
                    "install it with `pip install rapidocr-onnxruntime`"
                ) from None
            options: dict[str, Any] = {"det_limit_type": "max", "det_limit_side_len": 960}
            if self._threads:
                options["intra_op_num_threads"] = self._threads
            # limit_type max: detect at the size given instead of upscaling every frame to 736 px
            self._engine = RapidOCR(**options)
        return self._engine

    def detect(self, bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Axis-aligned boxes (x0, y0, x1, y1) of text lines in a BGR uint8 picture."""
        engine = self._load()
        boxes, _ = engine.text_det(np.ascontiguousarray(bgr))
        if boxes is None or len(boxes) == 0:
            return []
        h, w = bgr.shape[:2]
        out = []
        for quad in boxes:
            xs, ys = quad[:, 0], quad[:, 1]
            x0, x1 = int(max(0, np.floor(xs.min()))), int(min(w, np.ceil(xs.max())))
            y0, y1 = int(max(0, np.floor(ys.min()))), int(min(h, np.ceil(ys.max())))
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                out.append((x0, y0, x1, y1))
        return out

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each BGR crop of a single text line."""
        if not crops:
            return []
        engine = self._load()
        results, _ = engine.text_rec([np.ascontiguousarray(c) for c in crops])
        return [(str(r[0]).strip(), float(r[1])) for r in results]


@dataclass(frozen=True, slots=True)
class ReadLine:
    """One text line read from a picture: its words, confidence, and box (x0, y0, x1, y1) in
    the picture's own pixels."""

    text: str
    score: float
    box: tuple[int, int, int, int]


def read_picture(engine: OcrEngine, rgb: np.ndarray, *, min_score: float = MIN_SCORE,
                 read_width: int = READ_WIDTH) -> tuple[ReadLine, ...]:
    """Every text line on an RGB uint8 picture, in reading order (top to bottom, then left to right).

    Lines are found on the picture shrunk to at most `DETECT_WIDTH` (540 px) wide, and each is
    read from the picture scaled to `read_width` (upscaled with bicubic
    interpolation when narrower, so a 540 px draft reads like a 1080 px final). Readings
    below `min_score` are dropped as noise.
    """
    import cv2  # installed with rapidocr

    picture = np.ascontiguousarray(rgb[..., ::-1])
    h, w = picture.shape[:2]
    # Find lines on a picture at most DETECT_WIDTH wide: rapidocr's "max" limit detects a
    # 1080×1920 frame at full size (its limit jumps to 2000 px), which took 3× the memory
    # (665 MB peak against 347 MB) and time for the same boxes.
    shrink = min(1.0, DETECT_WIDTH / w)
    small = picture if shrink == 1.0 else cv2.resize(picture, (round(w * shrink), round(h * shrink)),
                                                      interpolation=cv2.INTER_AREA)
    boxes = [(int(x0 / shrink), int(y0 / shrink), min(w, int(np.ceil(x1 / shrink))), min(h, int(np.ceil(y1 / shrink))))
             for x0, y0, x1, y1 in engine.detect(small)]
    if not boxes:
        return ()
    factor = max(1.0, read_width / w)
    big = picture if factor == 1.0 else cv2.resize(picture, (round(w * factor), round(h * factor)),
                                                    interpolation=cv2.INTER_CUBIC)
    crops = []
    for x0, y0, x1, y1 in boxes:
        # a little margin: the detector's boxes hug the ink and the recogniser wants some air
        pad = max(2, round((y1 - y0) * 0.15))
        a, b = max(0, y0 - pad), min(h, y1 + pad)
        c, d = max(0, x0 - pad), min(w, x1 + pad)
        crops.append(big[int(a * factor):max(int(a * factor) + 1, round(b * factor)),
                         int(c * factor):max(int(c * factor) + 1, round(d * factor))])
    readings = engine.recognise(crops)
    lines = [ReadLine(text, round(score, 3), box) for box, (text, score) in zip(boxes, readings, strict=True)
             if text and score >= min_score]
    row = max(1, round(_ROW * w / READ_WIDTH))
    return tuple(sorted(lines, key=lambda line: (round(line.box[1] / row), line.box[0])))

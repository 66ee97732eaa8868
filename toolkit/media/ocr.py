"""The OCR engine: rapidocr's text detector and recogniser (onnxruntime), offline.

One engine serves every reader of on-screen text: the grader's sampler
(`toolkit.grade.ocr.TextSampler`) and the render path's end-card check
(`toolkit.film.cardcheck`). It lives on the low floor so the render path can use it without
importing the grader, and so swapping the OCR package is a change to this module alone.

The models are the ones inside the `rapidocr` wheel (PP-OCRv6 small detector and recogniser),
named by path, so rapidocr never reaches for its downloader: nothing is fetched at run time.
OpenCV is the headless build (`opencv-python-headless`), which needs no system `libGL`.

`read_picture` is the one-shot reader: find text lines on a picture, then read each line from
a picture at least as sharp (upscaled when the source is small), returning the lines in
reading order.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from toolkit.errors import ReelError

__all__ = ["DETECTOR_MODEL", "MIN_SCORE", "RECOGNISER_MODEL", "OcrEngine", "ReadLine", "load_cv2", "model_files",
           "read_picture", "shared_engine"]

MIN_SCORE = 0.6  # recogniser confidence below which a reading is treated as noise
# Width the recogniser's crops are taken at: a 36 px line (the end card's smallest size at
# 1080×1920) is then tall enough to read; smaller pictures are upscaled to it.
READ_WIDTH = 1080
DETECT_WIDTH = 540  # lines are found at this width (a 36 px reference line is 18 px tall: found reliably)
_MAX_READ_PIXELS = 2 * 1080 * 1920
_ROW = 24  # reading order: lines whose tops are within about this many (reading-size) px share a row
DETECTOR_MODEL = "PP-OCRv6_det_small.onnx"  # both inside the rapidocr wheel (models/)
RECOGNISER_MODEL = "PP-OCRv6_rec_small.onnx"
UNCLIP = 1.3  # how far the detector grows a found text region into its box


def load_cv2() -> ModuleType:
    """OpenCV, or a `ReelError` saying what is missing (never a raw ImportError).

    The GUI build `opencv-python` links the system `libGL.so.1`; Reel depends on the headless
    build, but an older install (rapidocr-onnxruntime pulled the GUI build) can shadow it.
    """
    try:
        import cv2
    except ImportError as exc:
        text = str(exc)
        if "libGL" in text or "libgthread" in text or "libX" in text:
            raise ReelError(
                f"OpenCV could not load the system library {_library_named(text)}: the GUI build "
                "`opencv-python` is installed, which needs a desktop's graphics libraries. Reel needs "
                "only the headless build: `pip uninstall -y opencv-python rapidocr-onnxruntime && "
                "pip install --force-reinstall opencv-python-headless`") from None
        raise ReelError(f"on-screen text checks need OpenCV ({text}); install it with "
                        "`pip install opencv-python-headless`") from None
    return cv2


def _library_named(text: str) -> str:
    for word in text.replace(":", " ").split():
        if word.startswith("lib") and ".so" in word:
            return word
    return "libGL.so.1"


def model_files() -> tuple[Path, Path]:
    """The detector and recogniser models inside the installed rapidocr wheel.

    Raises `ReelError` when rapidocr is missing or its wheel has no such models (another
    version): Reel never lets it download them.
    """
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise ReelError("on-screen text checks need the `rapidocr` package; install Reel's dependencies "
                        "again (`pip install -e .`), or `pip install rapidocr`")
    folder = Path(spec.origin).parent / "models"
    paths = (folder / DETECTOR_MODEL, folder / RECOGNISER_MODEL)
    for path in paths:
        if not path.is_file():
            raise ReelError(f"the installed rapidocr has no {path.name} in {folder} (Reel reads with the models "
                            "inside the wheel and never downloads any); install the version Reel pins "
                            "(`pip install -e .`)")
    return paths


class OcrEngine:
    """The rapidocr detector and recogniser, loaded on first use and reused across clips.

    Loading takes about a second (two ONNX models), so build one engine per run and pass it
    to every reader. Raises `ReelError` when rapidocr, its models or OpenCV cannot be loaded.

    `threads=1` (the default) runs each model on the calling thread: OCR already runs beside
    the decoder, and onnxruntime's own pool spin-waits, which on two cores steals time from
    decoding. 0 lets onnxruntime choose.
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._detector: Any = None
        self._recogniser: Any = None

    def _load(self) -> tuple[Any, Any]:
        if self._detector is None:
            load_cv2()  # rapidocr imports it: a missing libGL is said plainly, not as an ImportError
            detector_model, recogniser_model = model_files()
            try:
                from rapidocr.ch_ppocr_det import TextDetector
                from rapidocr.ch_ppocr_rec import TextRecognizer
                from rapidocr.utils.parse_parameters import ParseParams
            except ImportError as exc:
                raise ReelError(f"on-screen text checks need rapidocr and onnxruntime ({exc}); install Reel's "
                                "dependencies again (`pip install -e .`)") from None
            import rapidocr

            # rapidocr logs every model it opens at INFO on its own handler
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            config = ParseParams.load(Path(rapidocr.__file__).parent / "config.yaml")
            # limit_type max: detect at the size given instead of upscaling every frame to 736 px.
            # unclip 1.3 (rapidocr's default 1.6): this detector's boxes then sit as close to the text
            # (or its backing box) as the previous engine's did, median 7 reference px outside, which
            # the safe-zone check's 8 px slack is made for; recognition is unchanged (measured).
            config = ParseParams.update_batch(config, {
                "Global.log_level": "warning",
                "Det.model_path": str(detector_model), "Det.limit_type": "max", "Det.limit_side_len": 960,
                "Det.unclip_ratio": UNCLIP, "Rec.model_path": str(recogniser_model)})
            runtime = config.EngineConfig["onnxruntime"]
            runtime.intra_op_num_threads = self._threads if self._threads else -1
            config.Det.engine_cfg = config.Rec.engine_cfg = runtime
            config.Rec.font_path = None  # only for its drawing of results, which Reel does not use
            self._detector = TextDetector(config.Det)
            self._recogniser = TextRecognizer(config.Rec)
        return self._detector, self._recogniser

    def detect(self, bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Axis-aligned boxes (x0, y0, x1, y1) of text lines in a BGR uint8 picture."""
        detector, _ = self._load()
        boxes = detector(np.ascontiguousarray(bgr)).boxes
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
        from rapidocr.ch_ppocr_rec import TextRecInput

        _, recogniser = self._load()
        result = recogniser(TextRecInput(img=[np.ascontiguousarray(c) for c in crops]))
        return [(str(text).strip(), float(score)) for text, score in zip(result.txts, result.scores, strict=True)]


@functools.cache
def shared_engine() -> OcrEngine:
    """One engine per process: loading its models takes about a second, so the end-card check and
    the reading of pictures' words (several films in one process too) share it."""
    return OcrEngine()


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
    cv2 = load_cv2()

    picture = np.ascontiguousarray(rgb[..., ::-1])
    h, w = picture.shape[:2]
    # Find lines on a picture at most DETECT_WIDTH wide: rapidocr's "max" limit detects a
    # 1080×1920 frame at full size (its limit jumps to 2000 px), which took 3× the memory
    # (665 MB peak against 347 MB) and time for the same boxes.
    shrink = min(1.0, DETECT_WIDTH / w)
    # at least a pixel each way: a 8000×2 banner shrinks to 540×0 otherwise, which OpenCV refuses
    small = picture if shrink == 1.0 else cv2.resize(picture, (max(1, round(w * shrink)), max(1, round(h * shrink))),
                                                      interpolation=cv2.INTER_AREA)
    boxes = [(int(x0 / shrink), int(y0 / shrink), min(w, int(np.ceil(x1 / shrink))), min(h, int(np.ceil(y1 / shrink))))
             for x0, y0, x1, y1 in engine.detect(small)]
    if not boxes:
        return ()
    # never enlarge past twice a 1080×1920 frame: a 20×4000 strip would otherwise become 1080×216000
    factor = max(1.0, min(read_width / w, (_MAX_READ_PIXELS / (w * h)) ** 0.5))
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

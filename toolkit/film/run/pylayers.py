"""Custom Python layers: a function returning a MoviePy clip, rendered once, cached, overlaid.

A storyboard layer `python: effects.py:sparkles` names a function in a file beside the storyboard,
called as `sparkles(width, height, duration, fps)` and returning a MoviePy clip (with a mask for
transparency). Reel turns it into a lossless intermediate with alpha (FFV1, BGRA, in Matroska)
exactly once per change and then overlays that file like any footage layer, so the per-frame
Python runs when the function or its inputs change, never on every render; the flash gate and the
layout checks see the composite as they see any other picture.

The cache key is the content of the function's file, the function's name, the size, length and
rate asked for, MoviePy's version and `INTERMEDIATE_VERSION`. A function that reads other files
(its own images, another module) is not re-rendered when only those change: edit its file, or
delete the cache folder (`Settings.cache_root()/python`, `~/.cache/reel/python`), to force it.

Python code in a storyboard runs with the user's rights, so a render only runs it when the user
says so (`--allow-python`; the pipeline enforces that before anything here is called).

MoviePy is an optional extra (`pip install 'reel[moviepy]'`); without it a python layer is a clear
error, never a silent skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import RenderError
from toolkit.film.compile.output import FFMPEG
from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process
from toolkit.film.run.runner import _start, explain, feed

INTERMEDIATE_VERSION = 1
SUFFIX = ".mkv"
STAGE = "python layer"
MAX_FRAMES = 60 * 60 * 10  # ten minutes at 60 fps: far past any layer a 3-minute film can hold


@dataclass(frozen=True, slots=True)
class PythonLayerJob:
    """What to render: `func` in the file `source`, at `width`×`height`, `frames` frames at `fps`."""

    source: Path
    func: str
    width: int
    height: int
    frames: int
    fps: Fraction

    @property
    def seconds(self) -> Fraction:
        return Fraction(self.frames) / self.fps

    @property
    def name(self) -> str:
        """`effects.py:sparkles`, as the storyboard wrote it."""
        return f"{self.source.name}:{self.func}"


def moviepy_version() -> str | None:
    """The installed MoviePy's version, or None when the extra is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("moviepy")
    except PackageNotFoundError:
        return None


def cache_key(job: PythonLayerJob) -> str:
    """The content hash naming the intermediate (reads the function's file)."""
    digest = hashlib.sha256()
    for part in (f"reel-pylayer/{INTERMEDIATE_VERSION}", job.func, f"{job.width}x{job.height}", str(job.frames),
                 str(job.fps), moviepy_version() or "-"):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(job.source.read_bytes())
    return digest.hexdigest()


def intermediate_path(job: PythonLayerJob, cache_dir: Path) -> Path:
    """Where the intermediate of `job` lives in `cache_dir` (whether or not it exists yet)."""
    return cache_dir / f"pylayer-{cache_key(job)[:40]}{SUFFIX}"


def render_python_layer(job: PythonLayerJob, cache_dir: Path, *, ffmpeg: str | None = None) -> Path:
    """The intermediate for `job`, rendering it first unless the cache has it.

    Raises `RenderError` (stage "python layer") when MoviePy is missing, the function cannot be
    loaded, raises, returns something that is not a clip of the asked size, or ffmpeg fails. The
    file appears in the cache only when complete.
    """
    if job.frames <= 0 or job.frames > MAX_FRAMES:
        raise RenderError(STAGE, f"{job.name}: a python layer needs 1 to {MAX_FRAMES} frames, not {job.frames}")
    target = intermediate_path(job, cache_dir)
    if target.is_file():
        return target
    if moviepy_version() is None:
        raise RenderError(STAGE, f"{job.name} is a python layer, which needs MoviePy: "
                                 "pip install 'reel[moviepy]'")
    clip = _call(job)
    cache_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temps(cache_dir)  # what a killed render left
    temp = target.with_name(temp_name(target.name, this_process()))
    try:
        _encode(job, clip, temp, ffmpeg)
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        with contextlib.suppress(Exception):
            clip.close()
    return target


def _call(job: PythonLayerJob) -> Any:
    func = _load(job)
    try:
        clip = func(job.width, job.height, float(job.seconds), float(job.fps))
    except Exception as exc:  # the user's code: any failure is reported with its own traceback
        raise RenderError(STAGE, f"{job.name} raised {type(exc).__name__}: {exc}\n{_user_traceback(exc, job)}") \
            from None
    if not callable(getattr(clip, "get_frame", None)):
        raise RenderError(STAGE, f"{job.name} returned {type(clip).__name__}, not a MoviePy clip")
    size = tuple(getattr(clip, "size", ()) or ())
    if size != (job.width, job.height):
        raise RenderError(STAGE, f"{job.name} returned a {'×'.join(map(str, size)) or 'sizeless'} clip; the layer "
                                 f"is {job.width}×{job.height} (use the width and height it is called with)")
    return clip


def _load(job: PythonLayerJob) -> Callable[..., Any]:
    name = f"reel_pylayer_{hashlib.sha1(str(job.source).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, job.source)
    if spec is None or spec.loader is None:
        raise RenderError(STAGE, f"{job.name}: {job.source} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    folder = str(job.source.parent)
    sys.path.insert(0, folder)  # so the file can import its neighbours, as a script would
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise RenderError(STAGE, f"{job.name}: loading {job.source.name} raised {type(exc).__name__}: {exc}\n"
                                 f"{_user_traceback(exc, job)}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    func = getattr(module, job.func, None)
    if not callable(func):
        found = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                       and getattr(v, "__module__", None) == name)
        listed = f"; it defines {', '.join(found)}" if found else ""
        raise RenderError(STAGE, f"{job.source.name} has no function `{job.func}`{listed}")
    return func


def _user_traceback(exc: BaseException, job: PythonLayerJob) -> str:
    """The traceback's frames in the user's file only (Reel's and MoviePy's frames are noise here)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == job.source]
    return "".join(traceback.format_list(frames[-5:])).rstrip()


def _encode(job: PythonLayerJob, clip: Any, temp: Path, ffmpeg: str | None) -> None:
    argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba",
            "-s", f"{job.width}x{job.height}", "-framerate", str(job.fps), "-i", "pipe:0",
            "-c:v", "ffv1", "-level", "3", "-pix_fmt", "bgra", "-f", "matroska", str(temp)]
    process, running = _start(argv, ffmpeg, STAGE, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    code = feed(process, (_rgba(clip, job, Fraction(k) / job.fps).tobytes() for k in range(job.frames)))
    running.drain.join(timeout=5)
    log = running.log.text()
    if code != 0:
        raise RenderError(STAGE, f"{job.name}: {explain(code, log)}", argv, log)


def _rgba(clip: Any, job: PythonLayerJob, t: Fraction) -> np.ndarray:
    """Frame `t` of the clip as H×W×4 uint8; past the clip's end its last frame is held."""
    duration = getattr(clip, "duration", None)
    at = float(t) if duration is None else min(float(t), max(0.0, float(duration) - 1e-6))
    try:
        rgb = np.asarray(clip.get_frame(at))
        mask = clip.mask.get_frame(at) if getattr(clip, "mask", None) is not None else None
    except Exception as exc:
        raise RenderError(STAGE, f"{job.name}: drawing the frame at {float(t):.3f} s raised "
                                 f"{type(exc).__name__}: {exc}\n{_user_traceback(exc, job)}") from None
    if rgb.shape[:2] != (job.height, job.width) or rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise RenderError(STAGE, f"{job.name}: the frame at {float(t):.3f} s is {rgb.shape}, not "
                                 f"{job.height}×{job.width}×3")
    rgb = _to_uint8(rgb[..., :3])
    alpha = (np.full((job.height, job.width), 255, np.uint8) if mask is None
             else _to_uint8(np.asarray(mask, dtype=np.float64) * 255.0))
    return np.dstack([rgb, alpha])


def _to_uint8(values: np.ndarray) -> np.ndarray:
    if values.dtype == np.uint8:
        return values
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)

"""The media a storyboard's layers name: each file exists, is the right kind, and fits its bounds.

Run by validation for every scene's `layers:` and the film's, through the same path gate and
probe cache as backgrounds (`validate._AssetChecker`), so the planner finds every layer's media
probed. Library assets come from Reel's own folder, so they are probed without the storyboard's
path gate.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from toolkit.errors import ProbeError
from toolkit.film.plan.timeline import LOOP_MEMORY_BYTES
from toolkit.film.spec.layers import AssetLayer, ImageLayer, LayerBase, PythonLayer, VideoLayer
from toolkit.media.probe import MediaInfo, probe


class _AssetChecker(Protocol):
    """What validation's asset checker offers (`validate._AssetChecker`): probing through the path
    gate, the probed media, and located issues."""

    media: dict[Path, MediaInfo]

    def probe(self, rel: Path, loc: tuple) -> MediaInfo | None: ...

    def resolve(self, rel: Path, loc: tuple) -> Path | None: ...

    def _error(self, loc: tuple, message: str, severity: str = "error") -> None: ...

FPS = Fraction(30)
# An animated GIF layer loops, and a loop keeps its decoded pictures in memory (RGBA, 4 bytes a
# pixel at the GIF's own size): at most the bound a looped scene's footage may hold.
GIF_BYTES_PER_PIXEL = 4
# Formats whose pictures may carry transparency: without an alpha channel they show as a rectangle.
_ALPHA_CAPABLE = frozenset({"png_pipe", "webp_pipe", "gif", "gif_pipe", "apng", "image2"})


def is_animated(info: MediaInfo) -> bool:
    """An animated GIF (or APNG): a picture file with more than one frame."""
    v = info.video
    return v is not None and info.format_name in ("gif", "gif_pipe", "apng") and (v.frames or 0) > 1


def has_alpha(pix_fmt: str) -> bool:
    """Whether a pixel format carries transparency (`rgba`, `yuva420p`, palette…)."""
    return (pix_fmt in {"rgba", "bgra", "argb", "abgr", "pal8", "ya8", "ya16be", "ya16le", "rgba64be",
                        "rgba64le", "bgra64be", "bgra64le"}
            or pix_fmt.startswith(("yuva", "gbrap")))


def check_layers(checker: _AssetChecker, layers: Sequence[LayerBase], loc: tuple) -> None:
    """Check the media of `layers`, written at `loc` (a scene's or the film's), into `checker`."""
    for j, layer in enumerate(layers):
        at = (*loc, "layers", j)
        if isinstance(layer, VideoLayer):
            _video(checker, layer, at)
        elif isinstance(layer, ImageLayer):
            info = checker.probe(layer.image, (*at, "image"))
            if info is not None:
                _picture(checker, layer, info, f"`{layer.image}`", (*at, "image"))
        elif isinstance(layer, PythonLayer):
            # through the path gate like any media, and never run here: only a render with
            # --allow-python runs it (`toolkit.film.pylayers`); read, its function is looked for
            path = checker.resolve(layer.file, (*at, "python"))
            problem = None if path is None else python_problem(path, layer)
            if problem is not None:
                checker._error((*at, "python"), problem)
        elif isinstance(layer, AssetLayer) and layer._asset is not None:
            info = _library(checker, layer.library.path, (*at, "asset"))
            if info is not None:
                _picture(checker, layer, info, f"asset `{layer.asset}`", (*at, "asset"))


def _library(checker: _AssetChecker, path: Path, loc: tuple) -> MediaInfo | None:
    if path in checker.media:
        return checker.media[path]
    try:
        info = probe(path)
    except ProbeError as exc:
        checker._error(loc, f"the asset library's file cannot be used: {exc}; reinstall Reel or run "
                            "scripts/make_assets.py")
        return None
    checker.media[path] = info
    return info


def _picture(checker: _AssetChecker, layer: LayerBase, info: MediaInfo, name: str, loc: tuple) -> None:
    v = info.video
    if v is None:
        checker._error(loc, f"{name} has no picture (audio only?)")
        return
    if info.has_video:
        checker._error(loc, f"{name} is a video; use `video:` for footage")
        return
    if is_animated(info):
        frames = v.frames or 0
        held = frames * v.width * v.height * GIF_BYTES_PER_PIXEL
        if held > LOOP_MEMORY_BYTES:
            checker._error(loc, f"{name} is an animated GIF of {frames:,} frames at {v.width}×{v.height}: looping "
                                f"it would hold {_mb(held)} of pictures in memory; an animated GIF may hold at "
                                f"most {_mb(LOOP_MEMORY_BYTES)} (frames × width × height × 4 bytes, e.g. "
                                f"{LOOP_MEMORY_BYTES // (v.width * v.height * GIF_BYTES_PER_PIXEL):,} frames at "
                                f"this size). Use fewer frames or a smaller GIF, or a video file with `video:`")
        return
    if (info.format_name in _ALPHA_CAPABLE and not has_alpha(v.pix_fmt) and layer.placed() != "full"):
        checker._error(loc, f"{name} has no transparency (no alpha channel): it will show as an opaque "
                            "rectangle; save it as a PNG with transparency for a cut-out sticker",
                       severity="info")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n < 10 * 1024**3 else f"{n / 1024**3:,.1f} GB"


def _video(checker: _AssetChecker, layer: VideoLayer, at: tuple) -> None:
    """The same checks as a scene's footage: a real video, and `from`/`to` inside it."""
    info = checker.probe(layer.video, (*at, "video"))
    if info is None:
        return
    if info.is_image:
        checker._error((*at, "video"), f"`{layer.video}` is a still image; use `image:` for pictures "
                                       "(an animated GIF loops as a picture layer)")
        return
    if info.video is None:
        checker._error((*at, "video"), f"`{layer.video}` has no picture (an audio-only file)")
        return
    start = layer.from_.to_seconds(FPS)
    length = Fraction(str(info.duration))
    if layer.to is not None:
        end = layer.to.to_seconds(FPS)
        if end <= start:
            checker._error((*at, "to"), f"`to` ({layer.to}) must be after `from` ({layer.from_})")
        elif end - start < Fraction(1, 30):
            checker._error((*at, "to"), "the trim is shorter than one frame (1/30 s)")
        if end > length + Fraction(1, 30):
            checker._error((*at, "to"), f"`to` ({layer.to}) is past the end of the footage "
                                        f"({float(length):.2f}s long)")
    if start >= length:
        checker._error((*at, "from"), f"`from` ({layer.from_}) is past the end of the footage "
                                      f"({float(length):.2f}s long)")
    if layer.volume > 0 and not info.has_audio:
        checker._error((*at, "audio"), f"`{layer.video}` has no sound (no audio stream), so `audio: "
                                       f"{layer.audio}` plays nothing", severity="warning")
    if info.video.variable_frame_rate:
        checker._error((*at, "video"), f"`{layer.video}` has a variable frame rate (phone footage); it will "
                                       "be converted to constant 30 fps", severity="info")


# A python layer's file is parsed (never run) to find its function; past this size it is left to the render.
PYTHON_PARSE_BYTES = 1024 * 1024


def python_problem(path: Path, layer: PythonLayer) -> str | None:
    """What is wrong with the python layer's file, read but never run: not Python, or no such
    function bound at its top level. None when the function may be there (a star import, a file
    too large or too deep to parse here: the render says)."""
    try:
        if path.stat().st_size > PYTHON_PARSE_BYTES:
            return None
        tree = ast.parse(path.read_bytes(), filename=layer.file.name)
    except SyntaxError as exc:
        return (f"`{layer.file}` is not valid Python (line {exc.lineno}: {exc.msg}), so its function cannot run; "
                "fix the file")
    except (OSError, ValueError, RecursionError, MemoryError):
        return None
    names, functions, star = _bound(tree.body)
    if star or layer.func in names:
        return None
    listed = [n for n in functions if not n.startswith("_")]
    found = f"; it defines {', '.join(listed)}" if listed else "; it defines no function"
    return f"`{layer.file}` has no function `{layer.func}`{found}"


def _bound(body: Iterable[ast.stmt]) -> tuple[set[str], list[str], bool]:
    """Names a module's top level binds (inside `if`, `try`, `with` too), its functions in order, and
    whether it star-imports (then any name may be bound)."""
    names: set[str] = set()
    functions: list[str] = []
    star = False
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if not isinstance(node, ast.ClassDef):
                functions.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                star = star or alias.name == "*"
                names.add(alias.asname or alias.name.split(".")[0])
        for block in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, block, None)
            if inner and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                more = [h for b in inner for h in (b.body if isinstance(b, ast.ExceptHandler) else [b])]
                n, f, s = _bound(more)
                names |= n
                functions += f
                star = star or s
    return names, functions, star

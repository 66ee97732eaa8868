"""Draft caches: small proxies of the footage, and the loudness gain, kept between draft renders.

A draft decodes every clip at full size only to shrink it to 540×960 straight away; on 1080p
phone footage that decoding is most of a draft's cost. `proxied` therefore transcodes each
video source once into a proxy already fitted for the draft canvas (a layer's: its box) and cheap
to decode, and returns the Timeline with its segments and footage layers pointing at the proxies:

* `cover` footage becomes exactly canvas-sized (cropped where its `focus` says, then scaled), so
  the render's own cover step is an identity; `contain` and `blur-fill` footage is scaled to fit inside the
  canvas (the size the render shows it at; blur-fill's background is made from it too).
* The whole file is transcoded (not just the used span), with rotation applied and every frame
  at its source timestamp (no frame-rate change), so a trim (`VideoSource.start`–`end`) picks
  exactly the frames it picks in the original and an edited trim reuses the proxy. Resampling
  to the canvas rate here would move frames across trim edges (a 25 fps frame 10 ms before
  `from` lands on the canvas frame at `from`); the render resamples after trimming, as for the
  final. Audio cues keep reading the original files: sound is not proxied.
* Proxies are x264 `ultrafast` + `fastdecode` (no CABAC, no deblocking) with a keyframe every
  half second, so seeking to a trim decodes at most half a second of frames.

Proxies are named by the source's content (a BLAKE2b digest of its bytes, remembered per
path/size/mtime/inode so an unchanged file is not re-read), the proxy size and mode, the frame
rate and `PROXY_VERSION`: a changed clip, canvas or recipe gets a new proxy, and stale ones are
simply never used again. The cache lives beside the text cache (`proxy_dir()`), is safe to
delete, and is written atomically (a proxy appears only when complete).

`cached_gain` keeps the loudness pass's result the same way, keyed by the audio mix's pass-1
command and the content of every file it reads, so a warm draft skips that pass while applying
exactly the gain a final render would (drafts keep the final's loudness).

Final renders use none of this: they read the original footage and always measure loudness.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from toolkit.atomic import write_atomic
from toolkit.errors import RenderError
from toolkit.film.compile.graph import compile_loudness_pass
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.nodes import Graph, seconds
from toolkit.film.compile.output import global_options
from toolkit.film.plan.timeline import Canvas, Timeline, VideoSource
from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process
from toolkit.media.digests import content_digest

# Bump when the proxy recipe changes, so proxies made the old way are no longer used.
PROXY_VERSION = "2"

ProxyMode = Literal["cover", "contain"]

# x264 settings of a proxy: fast to make, fast to decode, near-transparent at draft size.
_PROXY_CRF = 18
_PROXY_KEYFRAME_SECONDS = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class ProxyJob:
    """One proxy to have: which file, at what size and in which mode, and where it is kept."""

    source: Path
    mode: ProxyMode
    width: int
    height: int
    fps: Fraction
    path: Path
    focus: Fraction = Fraction(1, 2)  # where a cover crop sits across the overflow (`VideoSource.focus`)
    source_size: tuple[int, int] = (0, 0)  # the footage's own size, restored when the proxy cannot be made


def proxy_dir(text_cache: Path) -> Path:
    """The proxy cache folder, a sibling of the text cache (`render.cache_dir()`)."""
    return Path(text_cache).parent / "proxy"


def proxy_mode(source: VideoSource) -> ProxyMode:
    """`cover` footage is proxied cropped to the canvas; other fits need the whole picture."""
    return "cover" if source.fit == "cover" else "contain"


def proxy_size(source: VideoSource, canvas: Canvas) -> tuple[int, int]:
    """The proxy's frame size: the canvas for `cover`, else the source fitted inside it (even sizes)."""
    if proxy_mode(source) == "cover" or source.width <= 0 or source.height <= 0:
        return canvas.width, canvas.height
    factor = min(Fraction(canvas.width, source.width), Fraction(canvas.height, source.height), Fraction(1))
    return _even(source.width * factor), _even(source.height * factor)


def plan_proxies(timeline: Timeline, root: Path) -> dict[ProxyKey, ProxyJob]:
    """The proxy each video source of `timeline` needs (segments and footage layers), keyed by
    `proxy_key`: one per file, mode, size and cover focus, whatever the trims."""
    jobs: dict[ProxyKey, ProxyJob] = {}
    for src, area in _footage(timeline):
        key = proxy_key(src, area)
        if key in jobs:
            continue
        mode = proxy_mode(src)
        width, height = proxy_size(src, area)
        focus = src.focus if mode == "cover" else Fraction(1, 2)
        recipe = f"v{PROXY_VERSION}|{mode}|{width}x{height}|crf{_PROXY_CRF}" + (
            f"|focus{focus}" if focus != Fraction(1, 2) else "")
        digest = hashlib.blake2b(f"{content_digest(src.path, root / 'digests')}|{recipe}".encode(),
                                 digest_size=16).hexdigest()
        jobs[key] = ProxyJob(src.path, mode, width, height, area.fps, root / f"{digest}.mp4", focus,
                             (src.width, src.height))
    return jobs


ProxyKey = tuple[Path, ProxyMode, int, int, Fraction]


def proxy_key(src: VideoSource, area: Canvas) -> ProxyKey:
    """What a proxy depends on besides the file's bytes: its mode, size and (for cover) focus."""
    mode = proxy_mode(src)
    return (src.path, mode, *proxy_size(src, area), src.focus if mode == "cover" else Fraction(1, 2))


def _footage(timeline: Timeline) -> list[tuple[VideoSource, Canvas]]:
    """Every proxiable video source with the area it is fitted into: the canvas for a segment, the
    box for a layer. Footage with transparency (an animated GIF, a python layer's file) is not
    proxied: the proxy's codec has no alpha, and such clips are small."""
    canvas = timeline.canvas
    out = [(seg.source, canvas) for seg in timeline.segments if isinstance(seg.source, VideoSource)]
    out += [(layer.source, dataclasses.replace(canvas, width=layer.box.w, height=layer.box.h))
            for layer in timeline.layers if isinstance(layer.source, VideoSource) and not layer.source.alpha]
    return out


def compile_proxy(job: ProxyJob, output: Path) -> list[str]:
    """The ffmpeg command that makes `job`'s proxy at `output` (pure: no I/O, no process)."""
    graph = Graph()
    # No -ss/-t and no frame-rate change: the whole file, every frame at its own time, so a trim
    # means the same frames in the proxy as in the source.
    stream = graph.input(job.source)["v"]
    fit = {"out_color_matrix": "bt709", "out_range": "tv"}
    if job.mode == "cover":
        stream = stream.filter("scale", job.width, job.height, force_original_aspect_ratio="increase", **fit)
        if job.focus == Fraction(1, 2):
            stream = stream.filter("crop", job.width, job.height)
        else:  # the render's cover crop keeps this part of the overflow; so must the proxy
            f = float(job.focus)
            stream = stream.filter("crop", job.width, job.height, f"(iw-ow)*{f:g}", f"(ih-oh)*{f:g}")
    else:
        stream = stream.filter("scale", job.width, job.height, **fit)
    stream = stream.filter("format", "yuv420p").filter("setsar", 1)
    body = graph.argv([stream], output)
    keyframes = f"expr:gte(t,n_forced*{seconds(_PROXY_KEYFRAME_SECONDS)})"
    return [*global_options(loglevel="warning"), "-y", *body[:-1],
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "fastdecode", "-crf", str(_PROXY_CRF),
            "-force_key_frames", keyframes, "-pix_fmt", "yuv420p", "-fps_mode", "passthrough",
            "-enc_time_base", "demux", "-an", "-sn", "-dn",
            "-map_metadata", "-1", "-color_primaries", "bt709", "-color_trc", "bt709",
            "-colorspace", "bt709", "-color_range", "tv", body[-1]]


Runner = Callable[[list[str], ProxyJob], None]


def proxied(timeline: Timeline, root: Path, run: Runner) -> tuple[Timeline, int]:
    """`timeline` with every video source replaced by its proxy; proxies missing are made first.

    `run(argv, job)` runs one proxy command (the caller passes `runner.run_ffmpeg` so that this
    module starts no process itself). Returns the new Timeline and how many proxies were made.
    A source whose proxy fails to build (`RenderError`) stays as it is.
    """
    jobs = plan_proxies(timeline, root)
    made = 0
    for key, job in list(jobs.items()):
        if job.path.exists():
            continue
        if make_proxy(job, run):
            made += 1
        else:
            del jobs[key]
    return with_proxies(timeline, jobs.values()), made


def proxies_ready(timeline: Timeline, root: Path) -> list[ProxyJob]:
    """The proxies `timeline`'s footage would read in a draft that are in the cache (`root`) now;
    the others are not made here."""
    return [job for job in plan_proxies(timeline, root).values() if job.path.is_file()]


def make_proxy(job: ProxyJob, run: Runner) -> bool:
    """Make `job`'s proxy: `run(compile_proxy(job, partial), job)` writes it beside its place and
    it is renamed in only when complete. False when ffmpeg cannot proxy the clip (`RenderError`):
    that clip is then drafted from the original, slower but never wrong."""
    job.path.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temps(job.path.parent)  # what a killed draft left
    partial = job.path.with_name(temp_name(job.path.name, this_process()))
    try:
        run(compile_proxy(job, partial), job)
        os.replace(partial, job.path)
        return True
    except RenderError:
        return False
    finally:
        partial.unlink(missing_ok=True)


def with_proxies(timeline: Timeline, jobs: Iterable[ProxyJob]) -> Timeline:
    """`timeline` with each video source (segment or layer) that has a job in `jobs` pointing at
    that proxy (pure)."""
    by_key = {(job.source, job.mode, job.width, job.height, job.focus): job for job in jobs}
    canvas = timeline.canvas

    def swap(src: object, area: Canvas) -> object:
        if not isinstance(src, VideoSource) or (isinstance(src, VideoSource) and src.alpha):
            return src
        job = by_key.get(proxy_key(src, area))
        return src if job is None else dataclasses.replace(src, path=job.path, width=job.width, height=job.height)

    segments = tuple(dataclasses.replace(seg, source=swap(seg.source, canvas)) for seg in timeline.segments)
    layers = tuple(dataclasses.replace(layer, source=swap(layer.source, dataclasses.replace(
        canvas, width=layer.box.w, height=layer.box.h))) for layer in timeline.layers)
    return dataclasses.replace(timeline, segments=segments, layers=layers)


def without_proxies(timeline: Timeline, failed: Iterable[ProxyJob]) -> Timeline:
    """`timeline` (already pointing at proxies) with the sources of `failed` jobs back on their
    original footage: drafted slower, never wrong (pure)."""
    back = {job.path: job for job in failed}

    def restore(src: object) -> object:
        if isinstance(src, VideoSource) and src.path in back:
            job = back[src.path]
            return dataclasses.replace(src, path=job.source, width=job.source_size[0], height=job.source_size[1])
        return src

    return dataclasses.replace(
        timeline, segments=tuple(dataclasses.replace(s, source=restore(s.source)) for s in timeline.segments),
        layers=tuple(dataclasses.replace(layer, source=restore(layer.source)) for layer in timeline.layers))


def cached_gain_only(timeline: Timeline, root: Path) -> AudioGain | None:
    """The loudness gain kept for `timeline`'s audio, or None when none is kept (nothing is measured)."""
    key = gain_key(timeline, root)
    return None if key is None else _read_gain(root / "gains" / f"{key}.json")


def gain_key(timeline: Timeline, root: Path) -> str | None:
    """What the loudness gain depends on: the pass-1 command and the content of every audio file."""
    argv = compile_loudness_pass(timeline)
    if argv is None:
        return None
    files = sorted({str(cue.path) for cue in timeline.audio})
    digests = [content_digest(Path(f), root / "digests") for f in files]
    text = json.dumps({"argv": argv, "files": files, "digests": digests, "mix": dataclasses.asdict(timeline.mix)})
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cached_gain(timeline: Timeline, root: Path, measure: Callable[[], AudioGain | None]) -> AudioGain | None:
    """The loudness gain for `timeline`: from the cache when its audio is unchanged, else `measure()`d."""
    key = gain_key(timeline, root)
    if key is None:
        return measure()
    memo = root / "gains" / f"{key}.json"
    saved = _read_gain(memo)
    if saved is not None:
        return saved
    gain = measure()
    if gain is not None:
        write_atomic(memo, json.dumps(dataclasses.asdict(gain)))
    return gain


def _read_gain(memo: Path) -> AudioGain | None:
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
        return AudioGain(float(saved["gain_db"]), None if saved["limit_db"] is None else float(saved["limit_db"]),
                         float(saved.get("short_db", 0.0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _even(value: Fraction) -> int:
    return max(2, int(round(value / 2)) * 2)



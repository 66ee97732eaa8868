"""One measured job, run by `run.py` in a fresh process so that its memory is its own.

    python bench/worker.py render STORYBOARD OUTPUT [--draft] [--width W] [--layers]
    python bench/worker.py floor FRAMES OUTPUT [--draft] [--width W]

`render` does what `reel render` does (prepare, then `render_film`) and prints a JSON line with
the time of each stage. `floor` encodes FRAMES frames of a lavfi test source with the encoder
settings `render` would use, through the same runner: the encode-only floor.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path


def render(storyboard: Path, output: Path, draft: bool, width: int | None = None,
           layers: bool = False) -> dict[str, float]:
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_film

    started = time.perf_counter()
    prepared = prepare(storyboard, width=width or (DRAFT_WIDTH if draft else None))
    if layers:
        import dataclasses

        import film

        media = storyboard.parent / "media"
        prepared = dataclasses.replace(prepared, timeline=film.layered(prepared.timeline, media))
    planned = time.perf_counter()
    stages: dict[str, float] = {}
    last = {"stage": "setup (rasterise, hashing)", "at": planned}

    def progress(stage: str, p) -> None:
        now = time.perf_counter()
        if stage != last["stage"]:
            if last["stage"]:
                stages[last["stage"]] = stages.get(last["stage"], 0.0) + now - last["at"]
            last.update(stage=stage, at=now)
        if stage == "render" and p.done:
            # ffmpeg has finished; what follows is verify + the flash gate.
            stages["render"] = stages.get("render", 0.0) + now - last["at"]
            last.update(stage="verify+flash", at=now)

    render_film(prepared, output, draft=draft, force=True, on_progress=progress)
    done = time.perf_counter()
    if last["stage"]:
        stages[last["stage"]] = stages.get(last["stage"], 0.0) + done - last["at"]
    return {"prepare": planned - started, "render_film": done - planned, "total": done - started,
            "frames": prepared.timeline.frames, "duration": float(prepared.timeline.duration),
            "width": prepared.timeline.canvas.width, **{f"stage_{k}": v for k, v in stages.items()}}


def floor(frames: int, output: Path, draft: bool, width: int) -> dict[str, float]:
    """Encode `frames` frames of testsrc2 at the film's size with the render's encoder options."""
    from toolkit.film.compile.output import EncodeSettings, global_options, video_options
    from toolkit.film.plan.timeline import Canvas, ColorSource, Overlay, Segment, TextBlock, Timeline, Transition
    from toolkit.film.run.runner import run_ffmpeg
    from toolkit.geometry import Box

    height = width * 16 // 9
    canvas = Canvas(width, height, Fraction(30), Box(0, 0, width, height))
    # A stand-in Timeline only so that video_options() yields exactly the render's encoder options.
    card = Segment(0, "end_card", "end", 0, frames, ColorSource("#000000"), Transition("cut", 0))
    text = Overlay("card", "end_card", 0, frames, (TextBlock((), Path("x"), 1, None, 0, 0, Box(0, 0, 1, 1)),))
    timeline = Timeline(canvas, (card,), (text,), (), None, "floor", min_end_card_frames=1)  # type: ignore[arg-type]
    encode = EncodeSettings.draft() if draft else EncodeSettings.final()
    argv = [*global_options(loglevel="warning", threads=encode.threads), "-y", "-f", "lavfi", "-i",
            f"testsrc2=s={width}x{height}:r=30", *video_options(timeline, encode), "-an", str(output)]
    started = time.perf_counter()
    run_ffmpeg(argv, stage="floor", total_frames=frames)
    return {"total": time.perf_counter() - started, "frames": frames}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="job", required=True)
    r = sub.add_parser("render")
    r.add_argument("storyboard", type=Path)
    r.add_argument("output", type=Path)
    r.add_argument("--draft", action="store_true")
    r.add_argument("--width", type=int, default=None, help="canvas width (default: the product's)")
    r.add_argument("--layers", action="store_true", help="the layered variant (`film.layered`)")
    f = sub.add_parser("floor")
    f.add_argument("frames", type=int)
    f.add_argument("output", type=Path)
    f.add_argument("--draft", action="store_true")
    f.add_argument("--width", type=int, default=1080)
    args = parser.parse_args()
    if args.job == "render":
        out = render(args.storyboard, args.output, args.draft, args.width, args.layers)
    else:
        out = floor(args.frames, args.output, args.draft, args.width)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast is the flash gate? Times `check_clip` on a 60 s 1080×1920 30 fps H.264 clip.

    python bench/flash_speed.py                 # makes the clip (testsrc2 + libx264) once
    python bench/flash_speed.py CLIP --runs 5   # or time your own clip
    python bench/flash_speed.py --compare       # and, run by run, the gate with one decoder

Prints the wall and CPU time of each run, the best, and the speed as a multiple of real time.
The target is <= 10 s for the 60 s clip on a 2-core machine. With --baseline it first times
the parts: decoding alone with one decoder and FFmpeg's own threads; decoding plus the area
downscale that way, and as the gate does it (`iter_frames`: GOPs on parallel single-threaded
decoders where the clip allows), side by side; and the analysis alone on decoded frames.
Timings on a shared machine are noisy: take the best of several runs, at a low load average
(printed with each figure).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from toolkit.care.flash import FlashAnalyser, check_clip
from toolkit.media.frames import video_fps
from toolkit.settings import Settings


def make_clip(path: Path, seconds: int, source: str) -> None:
    """Encode a 1080×1920 30 fps BT.709-tagged H.264 test clip with ffmpeg's lavfi sources."""
    argv = [
        Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"{source}=size=1080x1920:rate=30:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        str(path),
    ]  # fmt: skip
    subprocess.run(argv, check=True)


def baseline(clip: Path, width: int, fps: float, analysis_frames: int) -> None:
    """Time the parts: H.264 decoding, decoding plus the downscale, and the analysis alone."""
    import av

    from toolkit.media.frames import configure_decoder, iter_frames

    def decode_only() -> None:
        with av.open(str(clip)) as container:
            stream = container.streams.video[0]
            configure_decoder(stream)
            for _ in container.decode(stream):
                pass

    def one_decoder() -> None:
        for _ in iter_frames(clip, width=width, ahead_bytes=0):
            pass

    def gop_parallel() -> None:
        for _ in iter_frames(clip, width=width):
            pass

    for name, step in (
        ("decode only, one decoder, FFmpeg threads", decode_only),
        ("decode + area downscale, one decoder, FFmpeg threads", one_decoder),
        ("decode + area downscale as the gate does (iter_frames)", gop_parallel),
    ):
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        step()
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        print(f"{name}: {wall:6.2f} s wall, {used:6.2f} s CPU, load {load:.1f}", flush=True)

    with closing(iter_frames(clip, width=width)) as frames:
        rgbs = [frame.rgb for _, frame in zip(range(analysis_frames), frames, strict=False)]
    analyser = FlashAnalyser(fps, rgbs[0].shape[1], rgbs[0].shape[0])  # builds its tables here
    load = os.getloadavg()[0]
    cpu = time.process_time()
    for rgb in rgbs:
        analyser.feed(rgb)
    per_frame = (time.process_time() - cpu) / len(rgbs)
    print(f"analysis alone: {per_frame * 1e3:.2f} ms CPU per frame over {len(rgbs)} frames, load {load:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", nargs="?", type=Path, help="clip to time (default: generate one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60, help="length of the generated clip")
    parser.add_argument("--source", default="testsrc2", help="lavfi source for the generated clip")
    parser.add_argument("--profile", default="wcag_strict", choices=["wcag_strict", "broadcast"])
    parser.add_argument("--width", type=int, default=270, help="analysis width")
    parser.add_argument("--baseline", action="store_true", help="also time decoding, downscaling and analysis apart")
    parser.add_argument("--analysis-frames", type=int, default=300, help="frames the --baseline analysis runs on")
    parser.add_argument("--compare", action="store_true",
                        help="after each run, time the same gate with one FFmpeg-threaded decoder (side-by-side ratio)")
    args = parser.parse_args()

    clip = args.clip
    if clip is None:
        clip = Path(tempfile.gettempdir()) / f"reel_flash_bench_{args.source}_{args.seconds}s.mp4"
        if not clip.exists():
            print(f"encoding {clip} ...", flush=True)
            make_clip(clip, args.seconds, args.source)
    fps = float(video_fps(clip))
    if args.baseline:
        baseline(clip, args.width, fps, args.analysis_frames)

    best = float("inf")
    ratios: list[float] = []
    for run in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        report = check_clip(clip, profile=args.profile, analysis_width=args.width)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        best = min(best, wall)
        print(
            f"run {run}: {wall:6.2f} s wall, {used:6.2f} s CPU, {report.duration / wall:5.1f}x realtime, "
            f"{report.frames_analysed} frames, passed={report.passed}, load {load:.1f}",
            flush=True,
        )
        if args.compare:
            other = one_decoder_gate(clip, fps, args.profile, args.width)
            ratios.append(other / wall)
            print(f"      one decoder: {other:6.2f} s wall; one decoder / gate = {other / wall:.2f}", flush=True)
    speed = report.duration / best
    print(f"best: {best:.2f} s for {report.duration:.1f} s of {fps:g} fps video ({speed:.1f}x realtime)")
    if ratios:
        print(f"one decoder / gate, median of {len(ratios)} side-by-side pairs: {statistics.median(ratios):.2f}")
    return 0


def one_decoder_gate(clip: Path, fps: float, profile: str, width: int) -> float:
    """Wall time of the same gate decoding with one FFmpeg-threaded decoder (no GOP split)."""
    from toolkit.care.flash import analyse_frames
    from toolkit.media.frames import iter_frames

    start = time.perf_counter()
    with closing(iter_frames(clip, width=width, ahead_bytes=0)) as frames:
        analyse_frames(frames, fps, profile)  # type: ignore[arg-type]
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())

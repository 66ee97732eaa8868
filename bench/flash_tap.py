"""The flash gate read from the render's tap against decoding the written film again (issue 17 §3).

    python bench/flash_tap.py                 # 60 s bench film, 1 repeat
    python bench/flash_tap.py --repeats 2 --seconds 60

Builds the bench film (`film.py`, as `run.py` does), then, side by side in fresh processes:
the encode-only floor (`worker.py floor`), the final render with the tap and with the old path
(no tap; `check_clip` decodes the written file), then a cold draft to fill the cache and warm
drafts with each path. "Old path" patches `toolkit.film.render._flash_tap` to a tap that asks
for nothing, so the render compiles without the tap's output and falls back to decoding: exactly
the code that ran before the tap. Prints a table and writes bench/out/flash_tap.json. Drafts
rendered in cached pieces (issue 17 §2) are gated on the pieces' files and do not use the tap:
the draft rows then show "file" for both and compare the same path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class _NoTap:
    """The old path's stand-in for `FlashTap`: no FIFO, so no tap output, and no report."""

    path = None

    def __enter__(self) -> _NoTap:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def report(self) -> None:
        return None


def worker(argv: list[str]) -> int:
    """`worker STORYBOARD OUTPUT [--draft] [--old]`: one render, its stage times as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("storyboard", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--old", action="store_true")
    args = parser.parse_args(argv)
    import worker as bench_worker

    import toolkit.film.render as render_module

    if args.old:
        render_module._flash_tap = lambda timeline: _NoTap()
    read: list[str] = []
    original = render_module.render_film

    def recording(*a, **k):  # a pass-through that notes where the gate read
        result = original(*a, **k)
        read.append(result.flash_read)
        return result

    render_module.render_film = recording
    out = bench_worker.render(args.storyboard, args.output, args.draft)
    print(json.dumps({**out, "flash_read": read[0] if read else "?"}))
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        return worker(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    import run

    work = Path(run.tempfile.gettempdir()) / "reel-bench"
    (work / "out").mkdir(parents=True, exist_ok=True)
    import film

    film.make_media(work, lengths=(args.seconds,))
    sb, _ = run.storyboard(work, args.seconds)
    frames = args.seconds * 30
    me = str(Path(__file__).resolve())

    def render(label: str, *, draft: bool, old: bool, cache: Path) -> dict:
        out = work / "out" / f"tap-{'draft' if draft else 'final'}-{'old' if old else 'tap'}.mp4"
        return run.job([me, "worker", str(sb), str(out), *(["--draft"] if draft else []), *(["--old"] if old else [])],
                       cache=cache, label=label)

    runs: list[dict] = []
    draft_cache = work / "cache-tap-draft"
    render("draft cold (fills cache)", draft=True, old=False, cache=draft_cache)
    for i in range(args.repeats):
        floor = run.floor(work, frames, draft=False, label=f"floor #{i + 1}")
        tap = render(f"final tap #{i + 1}", draft=False, old=False, cache=work / "cache-final")
        old = render(f"final old #{i + 1}", draft=False, old=True, cache=work / "cache-final")
        dtap = render(f"draft warm tap #{i + 1}", draft=True, old=False, cache=draft_cache)
        dold = render(f"draft warm old #{i + 1}", draft=True, old=True, cache=draft_cache)
        runs.append({"floor": floor, "final_tap": tap, "final_old": old, "draft_tap": dtap, "draft_old": dold})

    def med(key: str, field: str = "total") -> float:
        return statistics.median(r[key][field] for r in runs)

    summary = {
        "final_tap_s": med("final_tap"), "final_old_s": med("final_old"), "floor_s": med("floor"),
        "final_tap_ratio": med("final_tap") / med("floor"), "final_old_ratio": med("final_old") / med("floor"),
        "draft_tap_s": med("draft_tap"), "draft_old_s": med("draft_old"),
        "draft_tap_x": args.seconds / med("draft_tap"), "draft_old_x": args.seconds / med("draft_old"),
        "after_render_tap_s": statistics.median(r["final_tap"].get("stage_verify+flash", 0) for r in runs),
        "after_render_old_s": statistics.median(r["final_old"].get("stage_verify+flash", 0) for r in runs),
        "draft_after_render_tap_s": statistics.median(r["draft_tap"].get("stage_verify+flash", 0) for r in runs),
        "draft_after_render_old_s": statistics.median(r["draft_old"].get("stage_verify+flash", 0) for r in runs),
        "flash_read": {k: runs[0][k].get("flash_read") for k in ("final_tap", "final_old", "draft_tap", "draft_old")},
        "cpu_s": {k: med(k, "cpu_seconds") for k in ("floor", "final_tap", "final_old", "draft_tap", "draft_old")},
        "load": [r[k]["load_before"] for r in runs for k in ("floor", "final_tap", "final_old", "draft_tap",
                                                               "draft_old")],
    }
    print(f"\n| {args.seconds} s film | tap | old (decode after) |\n|---|---|---|")
    print(f"| final, s (÷ encode floor {summary['floor_s']:.1f} s) | {summary['final_tap_s']:.1f} "
          f"({summary['final_tap_ratio']:.2f}) | {summary['final_old_s']:.1f} ({summary['final_old_ratio']:.2f}) |")
    print(f"| final, after ffmpeg ended (check + gate + end card), s | {summary['after_render_tap_s']:.1f} | "
          f"{summary['after_render_old_s']:.1f} |")
    print(f"| warm draft, s (× realtime) | {summary['draft_tap_s']:.1f} ({summary['draft_tap_x']:.2f}×) | "
          f"{summary['draft_old_s']:.1f} ({summary['draft_old_x']:.2f}×) |")
    print(f"| warm draft, after ffmpeg ended, s | {summary['draft_after_render_tap_s']:.1f} | "
          f"{summary['draft_after_render_old_s']:.1f} |")
    cpu = summary["cpu_s"]
    print(f"| CPU-seconds, final / warm draft | {cpu['final_tap']:.1f} / {cpu['draft_tap']:.1f} | "
          f"{cpu['final_old']:.1f} / {cpu['draft_old']:.1f} |")
    print(f"gate read from: {summary['flash_read']}; encode floor {cpu['floor']:.1f} CPU-s; "
          f"load average before each run: {', '.join(f'{x:.1f}' for x in summary['load'])}")
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "flash_tap.json").write_text(json.dumps({"summary": summary, "runs": runs,
                                                             "machine": run.machine()}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

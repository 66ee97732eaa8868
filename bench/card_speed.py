"""What does reading the end card back after render cost? The card check beside the render it guards.

    python bench/card_speed.py                # final render of the 60 s bench film, then the check alone
    python bench/card_speed.py --repeats 3    # three renders (median), five standalone checks
    python bench/card_speed.py --draft        # the same for a draft

Builds the 60 s bench film (`film.py`, as `run.py` does) in a reused temp folder, then:

1. renders it with `render_film` (final unless --draft), which runs the card check inside its
   atomic-output block after the flash gate; `RenderResult.card.seconds` is the check's own time
   in that render (its first call in the process, so it includes loading the OCR models);
2. runs `check_card` alone on the rendered file, cold (a fresh OCR engine: model loading
   included) and warm (models loaded), side by side.

Reports each figure and the ratio the target is about: the card check's time in the render ÷
the rest of the render (target: the check adds ≤ 10 %). Timings on a shared machine are
noisy: the load average is printed with each run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import film  # noqa: E402
import measure  # noqa: E402
import run as bench_run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1, help="renders to time (median reported)")
    parser.add_argument("--checks", type=int, default=3, help="standalone warm checks to time")
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    args = parser.parse_args()

    from toolkit.film.cardcheck import check_card
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_film
    from toolkit.media.ocr import OcrEngine

    work = args.workdir
    (work / "out").mkdir(parents=True, exist_ok=True)
    film.make_media(work, lengths=(60,))
    storyboard, _ = bench_run.storyboard(work, 60)
    prepared = prepare(storyboard, width=DRAFT_WIDTH if args.draft else None)
    kind = "draft" if args.draft else "final"
    output = work / "out" / f"card-speed-{kind}.mp4"
    print(f"{kind} render of {storyboard.name}: {prepared.timeline.canvas.width}x{prepared.timeline.canvas.height}, "
          f"{float(prepared.timeline.duration):.1f} s", flush=True)

    renders = []
    for i in range(args.repeats):
        load = measure.load_average()
        started = time.perf_counter()
        result = render_film(prepared, output, draft=args.draft, force=True)
        total = time.perf_counter() - started
        assert result.card is not None
        renders.append({"render_film": total, "card_check": result.card.seconds,
                        "ratio": result.card.seconds / (total - result.card.seconds), "load": load})
        print(f"  render {i + 1}: {total:6.1f} s, of which the card check {result.card.seconds:5.2f} s "
              f"(+{renders[-1]['ratio']:.1%}); load {load:.1f}", flush=True)
    print(f"  frames read: {result.card.frames}; lines on the first: {list(result.card.lines[0])}")

    load = measure.load_average()
    started = time.perf_counter()
    check_card(prepared, output, engine=OcrEngine())
    cold = time.perf_counter() - started
    print(f"  check alone, cold (fresh OCR engine): {cold:5.2f} s; load {load:.1f}", flush=True)
    engine = OcrEngine()
    check_card(prepared, output, engine=engine)
    warm = []
    for _ in range(args.checks):
        started = time.perf_counter()
        check_card(prepared, output, engine=engine)
        warm.append(time.perf_counter() - started)
    print(f"  check alone, warm: {', '.join(f'{w:.2f}' for w in warm)} s", flush=True)

    median_render = statistics.median(r["render_film"] for r in renders)
    median_check = statistics.median(r["card_check"] for r in renders)
    ratio = median_check / (median_render - median_check)
    print(f"\n{kind} render {median_render:.1f} s; card check inside it {median_check:.2f} s = +{ratio:.1%} "
          f"on the rest of the render (target ≤ 10 %); alone cold {cold:.2f} s, warm "
          f"{statistics.median(warm):.2f} s (+{statistics.median(warm) / (median_render - median_check):.1%})")
    out = HERE / "out" / f"card_speed_{kind}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"renders": renders, "cold": cold, "warm": warm, "ratio": ratio}, indent=1),
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Incremental drafts (issue 17 §2): a draft after editing one caption ÷ a cold-cache full draft.

    python bench/incremental_draft.py               # 60 s bench film, 2 repeats
    python bench/incremental_draft.py --repeats 1

For each repeat, on the 60 s bench film (`film.py`, made as `run.py` makes it): an empty cache,
then (1) a cold draft (proxies, loudness, text pictures and every draft piece made during the
run), then (2) one caption near the middle of the film edited, then a draft of the edited
storyboard with that same cache: only the pieces showing that caption are rendered again.
Each draft is one fresh process (`worker.py render --draft`), timed whole (prepare included),
back to back; the load average is recorded with each run. Target: (2) ≤ 20 % of (1).
Results: a table on stdout and `bench/out/incremental_draft.json`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import film  # noqa: E402
import measure  # noqa: E402
import run  # noqa: E402

TARGET = 0.20
_CAPTION = re.compile(r'(\{text: )("(?:[^"\\]|\\.)*")(, at: )')


def edit_one_caption(original: str, which: int) -> tuple[str, str]:
    """The storyboard text with caption number `which` (in file order) changed; and the new text."""
    found = list(_CAPTION.finditer(original))
    if not found:
        raise SystemExit("the bench storyboard has no caption to edit")
    m = found[min(which, len(found) - 1)]
    text = json.loads(m.group(2))
    edited = text.rstrip(".") + ", edited."
    return original[:m.start(2)] + json.dumps(edited) + original[m.end(2):], edited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    parser.add_argument("--output", type=Path, default=HERE / "out" / "incremental_draft.json")
    args = parser.parse_args()
    work = args.workdir
    (work / "out").mkdir(parents=True, exist_ok=True)
    print(f"bench media and storyboard in {work} ...", flush=True)
    film.make_media(work, lengths=(args.seconds,))
    sb, _ = run.storyboard(work, args.seconds)
    original = sb.read_text(encoding="utf-8")
    captions = len(_CAPTION.findall(original))
    edited_sb = work / f"bench-{args.seconds}s-edited.yaml"
    runs = []
    print(f"incremental draft after one caption edit, {args.seconds} s film")
    for i in range(args.repeats):
        cache = work / f"cache-incremental-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copyfile(sb, edited_sb)  # both drafts of one storyboard path: the second replaces the first
        cold = run.render(work, edited_sb, draft=True, cache=cache, label=f"cold draft #{i + 1}")
        text, caption = edit_one_caption(original, captions // 2 + i)
        edited_sb.write_text(text, encoding="utf-8")
        warm = run.render(work, edited_sb, draft=True, cache=cache, label=f"after 1 caption edit #{i + 1}")
        runs.append({"cold": cold, "incremental": warm, "edited_caption": caption,
                     "ratio": warm["total"] / cold["total"], "cpu_ratio": warm["cpu_seconds"] / cold["cpu_seconds"]})
        shutil.rmtree(cache, ignore_errors=True)
    result = {"machine": run.machine(), "film_seconds": args.seconds, "runs": runs,
              "ratio": statistics.median(r["ratio"] for r in runs),
              "cpu_ratio": statistics.median(r["cpu_ratio"] for r in runs), "target": TARGET,
              "load_end": measure.load_average()}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\n{'run':<6}{'cold s':>9}{'incr. s':>9}{'ratio':>8}{'cpu ratio':>11}{'load':>7}")
    for n, r in enumerate(runs, start=1):
        print(f"#{n:<5}{r['cold']['total']:9.2f}{r['incremental']['total']:9.2f}{r['ratio']:8.1%}"
              f"{r['cpu_ratio']:11.1%}{r['incremental']['load_before']:7.1f}")
    verdict = "meets" if result["ratio"] <= TARGET else "misses"
    print(f"median: incremental ÷ cold = {result['ratio']:.1%} (cpu {result['cpu_ratio']:.1%}); "
          f"{verdict} the target ≤ {TARGET:.0%}. Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

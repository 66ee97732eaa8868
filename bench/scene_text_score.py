"""How well does the grader tell captions from text in the footage? (issue 13 §2)

    python bench/scene_text_score.py                 # both splits, into a temporary folder
    python bench/scene_text_score.py --split dev -v  # one split, with every track's judgement
    python bench/scene_text_score.py --json out.json
    python bench/scene_text_score.py --seeds 201 202 203   # more clips no one tuned on

Makes the clips of `tests/scene_text_clips.py` (clean films with a sign, a book cover, a phone
screen, T-shirt text, a poster outside the safe box; defect films with captions under the
buttons) for the DEV seeds (the thresholds were tuned on these) and the HELD-OUT seeds (never
tuned on), grades `captions-safe-zone` on each and prints a confusion table per split:
expected pass/fail against the verdict.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from scene_text_clips import DEV_SEEDS, HELD_OUT_SEEDS, KINDS, SceneTextClips, expected  # noqa: E402

from toolkit.grade.context import make_context  # noqa: E402
from toolkit.grade.grader import grade, observe  # noqa: E402
from toolkit.grade.ocr import OcrEngine  # noqa: E402
from toolkit.grade.rubric import load_rubric  # noqa: E402
from toolkit.settings import Settings  # noqa: E402


def score_split(maker: SceneTextClips, seeds: tuple[int, ...], engine: OcrEngine, *, verbose: bool) -> dict:
    """Grade every clip of the split; return the rows and the confusion counts."""
    rubric, ctx = load_rubric(), make_context(region="UK")
    rows, table = [], {"pass": {"pass": 0, "fail": 0}, "fail": {"pass": 0, "fail": 0}}
    for seed in seeds:
        for kind in KINDS:
            clip = maker.make(kind, seed)
            report = grade(clip, rubric, context=ctx, ocr=engine)
            result = report.result("captions-safe-zone")
            assert result is not None
            got = "fail" if result.status == "fail" else "pass"
            want = expected(kind)
            table[want][got] += 1
            values = dict(observe(report.media, report.measurements, ctx, {"captions-safe-zone"})
                          ["captions-safe-zone"].values)
            rows.append({"clip": clip.name, "kind": kind, "seed": seed, "expected": want, "got": got,
                         "values": values, "notes": list(result.notes)})
            mark = "ok " if want == got else "XX "
            print(f"{mark}{clip.name:22s} expected {want:4s} got {got:4s} {values}")
            if verbose or want != got:
                for note in result.notes[1:]:
                    print(f"      {note}")
    return {"rows": rows, "confusion": table}


def _print_table(name: str, table: dict) -> None:
    print(f"\n{name}: rows expected, columns graded")
    print(f"{'':14s}{'pass':>6s}{'fail':>6s}")
    for want in ("pass", "fail"):
        label = "clean (pass)" if want == "pass" else "defect (fail)"
        print(f"{label:14s}{table[want]['pass']:6d}{table[want]['fail']:6d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "held-out", "both"), default="both")
    parser.add_argument("--seeds", type=int, nargs="+", help="score these seeds instead (e.g. fresh held-out ones)")
    parser.add_argument("--json", type=Path, help="write the rows and tables here")
    parser.add_argument("--keep", type=Path, help="make the clips in this folder and keep them")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    ffmpeg = Settings().ffmpeg
    folder = args.keep or Path(tempfile.mkdtemp(prefix="scene-text-"))
    maker, engine = SceneTextClips(folder, ffmpeg), OcrEngine()
    splits = {"dev": DEV_SEEDS, "held-out": HELD_OUT_SEEDS}
    chosen = list(splits) if args.split == "both" else [args.split]
    if args.seeds:
        splits, chosen = {"seeds": tuple(args.seeds)}, ["seeds"]
    out, start = {}, time.perf_counter()
    for name in chosen:
        print(f"== {name} (seeds {', '.join(map(str, splits[name]))})")
        out[name] = score_split(maker, splits[name], engine, verbose=args.verbose)
    for name in chosen:
        _print_table(name, out[name]["confusion"])
    print(f"\n{time.perf_counter() - start:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    wrong = sum(t["confusion"]["pass"]["fail"] + t["confusion"]["fail"]["pass"] for t in out.values())
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

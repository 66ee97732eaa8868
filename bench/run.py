"""Reel's render benchmark: ratios measured side by side in one run (never a timed test).

    python bench/run.py                  # everything; MoviePy on the 30 s film (about an hour)
    python bench/run.py --quick          # one repeat, MoviePy on the 15 s film, no 180 s final
    python bench/run.py --skip-moviepy   # (a), (c), (d) only
    python bench/run.py --moviepy-seconds 60 --only b   # the full MoviePy comparison alone

Builds the bench media and storyboards (`film.py`) in a reused temp folder, then measures:

(a) full render ÷ encode-only floor: `prepare` + `render_film` (rasterise, loudness, the
    ffmpeg render, verify, flash gate) of the 60 s film, against ffmpeg encoding as many
    1080×1920 frames of testsrc2 with the same encoder options. Target ≤ 1.2.
(b) MoviePy ÷ Reel: `moviepy_film.py` (the same film as a plain MoviePy 2 script, same encoder
    settings) against Reel's final render of the same storyboard. Target ≥ 16.
(c) draft speed, × realtime: film seconds ÷ (prepare + draft render_film), cold (empty cache:
    proxies, loudness, text and draft pieces all made during the run), warm (the same cache with
    its draft pieces deleted: proxies, loudness and text cached, every piece rendered again) and
    reused (the same cache again: every piece reused, joined and gated). Targets ≥ 3.5× cold,
    ≥ 4× warm (issue 17).
(d) peak memory of the whole process tree (Python + ffmpeg; see `measure.py`) of final and warm
    draft renders of the 15, 60 and 180 s films. Target ≤ 300 MB and flat in film length.
(e) (only with `--only e`) the layered variant (`film.layered`: a B-roll cutaway on every scene,
    two stickers, a picture-in-picture) final ÷ the encode floor, beside the same film without
    layers; target ≤ 1.3. Then its peak memory for each film length.

Each pair of runs that forms a ratio runs back to back; pairs repeat (`--repeats`) and the
median is reported with the load average seen. Results: a table on stdout and
`bench/out/results.json` (raw runs included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import film  # noqa: E402
import measure  # noqa: E402

WORKER = HERE / "worker.py"
MOVIEPY = HERE / "moviepy_film.py"


def storyboard(work: Path, seconds: int) -> tuple[Path, film.FilmPlan]:
    """The bench storyboard of `seconds`, planned twice so the scenes leave room for the real end card."""
    from toolkit.film.pipeline import prepare

    path = work / f"bench-{seconds}s.yaml"
    plan = film.film_plan(seconds, 8.0)
    film.storyboard(plan, work / "media", path)
    card = prepare(path).timeline
    real = card.end_card.length / float(card.canvas.fps)
    if abs(real - 8.0) > 1e-6:
        plan = film.film_plan(seconds, real)
        film.storyboard(plan, work / "media", path)
    return path, plan


def job(argv: list[str], *, cache: Path, label: str) -> dict:
    """Run one measured job in a fresh process with its own REEL_CACHE; return the record."""
    load = measure.load_average()
    env = dict(os.environ, REEL_CACHE=str(cache), PYTHONHASHSEED="0")
    m = measure.run([sys.executable, *argv], env=env)
    if m.returncode != 0:
        raise SystemExit(f"{label} failed ({m.returncode}):\n{m.stderr[-3000:]}")
    lines = [line for line in m.stdout.splitlines() if line.startswith("{")]
    detail = json.loads(lines[-1]) if lines else {}
    record = {"label": label, "seconds": m.seconds, "cpu_seconds": m.cpu_seconds, "tree_peak_mb": m.tree_peak_mb,
              "largest_process_mb": m.largest_hwm_mb, "peak_by_program_mb": m.hwm_by_name,
              "load_before": load, "load_after": measure.load_average(), **detail}
    print(f"  {label:<28} {m.seconds:7.1f} s  cpu {m.cpu_seconds:7.1f} s  peak {m.tree_peak_mb:5.0f} MB  "
          f"load {load:4.1f}", flush=True)
    return record


def render(work: Path, sb: Path, *, draft: bool, cache: Path, label: str, layers: bool = False,
           piece_jobs: int | None = None) -> dict:
    out = work / "out" / (sb.stem + (".layers" if layers else "") + (".draft" if draft else "") + ".mp4")
    out.parent.mkdir(exist_ok=True)
    argv = [str(WORKER), "render", str(sb), str(out), *(["--draft"] if draft else []),
            *(["--layers"] if layers else [])]
    if piece_jobs is not None:  # the worker with `run.draft_pieces.PIECE_JOBS` set first
        argv = ["-c", "import runpy, sys; import toolkit.film.run.draft_pieces as d; "
                f"d.PIECE_JOBS = {piece_jobs}; sys.argv = sys.argv[1:]; "
                f"sys.path.insert(0, {str(HERE)!r}); runpy.run_path(sys.argv[0], run_name='__main__')", *argv]
    return job(argv, cache=cache, label=label)


def floor(work: Path, frames: int, *, draft: bool, label: str) -> dict:
    argv = [str(WORKER), "floor", str(frames), str(work / "out" / "floor.mp4")]
    if draft:
        from toolkit.film.pipeline import DRAFT_WIDTH

        argv += ["--draft", "--width", str(DRAFT_WIDTH)]
    return job(argv, cache=work / "cache-final", label=label)


def moviepy(work: Path, sb: Path, plan: film.FilmPlan, label: str) -> dict:
    from toolkit.film.pipeline import prepare

    desc = film.moviepy_description(plan, prepare(sb).timeline, work / "media")
    spec = work / f"moviepy-{plan.seconds:g}s.json"
    spec.write_text(json.dumps(desc), encoding="utf-8")
    record = job([str(MOVIEPY), str(spec), str(work / "out" / f"moviepy-{plan.seconds:g}s.mp4")],
                 cache=work / "cache-final", label=label)
    record["duration"] = plan.seconds
    return record


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_a(work: Path, sb60: Path, repeats: int) -> dict:
    print("(a) final render ÷ encode-only floor, 60 s film")
    pairs = []
    for i in range(repeats):
        f = floor(work, 1800, draft=False, label=f"floor #{i + 1}")
        r = render(work, sb60, draft=False, cache=work / "cache-final", label=f"final 60s #{i + 1}")
        pairs.append({"floor": f, "final": r, "ratio": r["total"] / f["total"],
                      "ffmpeg_ratio": r.get("stage_render", r["total"]) / f["total"],
                      "cpu_ratio": r["cpu_seconds"] / f["cpu_seconds"]})
    return {"pairs": pairs, "ratio": median([p["ratio"] for p in pairs]),
            "ffmpeg_ratio": median([p["ffmpeg_ratio"] for p in pairs]),
            "cpu_ratio": median([p["cpu_ratio"] for p in pairs]), "target": 1.2}


def bench_c(work: Path, sb60: Path, repeats: int) -> dict:
    print("(c) draft speed, 60 s film, cold and warm cache")
    runs = []
    for i in range(repeats):
        cache = work / f"cache-draft-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        cold = render(work, sb60, draft=True, cache=cache, label=f"draft cold #{i + 1}")
        # warm: proxies, loudness and text cached, but every draft piece rendered again (issue 17's
        # "warm full draft"); reused: the same cache with the pieces too (a draft of an unchanged film)
        shutil.rmtree(cache / "reel" / "drafts", ignore_errors=True)
        warm = render(work, sb60, draft=True, cache=cache, label=f"draft warm #{i + 1}")
        reused = render(work, sb60, draft=True, cache=cache, label=f"draft reused #{i + 1}")
        # the same warm draft with its pieces rendered one at a time (as before PIECE_JOBS), beside it
        shutil.rmtree(cache / "reel" / "drafts", ignore_errors=True)
        serial = render(work, sb60, draft=True, cache=cache, label=f"draft warm, 1 job #{i + 1}", piece_jobs=1)
        runs.append({"cold": cold, "warm": warm, "reused": reused, "serial": serial,
                     "cold_x": cold["duration"] / cold["total"], "warm_x": warm["duration"] / warm["total"],
                     "reused_x": reused["duration"] / reused["total"],
                     "serial_x": serial["duration"] / serial["total"]})
        shutil.rmtree(cache, ignore_errors=True)
    dfloor = floor(work, 1800, draft=True, label="draft floor")
    return {"runs": runs, "cold_x": median([r["cold_x"] for r in runs]), "warm_x": median([r["warm_x"] for r in runs]),
            "reused_x": median([r["reused_x"] for r in runs]), "serial_x": median([r["serial_x"] for r in runs]),
            "draft_floor_x": 60 / dfloor["total"],
            "draft_floor": dfloor, "targets": {"cold": 3.5, "warm": 4}}


def bench_b(work: Path, sb: Path, plan: film.FilmPlan, repeats: int) -> dict:
    print(f"(b) MoviePy ÷ Reel, {plan.seconds:g} s film")
    pairs = []
    for i in range(repeats):
        r = render(work, sb, draft=False, cache=work / "cache-final", label=f"reel {plan.seconds:g}s #{i + 1}")
        m = moviepy(work, sb, plan, label=f"moviepy {plan.seconds:g}s #{i + 1}")
        pairs.append({"reel": r, "moviepy": m, "ratio": m["seconds"] / r["seconds"]})
    return {"seconds": plan.seconds, "pairs": pairs, "ratio": median([p["ratio"] for p in pairs]), "target": 16}


def bench_d(work: Path, boards: dict[int, Path], lengths: list[int], reuse: dict[int, dict],
            reuse_drafts: dict[int, tuple[dict, dict]]) -> dict:
    print("(d) peak memory (process tree), final and draft (cold and warm cache)")
    out: dict[str, dict] = {}
    for n in lengths:
        final = reuse.get(n) or render(work, boards[n], draft=False, cache=work / "cache-final", label=f"final {n}s")
        if n in reuse_drafts:
            cold, warm = reuse_drafts[n]
        else:
            cache = work / f"cache-draft-rss-{n}"
            shutil.rmtree(cache, ignore_errors=True)
            cold = render(work, boards[n], draft=True, cache=cache, label=f"draft {n}s cold")
            warm = render(work, boards[n], draft=True, cache=cache, label=f"draft {n}s warm")
            shutil.rmtree(cache, ignore_errors=True)
        out[f"{n}s"] = {"final_mb": final["tree_peak_mb"], "draft_mb": warm["tree_peak_mb"],
                        "draft_cold_mb": cold["tree_peak_mb"], "final": final, "draft": warm, "draft_cold": cold}
    return {"films": out, "target_mb": 300}


def bench_e(work: Path, boards: dict[int, Path], lengths: list[int], repeats: int) -> dict:
    print("(e) layered 60 s film (B-roll on every scene, two stickers, a picture-in-picture) ÷ encode floor; "
          "peak memory")
    pairs = []
    for i in range(repeats):
        f = floor(work, 1800, draft=False, label=f"floor #{i + 1}")
        plain = render(work, boards[60], draft=False, cache=work / "cache-final", label=f"final 60s #{i + 1}")
        layered = render(work, boards[60], draft=False, cache=work / "cache-final", label=f"layered 60s #{i + 1}",
                         layers=True)
        pairs.append({"floor": f, "final": plain, "layered": layered, "ratio": layered["total"] / f["total"],
                      "plain_ratio": plain["total"] / f["total"],
                      "ffmpeg_ratio": layered.get("stage_render", layered["total"]) / f["total"]})
    memory = {f"{n}s": render(work, boards[n], draft=False, cache=work / "cache-final", label=f"layered {n}s",
                              layers=True)["tree_peak_mb"] for n in lengths if n != 60}
    memory["60s"] = max(p["layered"]["tree_peak_mb"] for p in pairs)
    return {"pairs": pairs, "ratio": median([p["ratio"] for p in pairs]),
            "plain_ratio": median([p["plain_ratio"] for p in pairs]),
            "ffmpeg_ratio": median([p["ffmpeg_ratio"] for p in pairs]), "peak_mb": memory, "target": 1.3}


def machine() -> dict:
    from toolkit.settings import Settings

    version = subprocess.run([Settings().ffmpeg, "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "ffmpeg": version}


def table(results: dict) -> str:
    rows = ["| measure | result | target | met |", "|---|---|---|---|"]
    if "a" in results:
        a = results["a"]
        rows.append(f"| (a) final render ÷ encode floor (60 s) | {a['ratio']:.2f} (ffmpeg stage alone "
                    f"{a['ffmpeg_ratio']:.2f}; CPU time {a.get('cpu_ratio', float('nan')):.2f}) | ≤ 1.2 | "
                    f"{'yes' if a['ratio'] <= 1.2 else 'no'} |")
    if "b" in results:
        b = results["b"]
        rows.append(f"| (b) MoviePy ÷ Reel ({b['seconds']:g} s film) | {b['ratio']:.1f} | ≥ 16 | "
                    f"{'yes' if b['ratio'] >= 16 else 'no'} |")
    if "c" in results:
        c = results["c"]
        rows.append(f"| (c) draft, cold cache | {c['cold_x']:.1f}× realtime | ≥ 3.5× | "
                    f"{'yes' if c['cold_x'] >= 3.5 else 'no'} |")
        rows.append(f"| (c) draft, warm cache, pieces rendered again | {c['warm_x']:.1f}× realtime (encode floor "
                    f"{c['draft_floor_x']:.1f}×) | ≥ 4× | {'yes' if c['warm_x'] >= 4 else 'no'} |")
        if "serial_x" in c:
            rows.append(f"| (c) draft, warm cache, pieces one at a time | {c['serial_x']:.1f}× realtime | — | — |")
        if "reused_x" in c:
            rows.append(f"| (c) draft, warm cache, every piece reused | {c['reused_x']:.1f}× realtime | — | — |")
    if "d" in results:
        for name, d in results["d"]["films"].items():
            ok = d["final_mb"] <= 300 and d["draft_mb"] <= 300
            rows.append(f"| (d) peak RSS, {name} film | final {d['final_mb']:.0f} MB, draft {d['draft_mb']:.0f} MB "
                        f"(cold {d['draft_cold_mb']:.0f} MB) | ≤ 300 MB, flat | {'yes' if ok else 'no'} |")
    if "e" in results:
        e = results["e"]
        peaks = ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(e["peak_mb"].items(), key=lambda kv: float(kv[0][:-1])))
        rows.append(f"| (e) layered final ÷ encode floor (60 s) | {e['ratio']:.2f} (same film without layers "
                    f"{e['plain_ratio']:.2f}; ffmpeg stage {e['ffmpeg_ratio']:.2f}) | ≤ 1.3 | "
                    f"{'yes' if e['ratio'] <= 1.3 else 'no'} |")
        rows.append(f"| (e) peak RSS, layered final | {peaks} | ≤ 300 MB, flat | "
                    f"{'yes' if max(e['peak_mb'].values()) <= 300 else 'no'} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repeat, short MoviePy film, no 180 s final")
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--moviepy-seconds", type=int, default=None, help="length of the MoviePy comparison film")
    parser.add_argument("--repeats", type=int, default=None, help="pairs per ratio (default 3, quick 1)")
    parser.add_argument("--only", default="a,b,c,d", help="comma-separated subset of a,b,c,d,e (e: the layered film)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    parser.add_argument("--output", type=Path, default=HERE / "out" / "results.json")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    only = set(args.only.split(","))
    if args.skip_moviepy:
        only.discard("b")
    mp_seconds = args.moviepy_seconds or (15 if args.quick else 30)
    lengths = [15, 60] if args.quick else [15, 60, 180]

    work = args.workdir
    (work / "out").mkdir(parents=True, exist_ok=True)
    print(f"bench media and storyboards in {work} ...", flush=True)
    films = sorted({*lengths, 60, mp_seconds})
    film.make_media(work, lengths=tuple(films))
    boards = {n: storyboard(work, n) for n in films}
    results: dict = {"machine": machine(), "repeats": repeats, "load_start": measure.load_average()}
    if "a" in only:
        results["a"] = bench_a(work, boards[60][0], repeats)
    if "c" in only:
        results["c"] = bench_c(work, boards[60][0], repeats)
    if "b" in only:
        results["b"] = bench_b(work, *boards[mp_seconds], max(1, repeats if mp_seconds < 60 else 1))
    if "d" in only:
        reuse = {60: max((p["final"] for p in results["a"]["pairs"]), key=lambda r: r["tree_peak_mb"])} \
            if "a" in results else {}
        drafts = {60: max(((r["cold"], r["warm"]) for r in results["c"]["runs"]),
                          key=lambda pair: pair[1]["tree_peak_mb"])} if "c" in results else {}
        results["d"] = bench_d(work, {n: b[0] for n, b in boards.items()}, lengths, reuse, drafts)
    if "e" in only:
        results["e"] = bench_e(work, {n: b[0] for n, b in boards.items()}, lengths, repeats)
    results["load_end"] = measure.load_average()
    results["table"] = table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print()
    print(results["table"])
    print(f"\nload average {results['load_start']:.1f} at start, {results['load_end']:.1f} at end; "
          f"raw runs in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

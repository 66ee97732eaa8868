"""Batches side by side: ten 15 s films one at a time, on a 2-process pool, and on a Dask LocalCluster.

    python bench/batch.py                 # ten final 15 s films in each mode
    python bench/batch.py --draft         # the same as drafts (quicker)
    python bench/batch.py --films 4       # fewer films

The bench storyboard (`run.storyboard`, bench media from `film.py`) is copied ten times, each
copy numbered in its title and captions (each film its own text and output); every mode starts
from an empty $REEL_CACHE, so no mode reuses another's loudness, text or draft pieces. Modes,
each through `toolkit.batch`'s backends (what `reel render … --jobs N / --scheduler` runs):

- `--jobs 1`: the films one after another in this process;
- `--jobs 2`: a local process pool of two workers;
- Dask: a `distributed.LocalCluster` of two single-threaded worker processes (started before the
  clock starts, as a cluster is already running when `--scheduler` names it).

For each: wall time, films per hour, the films' own time (each film's work on its worker, from
check to checked film), scheduling overhead per film = (wall − Σ film time ÷ workers) ÷ films
(target ≤ 0.5 s; it includes the tail where one worker waits for the other's last film), and CPU
seconds per film (process + ffmpeg children). The load average is printed beside each mode.
Results also go to bench/out/batch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import film  # noqa: E402
import measure  # noqa: E402
import run  # noqa: E402

from toolkit.batch import FilmJob, FilmOptions  # noqa: E402
from toolkit.batch.backends import BACKENDS  # noqa: E402


def _films(work: Path, count: int) -> list[Path]:
    sb, _ = run.storyboard(work, 15)
    copies = []
    text = sb.read_text(encoding="utf-8")
    for i in range(count):
        copy = sb.with_name(f"batch-{i:02d}.yaml")
        # its own title and captions: no film reuses another's drawn text or draft pieces
        copy.write_text(text.replace('title: "', f'title: "{i + 1}. ').replace('{text: "', f'{{text: "{i + 1}. '),
                        encoding="utf-8")
        copies.append(copy)
    return copies


def _mode(label: str, backend, boards: list[Path], out: Path, cache: Path, options: FilmOptions,
          workers: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    os.environ["REEL_CACHE"] = str(cache)
    jobs = [FilmJob(sb, out / (sb.stem + (".draft.mp4" if options.draft else ".mp4")), options) for sb in boards]
    load = measure.load_average()
    started = time.perf_counter()
    outcomes = backend.run(jobs, lambda event: None)
    wall = time.perf_counter() - started
    failed = [o.line for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{label}: {len(failed)} films failed: {failed[:3]}")
    own = sum(o.seconds for o in outcomes)
    cpu = sum(o.cpu_seconds for o in outcomes)
    record = {"mode": label, "films": len(jobs), "workers": workers, "wall_s": wall,
              "films_per_hour": 3600 * len(jobs) / wall, "film_seconds_total": own,
              "overhead_per_film_s": (wall - own / workers) / len(jobs), "cpu_per_film_s": cpu / len(jobs),
              "film_s_mean": own / len(jobs), "load_before": load, "load_after": measure.load_average()}
    print(f"  {label:<22} wall {wall:7.1f} s  {record['films_per_hour']:6.1f} films/h  "
          f"film {record['film_s_mean']:5.1f} s  overhead {record['overhead_per_film_s']:5.2f} s/film  "
          f"cpu {record['cpu_per_film_s']:5.1f} s/film  "
          f"load {load:4.1f}->{record['load_after']:4.1f}", flush=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10)
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    film.make_media(work, lengths=(15,))
    boards = _films(work, args.films)
    options = FilmOptions(draft=args.draft, force=True)
    root = work / "batch"
    shutil.rmtree(root, ignore_errors=True)
    print(f"{args.films} films of 15 s ({'draft' if args.draft else 'final'}), {os.cpu_count()} cores")
    results = [_mode("--jobs 1", BACKENDS["inline"](), boards, root / "jobs1", root / "cache1", options, 1),
               _mode("--jobs 2", BACKENDS["pool"](2), boards, root / "jobs2", root / "cache2", options, 2)]
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      env={"REEL_CACHE": str(root / "cache-dask")}) as cluster:
        results.append(_mode("dask 2×1 LocalCluster", BACKENDS["dask"](cluster.scheduler_address), boards,
                             root / "dask", root / "cache-dask", options, 2))
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "batch.json").write_text(json.dumps({"draft": args.draft, "results": results}, indent=1),
                                             encoding="utf-8")


if __name__ == "__main__":
    main()

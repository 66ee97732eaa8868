"""`reel library status` over 1,000 rendered films' manifests (issue 18 §3: target ≤ 2 s).

Renders one real draft (so the manifest is what Reel writes), then builds a library of 1,000
films: each its own storyboard (different text), all sharing ten media clips and the template,
each film a hard link to the real draft, each with a manifest whose digests are that film's own.
Then times, side by side, in fresh processes:

* the floor: a plain directory walk (`os.walk`), and the walk reading and parsing every manifest;
* `library_status()` with the digest memo warm (as after rendering: every input was hashed then);
* `library_status()` with the memo emptied (every storyboard and clip hashed again);
* the command itself, `reel library status DIR --json`, start-up and imports included.

    python bench/library_status.py [--films 1000] [--repeats 3]

Writes `bench/out/library_status.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
CLIPS = 10

_TIMED = """
import json, os, sys, time
from pathlib import Path
folder, what = Path(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
if what == "status":
    from toolkit.film.library import library_status  # timed apart (printed as "import")
    imported = time.perf_counter() - started
    started = time.perf_counter()
if what == "walk":
    n = sum(len(files) for _, _, files in os.walk(folder))
elif what == "walk+json":
    n = 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".reel.json"):
                json.loads(Path(root, name).read_bytes()); n += 1
else:
    films = library_status(folder)
    n = sum(f.status == "up to date" for f in films)
print(json.dumps({"seconds": time.perf_counter() - started, "count": n,
                  "import": imported if what == "status" else 0.0}))
"""


def _run(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)


def build(work: Path, films: int, env: dict[str, str]) -> Path:
    """The library: `work/lib/media` (shared clips) and `work/lib/NNNN.{yaml,draft.mp4,draft.reel.json}`."""
    sys.path.insert(0, str(HERE.parent))
    os.environ.update(env)
    from toolkit.film.manifest import digest_dir, sidecar_bytes
    from toolkit.media import synth
    from toolkit.media.digests import content_digest

    lib = work / "lib"
    media, out = lib / "media", lib
    media.mkdir(parents=True)
    for k in range(CLIPS):
        synth.footage(media / f"clip{k}.mp4", seconds=1, width=64, height=36, colors=(f"0x{k}0{k}0{k}0", "0x2a9d8f"))
    seed = out / "seed.yaml"
    seed.write_text("title: Seed\nregion: IE\nscenes:\n  - background: media/clip0.mp4\n    duration: 1s\n"
                    "    captions: Hello.\n", encoding="utf-8")
    done = _run(PY, "-m", "toolkit", "render", str(seed), "--draft", "-q", env=env)
    if done.returncode:
        raise SystemExit(done.stderr)
    real = json.loads((out / "seed.draft.reel.json").read_text(encoding="utf-8"))
    film = out / "seed.draft.mp4"
    memo = digest_dir()
    clips = [{"path": f"media/clip{k}.mp4", "digest": content_digest(media / f"clip{k}.mp4", memo)}
             for k in range(CLIPS)]
    for i in range(films):
        sb = out / f"{i:04d}.yaml"
        sb.write_text(f"title: Film {i}\nregion: IE\nscenes:\n" + "".join(
            f"  - background: media/clip{(i + k) % CLIPS}.mp4\n    duration: 1s\n    captions: Part {k} of {i}.\n"
            for k in range(4)), encoding="utf-8")
        manifest = dict(real, film=f"{i:04d}.draft.mp4",
                        storyboard={"id": real["storyboard"]["id"], "path": sb.name,
                                    "digest": content_digest(sb, memo)},
                        inputs=[clips[(i + k) % CLIPS] for k in range(4)])
        os.link(film, out / f"{i:04d}.draft.mp4")
        (out / f"{i:04d}.draft.reel.json").write_bytes(sidecar_bytes(manifest))
    for name in ("seed.yaml", "seed.draft.mp4", "seed.draft.reel.json", "seed.draft.srt", "seed.draft.vtt"):
        (out / name).unlink()
    return lib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reel-library-bench-"))
    cache = work / "cache"
    env = dict(os.environ, REEL_CACHE=str(cache), PYTHONPATH=str(HERE.parent))
    try:
        lib = build(work, args.films, env)
        rows: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for _ in range(args.repeats):
            for what in ("walk", "walk+json", "status (memo warm)", "status (memo empty)", "reel library status"):
                if what == "status (memo empty)":
                    shutil.rmtree(cache / "reel" / "digests", ignore_errors=True)
                if what == "reel library status":
                    started = time.perf_counter()
                    done = _run(PY, "-m", "toolkit", "library", "status", str(lib), "--json", env=env)
                    seconds = time.perf_counter() - started
                    data = json.loads(done.stdout)
                    count = sum(f["status"] == "up to date" for f in data["films"])
                else:
                    done = _run(PY, "-c", _TIMED, str(lib), what.split(" ")[0], env=env)
                    if done.returncode:
                        raise SystemExit(done.stderr)
                    answer = json.loads(done.stdout)
                    seconds, count = answer["seconds"], answer["count"]
                    if answer["import"]:
                        rows.setdefault("import toolkit.film.library", []).append(answer["import"])
                        counts["import toolkit.film.library"] = 0
                rows.setdefault(what, []).append(seconds)
                counts[what] = count
        load = os.getloadavg()
        print(f"{args.films} films sharing {CLIPS} clips; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for what, times in rows.items():
            unit = {"walk": "files", "walk+json": "manifests"}.get(what, "up to date")
            print(f"  {what:27s} best {min(times):6.3f} s  median {sorted(times)[len(times) // 2]:6.3f} s"
                  + ("" if what.startswith("import") else f"  ({counts[what]} {unit})"))
        result = {"films": args.films, "clips": CLIPS, "load": load, "seconds": rows, "counts": counts,
                  "date": time.strftime("%Y-%m-%d %H:%M")}
        (HERE / "out").mkdir(exist_ok=True)
        (HERE / "out" / "library_status.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

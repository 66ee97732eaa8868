"""Reel Studio's speed against issue 17's targets, on the 60 s bench film, with a real server and browser.

    python bench/studio.py                # page load, frame at a time (warm, after an edit), refresh after save
    python bench/studio.py --edits 40     # also: memory of the server over 40 save/refresh/scrub cycles

Builds the 60 s bench film (`film.py`, as `run.py` does) in a reused temp folder, starts the studio
(`StudioServer`, uvicorn on 127.0.0.1) in this process, and drives headless Chromium (Debian's
/usr/bin/chromium through Playwright) like a user:

1. page load: `goto` the URL until the first frame is on screen (cold: a fresh frame cache; then warm);
2. frame at a time, warm: the scrubber moved to times never shown before (the plan and text images are
   ready, the frame is drawn), and to a time shown before (the frame cache);
3. after an edit: one caption's text changed and saved; the time from the save to the edited frame on
   screen (watcher → re-plan → event → the page asks for the frame → drawn), then frames at new times
   in the edited plan;
4. with --edits N: the server's resident memory after N/2 and N more save → refresh → scrub cycles,
   and the page's JS heap, DOM nodes and listeners from Chromium (CDP `Performance.getMetrics`, after a
   garbage collection): a browser left open for hours must not grow either.

Targets (issue 17): frame at any time after an edit ≤ 1 s warm; page load ≤ 2 s; refresh after save
≤ 1.5 s to the first frame. The frame cache lives in a temporary REEL_CACHE so the cold figures are cold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
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

SHOWN = "document.getElementById('frame')"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _edit(storyboard: Path, n: int) -> None:
    """Change the first caption's text (a new word each time) and save it as an editor does."""
    text = storyboard.read_text(encoding="utf-8")
    text = re.sub(r'(\{text: "[^"]*?)(?: take \d+)?(",)', rf"\1 take {n}\2", text, count=1)
    temp = storyboard.with_name(f".{storyboard.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, storyboard)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times", type=int, default=5, help="new times to scrub to per measurement")
    parser.add_argument("--edits", type=int, default=0, help="extra save/refresh cycles for the memory figure")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reel-bench")
    args = parser.parse_args()
    work = args.workdir
    film.make_media(work, lengths=(60,))
    storyboard, _ = bench_run.storyboard(work, 60)
    # a thumbnail or a frame drawn ahead may still be writing when the server stops
    cache = tempfile.TemporaryDirectory(prefix="reel-studio-bench-", ignore_cleanup_errors=True)
    os.environ["REEL_CACHE"] = cache.name  # cold frames, text images and proxies are cold

    from playwright.sync_api import sync_playwright

    from toolkit.film.render import render_frames
    from toolkit.studio.server import StudioServer

    load = measure.load_average()
    started = time.perf_counter()
    server = StudioServer(storyboard).start()
    startup = time.perf_counter() - started
    tl = server.studio.snapshot.prepared.timeline
    print(f"{storyboard.name}: {float(tl.duration):.1f} s, {tl.frames} frames, {len(tl.segments)} segments at "
          f"{tl.canvas.width}x{tl.canvas.height}; studio up in {startup:.2f} s (first plan "
          f"{server.studio.snapshot.seconds:.2f} s); load {load:.1f}", flush=True)
    rng = random.Random(17)
    results: dict = {"film_seconds": float(tl.duration), "startup": startup, "load": load}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(bypass_csp=True).new_page()

            def shown(n: int, key: str | None = None) -> None:
                extra = f" && {SHOWN}.dataset.key === '{key}'" if key else ""
                page.wait_for_function(f"{SHOWN}.dataset.shown === '{n}' && {SHOWN}.complete{extra}",
                                       timeout=120_000, polling="raf")

            def scrub(n: int) -> float:
                t = time.perf_counter()
                page.fill("#scrubber", str(n))
                shown(n)
                return time.perf_counter() - t

            for kind in ("cold", "warm"):
                t = time.perf_counter()
                page.goto(server.url, wait_until="commit")  # not the load event: it waits for the thumbnails
                shown(0)
                results[f"page_load_{kind}"] = time.perf_counter() - t
                print(f"  page load ({kind}): {results[f'page_load_{kind}']:.2f} s", flush=True)
            times = [rng.randrange(tl.frames) for _ in range(args.times)]
            fresh = [scrub(n) for n in times]
            again = [scrub(0) for _ in range(3)]
            # the same frames drawn by `reel still`'s function alone, back to back: what the studio adds
            alone = []
            for n in times:
                with tempfile.TemporaryDirectory() as tmp:
                    t = time.perf_counter()
                    render_frames(server.studio.snapshot.prepared, [n], Path(tmp))
                    alone.append(time.perf_counter() - t)
            results["frame_warm"], results["frame_cached"], results["still_alone"] = fresh, again, alone
            print(f"  frame at a new time (warm): median {statistics.median(fresh):.2f} s, max {max(fresh):.2f} s; "
                  f"a time shown before: {statistics.median(again):.3f} s; the same frames drawn by reel still's "
                  f"render_frames alone: median {statistics.median(alone):.2f} s; load {measure.load_average():.1f}",
                  flush=True)

            refresh, after = [], []
            for i in range(3):
                at = rng.randrange(tl.frames // 4)
                scrub(at)
                old = server.studio.snapshot.key
                t = time.perf_counter()
                _edit(storyboard, i + 1)
                page.wait_for_function(f"{SHOWN}.dataset.key !== '{old}' && {SHOWN}.dataset.shown === '{at}' "
                                       f"&& {SHOWN}.complete", timeout=120_000, polling="raf")
                refresh.append(time.perf_counter() - t)
                after += [scrub(rng.randrange(tl.frames)) for _ in range(args.times)]
            results["refresh_after_save"], results["frame_after_edit"] = refresh, after
            print(f"  save → edited frame on screen: {', '.join(f'{r:.2f}' for r in refresh)} s "
                  f"(re-plan {server.studio.snapshot.seconds:.2f} s of it)", flush=True)
            print(f"  frame at a new time after an edit: median {statistics.median(after):.2f} s, "
                  f"max {max(after):.2f} s", flush=True)

            if args.edits:
                cdp = page.context.new_cdp_session(page)
                cdp.send("Performance.enable")

                def browser_mb() -> dict:
                    """The page's JS heap (after a garbage collection) and DOM nodes, from Chromium itself."""
                    cdp.send("HeapProfiler.collectGarbage")
                    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                    return {"js_heap_mb": metrics["JSHeapUsedSize"] / 2**20, "nodes": int(metrics["Nodes"]),
                            "listeners": int(metrics["JSEventListeners"])}

                base, page_base, half = _rss_mb(), browser_mb(), None
                for i in range(args.edits):
                    old = server.studio.snapshot.key
                    _edit(storyboard, 100 + i)
                    page.wait_for_function(f"{SHOWN}.dataset.key !== '{old}' && {SHOWN}.complete", timeout=120_000)
                    scrub(rng.randrange(tl.frames))
                    if i + 1 == args.edits // 2:
                        half = _rss_mb()
                page_after = browser_mb()
                results["rss_mb"] = {"before": base, "half": half, "after": _rss_mb(), "cycles": args.edits}
                results["page"] = {"before": page_base, "after": page_after}
                results["bounded"] = {"hub_pages": len(server.hub._queues),
                                      "frame_versions": len(server.cache._versions)}
                print(f"  server memory (this process): {base:.0f} MB before, {half or 0:.0f} MB after "
                      f"{args.edits // 2}, {_rss_mb():.0f} MB after {args.edits} save/refresh/scrub cycles; "
                      f"event streams open {len(server.hub._queues)}, frame versions kept "
                      f"{len(server.cache._versions)}", flush=True)
                print(f"  page (Chromium): JS heap {page_base['js_heap_mb']:.1f} MB → {page_after['js_heap_mb']:.1f} "
                      f"MB, DOM nodes {page_base['nodes']} → {page_after['nodes']}, listeners "
                      f"{page_base['listeners']} → {page_after['listeners']}", flush=True)
            browser.close()
    finally:
        server.stop()
        cache.cleanup()

    verdict = [("page load", results["page_load_cold"], 2.0),
               ("frame at a time after an edit (max)", max(results["frame_after_edit"]), 1.0),
               ("refresh after save to the first frame (max)", max(results["refresh_after_save"]), 1.5)]
    print()
    for name, value, target in verdict:
        print(f"{name}: {value:.2f} s (target ≤ {target} s) {'ok' if value <= target else 'OVER'}")
    out = HERE / "out" / "studio.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

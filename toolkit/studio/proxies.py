"""Draft proxies of the film's footage, made in the background so that scrubbing seeks them.

A frame of footage is drawn by seeking the clip: from its keyframe before the wanted frame, every
frame is decoded. Phone footage has a keyframe every second or so, a camera's export every 8 s
(x264's default), at 1080×1920: 0.6–1.2 s a frame on two cores. A draft's proxy of the same clip
(`toolkit.film.proxy`: fitted to the draft canvas, a keyframe every half second, fast to decode)
draws the same frame in 0.3–0.5 s. The studio makes the proxies a draft would make, one at a time
and only while no frame the page waits for is being drawn, then re-plans so that the page asks for
the frames again (`frames.film_key` names the proxies a frame was drawn from).

Footage shown from a covered copy (`anonymise`) or a reversed copy is left alone: the frame is
drawn from that copy, never from a proxy of the original.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable

from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import Timeline, VideoSource
from toolkit.film.proxy import ProxyJob, make_proxy, plan_proxies, proxy_dir
from toolkit.film.render import cache_dir
from toolkit.film.run.runner import run_ffmpeg
from toolkit.settings import Settings


def missing_proxies(timeline: Timeline) -> list[ProxyJob]:
    """The draft proxies `timeline`'s footage would read that are not in the cache, less those of
    footage played from a covered or reversed copy."""
    copied = {src.path for src in _sources(timeline) if src.anonymise is not None or src.reverse}
    jobs = plan_proxies(timeline, proxy_dir(cache_dir())).values()
    return [job for job in jobs if job.source not in copied and not job.path.is_file()]


def _sources(timeline: Timeline) -> list[VideoSource]:
    found = [seg.source for seg in timeline.segments] + [layer.source for layer in timeline.layers]
    return [src for src in found if isinstance(src, VideoSource)]


class ProxyMaker:
    """One background thread making the proxies of the newest plan it was given (`want`).

    `wait_idle()` blocks while the page waits for a frame; `on_made()` is called after each batch
    in which a proxy was made (the server re-plans and tells the page)."""

    def __init__(self, settings: Settings, *, wait_idle: Callable[[], None], on_made: Callable[[], None]) -> None:
        self.settings = settings
        self._wait_idle, self._on_made = wait_idle, on_made
        self._lock = threading.Lock()
        self._next: Prepared | None = None
        self._running = False
        self.stopped = threading.Event()
        self.failed: set[str] = set()  # clips ffmpeg could not proxy: drawn from the original, not retried

    def want(self, prepared: Prepared | None) -> None:
        """Make the proxies `prepared`'s footage lacks (after the ones being made now)."""
        if prepared is None or self.stopped.is_set():
            return
        with self._lock:
            self._next = prepared
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._loop, name="reel-studio-proxies", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _loop(self) -> None:
        while True:
            with self._lock:
                prepared, self._next = self._next, None
                if prepared is None or self.stopped.is_set():
                    self._running = False
                    return
            try:
                made = self._make(prepared)
                if made and not self.stopped.is_set():
                    self._on_made()
            except Exception:  # a bug here must not stop the preview: frames are then drawn from the originals
                traceback.print_exc(file=sys.stderr)

    def _make(self, prepared: Prepared) -> int:
        made = 0
        for job in missing_proxies(prepared.timeline):
            if self.stopped.is_set():
                break
            if str(job.path) in self.failed:
                continue
            self._wait_idle()
            if make_proxy(job, lambda argv, _job: run_ffmpeg(argv, stage="proxy", ffmpeg=self.settings.ffmpeg)):
                made += 1
            else:
                self.failed.add(str(job.path))
        return made

"""The page's "render draft" button: the normal draft render (`render_film(draft=True)`, every gate
included: flash, end card, verify) run in a background thread into Reel's cache, then played with sound.

One draft at a time. A draft is named by the plan's content hash, so the page plays it only while the
storyboard still plans to the same film; an edit makes it out of date (the page says so).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toolkit.errors import ReelError
from toolkit.film.pipeline import Prepared
from toolkit.film.render import render_film
from toolkit.settings import Settings

KEEP_FAILURES = 8  # why the drafts of the last few versions failed; older reasons are forgotten


class Drafts:
    """Draft renders for one studio; `on_done` is called (from the render thread) when one ends."""

    def __init__(self, settings: Settings, on_done: Callable[[], None]) -> None:
        self.settings = settings
        self.folder = settings.cache_root() / "studio" / "drafts"
        self._on_done = on_done
        self._lock = threading.Lock()
        self._running: str | None = None  # the key being rendered
        self._failed: dict[str, str] = {}  # key -> why its render failed (the newest KEEP_FAILURES)
        self._seconds: dict[str, float] = {}  # the kept draft's key -> how long it took (one entry)
        self._made: list[Path] = []  # this session's drafts: only the newest is kept

    def path(self, key: str) -> Path:
        return self.folder / f"draft-{key}.mp4"

    def status(self, key: str) -> dict[str, Any]:
        """`none`, `rendering` (this plan or an older one), `ready` or `failed` (with the reason)."""
        with self._lock:
            if self._running is not None:
                return {"state": "rendering", "current": self._running == key}
            if key in self._failed:
                return {"state": "failed", "message": self._failed[key]}
            if self.path(key).is_file():
                return {"state": "ready", "seconds": round(self._seconds.get(key, 0.0), 2)}
            return {"state": "none"}

    def start(self, prepared: Prepared, key: str) -> bool:
        """Start rendering the draft of `prepared` unless one is running; True when started."""
        with self._lock:
            if self._running is not None:
                return False
            self._running = key
            self._failed.pop(key, None)
        threading.Thread(target=self._render, args=(prepared, key), name="reel-studio-draft", daemon=True).start()
        return True

    def _render(self, prepared: Prepared, key: str) -> None:
        started = time.perf_counter()
        failure = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            render_film(prepared, self.path(key), draft=True, force=True, settings=self.settings)
        except (ReelError, OSError) as exc:  # a flashing film, a clip deleted meanwhile: said on the page
            failure = str(exc)
        with self._lock:
            self._running = None
            # a page open all day renders a draft per edit: what is remembered stays bounded
            if failure is not None:
                self._failed[key] = failure
                while len(self._failed) > KEEP_FAILURES:
                    del self._failed[next(iter(self._failed))]
            else:
                self._seconds = {key: time.perf_counter() - started}  # only the newest draft is kept
                self._keep_newest(self.path(key))
        self._on_done()

    def _keep_newest(self, newest: Path) -> None:
        # a long session must not fill the cache with a draft per edit
        for old in self._made:
            if old != newest:
                for path in (old, old.with_suffix(".srt"), old.with_suffix(".vtt")):
                    path.unlink(missing_ok=True)
        self._made = [newest]

"""Frames for the page, drawn by the same path as `reel still` and cached by content.

A frame's cache name is a hash of everything that decides its pixels: the plan (`Timeline.to_dict`,
which holds every text, position, trim and colour), the bytes of every media file it reads, Reel's
version and the frame number. Scrubbing back to a frame, or undoing an edit, is then a file read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.film.pipeline import Prepared
from toolkit.film.proxy import proxies_ready, proxy_dir
from toolkit.film.render import cache_dir, render_frames
from toolkit.media.digests import content_digest
from toolkit.settings import Settings, reel_version

KEEP_VERSIONS = 8  # the storyboard versions whose frames a session keeps
THUMB_PATIENCE = 10.0  # seconds a thumbnail waits for the frames on screen before it is drawn anyway


def film_key(prepared: Prepared, settings: Settings) -> str:
    """A hash of what shapes every frame of `prepared` (its plan, its media's bytes, and the draft
    proxies its footage is drawn from: `proxies.ProxyMaker` makes them as the studio runs)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(reel_version().encode())
    digest.update(json.dumps(prepared.timeline.to_dict(), sort_keys=True, default=str).encode())
    memo = settings.cache_root() / "studio" / "digests"
    for path in sorted(str(p) for p in prepared.inputs.media):
        digest.update(f"\0{path}\0{content_digest(Path(path), memo)}".encode())
    for job in sorted(p.path.name for p in proxies_ready(prepared.timeline, proxy_dir(cache_dir()))):
        digest.update(f"\0proxy\0{job}".encode())
    return digest.hexdigest()


class FrameCache:
    """PNG frames under `<Reel cache>/studio/`, one file per (film key, frame)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.folder = self.settings.cache_root() / "studio" / "frames"
        self._lock = threading.Lock()  # one thumbnail at a time (two cores)
        self._versions: list[str] = []  # film keys this session showed, oldest first
        self._drawing: dict[Path, threading.Event] = {}  # frames being drawn now (emptied as they end)
        self._drawing_lock = threading.Lock()
        self._idle = threading.Condition(self._drawing_lock)  # told when a drawing ends
        self.wanted = 0  # the frame the page asked for last: drawn ahead after a save (`ahead`)
        self._ahead_next: tuple[Prepared, str, int] | None = None
        self._ahead_running = False

    def note(self, key: str, keep: int = KEEP_VERSIONS) -> None:
        """`key` is the version on screen now. Frames of the versions before the last `keep` are
        deleted, so a page left open for a day of edits does not fill the disk; undoing to a recent
        version still finds its frames."""
        if key in self._versions:
            self._versions.remove(key)
        self._versions.append(key)
        while len(self._versions) > keep:
            old = self._versions.pop(0)
            for png in (self.folder / old[:2]).glob(f"{old}-*.png"):
                png.unlink(missing_ok=True)

    def path(self, key: str, frame: int) -> Path:
        return self.folder / key[:2] / f"{key}-{frame}.png"

    def frame(self, prepared: Prepared, key: str, frame: int) -> Path:
        """The PNG of output frame `frame` of `prepared`, drawn now unless cached.

        Not queued behind `thumb`: the frame the user is looking at comes first. A frame already
        being drawn (by `ahead`, or another page) is waited for, not drawn twice."""
        path = self.path(key, frame)
        while not path.is_file():
            with self._drawing_lock:
                running = self._drawing.get(path)
                if running is None:
                    mine = self._drawing[path] = threading.Event()
            if running is not None:
                running.wait()
                continue  # drawn; or its drawing failed and this request draws it (and says why)
            try:
                self._render(prepared, key, [frame])
            finally:
                with self._drawing_lock:
                    del self._drawing[path]
                    self._idle.notify_all()
                mine.set()
        return path

    def ahead(self, prepared: Prepared, key: str) -> None:
        """Draw the frame the page will ask for next (`wanted`, clamped to the film) in the background:
        after a save the edited frame is then being drawn while the page hears of the save and asks.
        One such thread at most; saves in a burst draw only the newest version's frame."""
        job = (prepared, key, min(self.wanted, prepared.timeline.frames - 1))
        with self._drawing_lock:
            self._ahead_next = job
            if self._ahead_running:
                return
            self._ahead_running = True
        threading.Thread(target=self._ahead_loop, name="reel-studio-ahead", daemon=True).start()

    def _ahead_loop(self) -> None:
        while True:
            with self._drawing_lock:
                job, self._ahead_next = self._ahead_next, None
                if job is None:
                    self._ahead_running = False
                    return
            try:
                self.frame(*job)
            except (ReelError, OSError):  # the page's own request draws it again and shows why
                continue

    def wait_idle(self) -> None:
        """Return once no frame is being drawn (background work such as proxies goes after the page)."""
        with self._idle:
            self._idle.wait_for(lambda: not self._drawing, timeout=THUMB_PATIENCE)

    def thumb(self, prepared: Prepared, key: str, frame: int) -> Path:
        """A scene's thumbnail: drawn once no frame the page waits for is being drawn, one at a time,
        so the strip never holds up the frame on screen (two cores: a batch of eleven thumbnails
        beside it made a scrub on the 60 s film twice as slow)."""
        path = self.path(key, frame)
        if path.is_file():
            return path
        with self._lock:
            with self._idle:
                self._idle.wait_for(lambda: not self._drawing, timeout=THUMB_PATIENCE)
            return self.frame(prepared, key, frame)

    def _render(self, prepared: Prepared, key: str, frames: list[int]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="reel-studio-", dir=self.folder) as tmp:
            pngs = render_frames(prepared, frames, Path(tmp), self.settings, proxies=True)
            for n, png in zip(frames, pngs, strict=True):
                target = self.path(key, n)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(png, target)  # same file system: a reader sees the whole PNG or none

"""Watch the storyboard's folder (captions, media, a template kept there) and refresh on a save."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

# Editors save in bursts (write, rename, chmod): wait this long for the burst to end, at most DEBOUNCE_MS
STEP_MS = 50
DEBOUNCE_MS = 400


def watched_paths(storyboard: Path, extra: list[Path]) -> list[Path]:
    """The storyboard's folder, plus the folders of files it reads from elsewhere (media), and any
    folder given itself (the templates)."""
    folders = {storyboard.resolve().parent}
    for path in extra:
        path = Path(path).resolve()
        folder = path if path.is_dir() else path.parent
        if folder.is_dir() and not any(folder.is_relative_to(f) for f in folders):
            folders.add(folder)
    return sorted(folders)


def _interesting(path: str) -> bool:
    # atomic writers' temporary files (.name.reel-tmp…, .#name, name~) come and go; the rename counts
    name = Path(path).name
    return not (name.startswith((".", "#")) or name.endswith("~"))


class Watcher(threading.Thread):
    """A daemon thread calling `on_change` after each burst of changes under `paths()`.

    `paths` is asked again after every change, so a template named by a new edit is watched too."""

    def __init__(self, paths: Callable[[], list[Path]], on_change: Callable[[], None]) -> None:
        super().__init__(name="reel-studio-watch", daemon=True)
        self._paths, self._on_change = paths, on_change
        self.stop_event = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        from watchfiles import watch

        paths = self._paths()
        while not self.stop_event.is_set():
            self.ready.set()
            for _changes in watch(*paths, step=STEP_MS, debounce=DEBOUNCE_MS, stop_event=self.stop_event,
                                  watch_filter=lambda _change, path: _interesting(path), raise_interrupt=False):
                self._changed()
                if self._paths() != paths:
                    break  # an edit named a file in another folder (a template): watch that too
            else:
                return  # stopped
            paths = self._paths()
            self._changed()  # what changed while the watch was being re-made is not lost

    def _changed(self) -> None:
        if self.stop_event.is_set():
            return
        try:
            self._on_change()
        except Exception:  # a bug must not stop the preview: report it and keep watching
            traceback.print_exc(file=sys.stderr)

    def stop(self) -> None:
        self.stop_event.set()

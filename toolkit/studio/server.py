"""Run the studio: a uvicorn server on 127.0.0.1, the file watcher, and the browser.

`StudioServer.run()` blocks until Ctrl-C or SIGTERM (uvicorn handles both in the main thread) or
`stop()`; `start()` runs it in a thread (tests, bench). Two studios never share a port: each binds
its own, and the frame cache they share is content-addressed and written atomically.
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import threading
import webbrowser
from collections.abc import Mapping
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.film.template.loader import templates_dir
from toolkit.settings import Settings
from toolkit.studio.app import make_app
from toolkit.studio.events import Hub
from toolkit.studio.frames import FrameCache
from toolkit.studio.proxies import ProxyMaker
from toolkit.studio.state import Studio
from toolkit.studio.watch import Watcher, watched_paths

HOST = "127.0.0.1"  # loopback only, never configurable: the studio is for the person at this machine


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (`port`, or a free one). Raises `ReelError` when it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port or 0))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ReelError(f"port {port} on {HOST} is in use (another studio?); leave out --port to use a free "
                            "one") from None
        raise ReelError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
    sock.listen(64)
    return sock


class StudioServer:
    """One storyboard's studio: refreshes on save, serves the page, stops cleanly."""

    def __init__(self, storyboard: Path, *, port: int | None = None, settings: Settings | None = None,
                 template: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        import uvicorn

        storyboard = Path(storyboard)
        if not storyboard.is_file():
            raise ReelError(f"{storyboard}: no such storyboard file")
        self.settings = settings or Settings()
        self.studio = Studio(storyboard, self.settings, template=template, fields=fields)
        self.cache = FrameCache(self.settings)
        self.hub = Hub()
        self.token = secrets.token_urlsafe(24)
        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}/?token={self.token}"
        first = self.studio.refresh()  # the first page shows the film (or its issues) at once
        if first.key:
            self.cache.note(first.key)
            self.cache.ahead(first.prepared, first.key)  # its first frame, drawn while the browser opens
        # footage seeks its draft proxies once they exist: made after the frames the page waits for
        self.proxies = ProxyMaker(self.settings, wait_idle=self.cache.wait_idle, on_made=self._changed)
        self.proxies.want(first.prepared)
        self.watcher = Watcher(self._paths, self._changed)
        app = make_app(self.studio, self.cache, self.hub, token=self.token, port=self.port)
        hub = self.hub

        class _Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: object) -> None:
                _quiet_shutdown()
                hub.close()  # end the event streams first, or shutdown would wait on every open page
                super().handle_exit(sig, frame)

        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2,
                                access_log=False)
        self.server = _Server(config)
        self._thread: threading.Thread | None = None

    def _paths(self) -> list[Path]:
        prepared = self.studio.snapshot.prepared
        extra: list[Path] = []
        # the templates (the storyboard's `template:` or --template, what they extend, their logos and
        # fonts), watched from the start, even while the named one does not load yet
        extra.append(templates_dir())
        if prepared is not None:
            extra += [doc.path for doc in prepared.template.documents.values()]
            extra += [Path(p) for p in prepared.inputs.media]
        return watched_paths(self.studio.storyboard, extra)

    def _changed(self) -> None:
        snapshot = self.studio.refresh()
        if snapshot.key:
            self.cache.note(snapshot.key)
            if not snapshot.stale:  # the edited frame starts now, not once the page has heard and asked
                self.cache.ahead(snapshot.prepared, snapshot.key)
                self.proxies.want(snapshot.prepared)  # a clip added or changed
        self.hub.publish("refresh", {"version": snapshot.version, "stale": snapshot.stale})

    def run(self, *, open_browser: bool = False) -> None:
        """Serve until Ctrl-C, SIGTERM or `stop()`; then stop watching and close the socket."""
        self.watcher.start()
        if open_browser:
            threading.Thread(target=self._open_when_up, daemon=True).start()
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.proxies.stop()
            self.hub.close()
            self.watcher.stop()
            self.watcher.join(timeout=5)
            self.sock.close()

    def _open_when_up(self) -> None:
        for _ in range(200):
            if self.server.started:
                webbrowser.open(self.url)
                return
            threading.Event().wait(0.05)

    def start(self, timeout: float = 20.0) -> StudioServer:
        """Run in a daemon thread; return once it answers and the watcher is watching."""
        self._thread = threading.Thread(target=self.run, name="reel-studio", daemon=True)
        self._thread.start()
        waited = threading.Event()
        for _ in range(int(timeout / 0.05)):
            if self.server.started and self.watcher.ready.is_set():
                return self
            waited.wait(0.05)
        raise ReelError(f"the studio did not start within {timeout:.0f}s")

    def stop(self) -> None:
        """Stop a server started with `start()` (or from another thread)."""
        _quiet_shutdown()
        self.hub.close()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


def _quiet_shutdown() -> None:
    # A frame still being drawn when the studio stops is cancelled after the grace period; uvicorn
    # would log each as "Exception in ASGI application" with a traceback. Stopping is not an error.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)

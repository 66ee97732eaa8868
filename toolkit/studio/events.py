"""Server-sent events: the watcher thread announces a refresh; every open page hears it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

KEEPALIVE_SECONDS = 15.0


class Hub:
    """Fan-out from threads to the event streams of open pages (each on the server's event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []
        self.closed = threading.Event()
        self.sent = 0

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Send one event to every page (callable from any thread)."""
        message = f"event: {event}\ndata: {json.dumps(data)}\n\n"
        with self._lock:
            self.sent += 1
            for loop, queue in self._queues:
                loop.call_soon_threadsafe(_offer, queue, message)

    def close(self) -> None:
        """End every stream (on shutdown), so the server does not wait on open pages."""
        self.closed.set()
        self.publish("bye", {})

    async def stream(self) -> AsyncIterator[str]:
        """One page's events, a comment now and then so proxies and browsers keep the line open."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._queues.append(entry)
        try:
            yield ": connected\n\n"
            while not self.closed.is_set():
                try:
                    message = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield message
        finally:
            with self._lock:
                self._queues.remove(entry)


def _offer(queue: asyncio.Queue, message: str) -> None:
    # a page that stopped reading misses events rather than growing the server's memory
    if not queue.full():
        queue.put_nowait(message)

"""Stop cleanly on SIGTERM and SIGHUP as on Ctrl-C: the CLI's handlers, installed per command.

`timeout`, `kill`, systemd and CI runners stop a program with SIGTERM; closing the terminal sends
SIGHUP. Python's default for both is to die on the spot, which would leave ffmpeg's half-written
temporary file behind. While a command runs, these handlers turn SIGINT, SIGTERM and SIGHUP into
`Interrupted` (a `KeyboardInterrupt`), so the same clean-up runs for all three: the runner kills
and reaps ffmpeg (`runner.stop`), `atomic_output` deletes the temporary file, and
the CLI exits with 128 + the signal number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).

A signal that was ignored when the command started (`nohup`, background jobs) stays ignored.
A second signal while that clean-up runs is ignored, so it cannot cut the clean-up short; the
clean-up takes well under a second.

Only the CLI installs these, and only around a command (the previous handlers are restored
afterwards): importing Reel as a library changes no signal handling.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

SIGNALS: tuple[signal.Signals, ...] = tuple(
    s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by a signal (Ctrl-C, SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


def exit_code(exc: BaseException) -> int:
    """The shell convention: 128 + the signal's number (130 for a plain KeyboardInterrupt)."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else int(signal.SIGINT))


def describe(exc: BaseException) -> str:
    """`Ctrl-C`, `SIGTERM`… for messages."""
    if isinstance(exc, Interrupted) and exc.signum != signal.SIGINT:
        return exc.name
    return "Ctrl-C"


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise `Interrupted` on SIGINT, SIGTERM and SIGHUP during the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if fired:
            return  # clean-up from the first signal is running: let it finish
        fired.append(signum)
        raise Interrupted(signum)

    previous = {}
    for sig in SIGNALS:
        # An ignored signal stays ignored: `nohup reel render …` must survive the terminal closing.
        if signal.getsignal(sig) == signal.SIG_IGN:
            continue
        with contextlib.suppress(OSError, ValueError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(sig, old if old is not None else signal.SIG_DFL)

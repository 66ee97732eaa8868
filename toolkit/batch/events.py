"""What a backend reports while a batch runs, and the shape every backend has."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from toolkit.batch.jobs import Job, Outcome

EventKind = Literal["started", "finished", "retrying"]


@dataclass(frozen=True, slots=True)
class Event:
    """Progress of a batch: job `index` started, finished (with its outcome) or is run again (why)."""

    kind: EventKind
    index: int
    outcome: Outcome | None = None
    reason: str = ""


Emit = Callable[[Event], None]


class Backend(Protocol):
    """Runs a batch's films and returns one outcome per job, in order (see `toolkit.batch.backends`)."""

    def run(self, jobs: Sequence[Job], emit: Emit) -> list[Outcome]: ...

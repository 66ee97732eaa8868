"""The Dask backend: a batch's films as tasks on an existing `dask.distributed` cluster.

Workers need Reel installed and the batch's files (storyboards, media, output folder) on storage
they all see under the same paths. Dask reschedules the tasks of a worker that is lost (up to the
scheduler's `allowed-failures`); the film's render is atomic, so the lost attempt leaves nothing
at the film's name, and the outcome says which worker was lost while it ran.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence

from toolkit.batch.events import Emit, Event
from toolkit.batch.jobs import Job, Outcome, run_job
from toolkit.batch.sizing import ENCODE_THREADS
from toolkit.errors import BatchError
from toolkit.settings import reel_version

# what `dask scheduler` prints: a protocol (Dask's default, tcp, when left out), a host (a name,
# IPv4 or [IPv6]) and a port
ADDRESS = re.compile(r"((tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}")
CONNECT_TIMEOUT = 5.0  # seconds: a scheduler that does not answer by then is reported, not waited for


def _suspicious(keys: list[str]):
    """On the scheduler: how many times each task was on a worker that died."""
    def count(dask_scheduler, keys=keys):
        return {k: dask_scheduler.tasks[k].suspicious for k in keys if k in dask_scheduler.tasks}
    return count


class DaskBackend:
    """Films as tasks on the Dask scheduler at `address` (`--scheduler tcp://host:8786`)."""

    def __init__(self, address: str, timeout: float = CONNECT_TIMEOUT, threads: int = ENCODE_THREADS) -> None:
        self.address, self.timeout, self.threads = address, timeout, threads

    def connect(self):
        """A client of the scheduler; `BatchError` naming the address when it does not answer in time."""
        if not ADDRESS.fullmatch(self.address):
            # checked first: a Client given a malformed address fails, then hangs 10 s in its clean-up
            raise BatchError(f"--scheduler {self.address!r} is not a scheduler's address: write it as "
                             "`dask scheduler` prints it, e.g. tcp://192.168.1.20:8786")
        try:
            from distributed import Client
        except ImportError as exc:
            raise BatchError(f"--scheduler needs dask.distributed ({exc}): pip install 'dask[distributed]'") from None
        try:
            return Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"no Dask scheduler answered at {self.address} within {self.timeout:g} s "
                             f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                             "start one with `dask scheduler` or check the address") from None

    def run(self, jobs: Sequence[Job], emit: Emit) -> list[Outcome]:
        client = self.connect()
        try:
            return self._run(client, jobs, emit)
        finally:
            client.close()

    def _run(self, client, jobs: Sequence[Job], emit: Emit) -> list[Outcome]:
        ready, unfit = workers_with_reel(client)
        if not ready:
            why = "; ".join(f"{worker}: {reason}" for worker, reason in unfit.items()) or "the cluster has no workers"
            outcomes = [Outcome(job, False, f"no worker of {self.address} can run this Reel ({why}): install Reel "
                                f"{reel_version()} on every worker") for job in jobs]
            for i, outcome in enumerate(outcomes):
                emit(Event("finished", i, outcome))
            return outcomes
        batch = uuid.uuid4().hex[:8]
        keys = [f"reel-film-{batch}-{i}" for i in range(len(jobs))]
        # only to workers that have this Reel: a worker that cannot unpickle the job drops its
        # connection to the scheduler and the film would wait for ever
        where = {"workers": ready, "allow_other_workers": False} if unfit else {}
        futures = [client.submit(run_job, job, self.threads, key=key, pure=False, **where)
                   for job, key in zip(jobs, keys, strict=True)]
        index = {key: i for i, key in enumerate(keys)}
        seen: dict[str, list[str]] = {key: [] for key in keys}  # workers each film was seen running on
        outcomes: dict[int, Outcome] = {}
        pending = set(futures)
        try:
            while pending:
                done = {f for f in pending if f.done()}
                if not done:
                    time.sleep(0.2)  # the futures' states are pushed to this client; reading them is free
                pending -= done
                self._watch(client, seen, index, emit)
                for future in done:
                    i = index[future.key]
                    outcomes[i] = _outcome(future, jobs[i])
                suspicious = client.run_on_scheduler(_suspicious([f.key for f in done])) if done else {}
                for future in done:
                    i = index[future.key]
                    lost = suspicious.get(future.key, 0)
                    if lost:
                        gone = [w for w in dict.fromkeys(seen[future.key]) if w != outcomes[i].worker]
                        why = (f"worker {gone[0]} was lost before the film was finished" if gone
                               else "its worker was lost before the film was finished")
                        outcomes[i] = outcomes[i].with_retries(tuple(f"{why}; Dask ran it again" for _ in range(lost)))
                    emit(Event("finished", i, outcomes[i]))
        except BaseException:
            client.cancel(futures)
            raise
        return [outcomes[i] for i in range(len(jobs))]

    def _watch(self, client, seen: dict[str, list[str]], index: dict[str, int], emit: Emit) -> None:
        """Note which worker runs which film (to name a lost one) and report films that started."""
        try:
            processing = client.processing()
        except (OSError, TimeoutError):
            return
        for worker, keys in processing.items():
            for key in keys:
                if key in seen and (not seen[key] or seen[key][-1] != worker):
                    if not seen[key]:
                        emit(Event("started", index[key]))
                    seen[key].append(worker)


def workers_with_reel(client) -> tuple[list[str], dict[str, str]]:
    """The workers that have this machine's Reel, and why each other one does not.

    Asked with `importlib.metadata.version`, which every Python can unpickle, so a worker without
    Reel answers too (with its error) instead of failing to load the question."""
    from importlib.metadata import version

    mine = reel_version()
    answers = client.run(version, "reel", on_error="return")
    ready: list[str] = []
    unfit: dict[str, str] = {}
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            unfit[worker] = "Reel is not installed there"
        elif answer != mine:
            unfit[worker] = f"it has Reel {answer}, this machine {mine}"
        else:
            ready.append(worker)
    return ready, unfit


def _outcome(future, job: Job) -> Outcome:
    """The film's outcome, or a failed one saying why the cluster could not run it."""
    try:
        return future.result()
    except (ImportError, AttributeError) as exc:  # the worker has no Reel, or another version of it
        return Outcome(job, False, f"a worker could not run Reel ({type(exc).__name__}: {exc}): install the same "
                       "Reel on every worker")
    except Exception as exc:  # KilledWorker, a worker-side crash: this film only, the batch goes on
        text = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(job, False, f"the cluster could not run it ({type(exc).__name__}: {text})")

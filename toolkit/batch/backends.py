"""Where a batch's films run: in this process, on a local process pool, or on a Dask cluster.

Every backend has the same shape: `run(jobs, emit)` returns one `Outcome` per job, in the jobs'
order, and calls `emit(Event)` as films start, finish or are run again. `BACKENDS` maps a name
to its class; `choose` picks one from the CLI's `--jobs` and `--scheduler`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from toolkit.batch.events import Backend, Emit, Event
from toolkit.batch.jobs import Job, Outcome, run_job
from toolkit.batch.sizing import ENCODE_THREADS
from toolkit.film.run.ownership import remove_stale_temps, remove_temps_under, this_process
from toolkit.settings import Settings

# A worker checks this often that its `reel` still runs, and once it is gone gives the film's
# clean-up this long before it exits.
ORPHAN_POLL_SECONDS = 0.5
ORPHAN_GRACE_SECONDS = 10.0


class InlineBackend:
    """One film after another in this process (`--jobs 1`)."""

    def __init__(self, threads: int = ENCODE_THREADS) -> None:
        self.threads = threads

    def run(self, jobs: Sequence[Job], emit: Emit) -> list[Outcome]:
        outcomes = []
        for index, job in enumerate(jobs):
            emit(Event("started", index))
            outcome = job.run(self.threads)
            emit(Event("finished", index, outcome))
            outcomes.append(outcome)
        return outcomes


def _worker_started() -> None:
    """In each pool worker: SIGTERM (sent when the batch is stopped) unwinds like Ctrl-C, so the
    film's render kills its ffmpeg and deletes its temporary file before the worker exits. A
    worker whose `reel` was killed outright (SIGKILL, no chance to stop its pool) does the same
    by itself (`_orphan_watch`)."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    threading.Thread(target=_orphan_watch, args=(os.getppid(),), name="reel-orphan-watch", daemon=True).start()


def _run_in_worker(job: Job, threads: int) -> Outcome:
    """`run_job` in a pool worker. Stopped (SIGTERM: the batch was stopped, or its `reel` is gone),
    the film unwinds through its clean-up and the worker exits at once: an idle worker would
    otherwise wait for more work, and stopping the pool would wait for it."""
    try:
        return run_job(job, threads)
    except KeyboardInterrupt:
        # a draft's pieces render in threads of their own: let them stop their ffmpeg and delete
        # their temporary files before the process goes
        deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        # what an interrupted step had half-written (a piece, a claims file): this process's own
        remove_temps_under(Settings.cache_root(), owner=this_process())
        remove_temps_under(job.target.parent, owner=this_process())
        os._exit(128 + signal.SIGTERM)


def _orphan_watch(parent: int, every: float = ORPHAN_POLL_SECONDS) -> None:
    """Stop this worker once its parent is gone (the worker is then re-parented).

    The worker's call queue holds both of its pipe's ends, so it never sees the parent go: it
    would wait for work for ever, and a film it was rendering would run on. SIGTERM unwinds the
    film as a stopped batch does (ffmpeg killed, its temporary file deleted); the worker then
    exits, whatever it was doing."""
    while os.getppid() == parent:
        time.sleep(every)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)  # the film's clean-up: killing ffmpeg, deleting a temp file
    os._exit(1)


class PoolBackend:
    """`jobs` films at once in worker processes on this machine (`--jobs N`).

    A worker that dies (killed, out of memory) breaks the whole pool: every film not yet finished
    is run again in a fresh pool, up to `retries` times, after its dead owner's temporary file is
    swept away; the outcome lists each retry and why.
    """

    def __init__(self, jobs: int, retries: int = 2, threads: int = ENCODE_THREADS) -> None:
        self.jobs, self.retries, self.threads = max(1, jobs), retries, threads

    def run(self, jobs: Sequence[Job], emit: Emit) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        reasons: dict[int, list[str]] = {i: [] for i in range(len(jobs))}
        todo = list(range(len(jobs)))
        for _ in range(self.retries + 1):
            if not todo:
                break
            lost = self._round(jobs, todo, reasons, outcomes, emit)
            if lost:
                remove_temps_under(Settings.cache_root())  # what the dead worker had half-made
            for i in lost:
                remove_stale_temps(jobs[i].target)
                reasons[i].append("a worker process died before the film was finished (the pool broke); "
                                  "run again in a fresh pool")
                emit(Event("retrying", i, reason=reasons[i][-1]))
            todo = lost
        for i in todo:
            outcomes[i] = Outcome(jobs[i], False, f"a worker process died on each of {self.retries + 1} tries",
                                  retried=tuple(reasons[i]))
            emit(Event("finished", i, outcomes[i]))
        return [outcomes[i] for i in range(len(jobs))]

    def _round(self, jobs: Sequence[Job], todo: list[int], reasons: dict[int, list[str]],
               outcomes: dict[int, Outcome], emit: Emit) -> list[int]:
        """Run `todo` in one pool; return the jobs the pool lost when a worker died."""
        # spawn: a fresh interpreter per worker, with this process's environment as it is now
        # ($REEL_CACHE, $REEL_FFMPEG) and none of its threads (the progress display) or locks
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(todo)), mp_context=context,
                                   initializer=_worker_started)
        futures: dict[Future, int] = {pool.submit(_run_in_worker, jobs[i], self.threads): i for i in todo}
        lost: list[int] = []
        started: set[int] = set()
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in pending:
                    if future.running() and futures[future] not in started:
                        started.add(futures[future])
                        emit(Event("started", futures[future]))
                for future in done:
                    i = futures[future]
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        lost.append(i)
                        continue
                    outcomes[i] = outcome.with_retries(tuple(reasons[i]))
                    emit(Event("finished", i, outcomes[i]))
        except BaseException:
            _stop(pool)
            for i in todo:
                remove_stale_temps(jobs[i].target)
            remove_temps_under(Settings.cache_root())  # the stopped workers' pieces, proxies, claims
            raise
        pool.shutdown(wait=True)
        return sorted(lost)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: its workers get SIGTERM (their renders clean up) and are waited for."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
    pool.shutdown(wait=False, cancel_futures=True)


def choose(jobs: int, scheduler: str | None) -> Backend:
    """The backend for `--jobs` and `--scheduler` (the cluster when a scheduler is named)."""
    if scheduler:
        return BACKENDS["dask"](scheduler)
    return BACKENDS["pool"](jobs) if jobs > 1 else BACKENDS["inline"]()


def _dask(address: str) -> Backend:
    from toolkit.batch.cluster import DaskBackend

    return DaskBackend(address)


BACKENDS: dict[str, Callable[..., Backend]] = {"inline": InlineBackend, "pool": PoolBackend, "dask": _dask}

"""Batches: many films rendered at once, in this process, on a local process pool or on a Dask cluster.

One job is one film (`jobs.FilmJob`: one storyboard rendered with the batch's options). A
backend (`backends.BACKENDS`, chosen by `backends.choose`) runs the jobs and reports progress
events; every film is written the way a single render writes it (atomic, owner-stamped temporary
file, per-film lock), so a worker that dies leaves nothing at the film's name and the film is
run again. Stands on `toolkit.film`; only `toolkit.cli` imports it.
"""

from toolkit.batch.backends import BACKENDS, choose
from toolkit.batch.events import Backend, Event
from toolkit.batch.jobs import FilmJob, FilmOptions, Outcome, run_film
from toolkit.batch.sizing import ENCODE_THREADS, default_jobs

__all__ = ["BACKENDS", "ENCODE_THREADS", "Backend", "Event", "FilmJob", "FilmOptions", "Outcome", "choose",
           "default_jobs", "run_film"]

"""Batches on a local process pool and on a Dask cluster (`reel render … --jobs N / --scheduler`).

Tiny draft films (one 2 s scene, its slate and end card). Each mode renders into its own
$REEL_CACHE, so no draft piece is reused between modes: the frames compared are each mode's own.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from toolkit.batch import ENCODE_THREADS, FilmJob, FilmOptions, default_jobs, run_film
from toolkit.batch.cluster import DaskBackend
from toolkit.cli import cli
from toolkit.errors import BatchError

pytestmark = pytest.mark.render
distributed = pytest.importorskip("distributed")

COLOURS = ("#2a9d8f", "#264653", "#e76f51")


def _storyboards(folder: Path, n: int = 2) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        sb = folder / f"film{i}.yaml"
        sb.write_text(f"title: Film {i}\nregion: IE\nscenes:\n  - background: '{COLOURS[i % 3]}'\n    duration: 2s\n"
                      f"    captions: Caption number {i}.\n", encoding="utf-8")
        out.append(sb)
    return out


def _frames_hash(film: Path, ffmpeg: str) -> str:
    """MD5 of the decoded picture (every frame, as decoded), not of the file."""
    run = subprocess.run([ffmpeg, "-v", "error", "-i", str(film), "-map", "0:v", "-f", "md5", "-"],
                         capture_output=True, text=True, check=True)
    return run.stdout.strip()


def _no_temps(folder: Path) -> None:
    assert not [p.name for p in folder.rglob(".*reel-tmp*")], "no temporary file may be left behind"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cache = tmp_path_factory.mktemp("dask-cache")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  env={"REEL_CACHE": str(cache)}) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def alone(tmp_path_factory, ffmpeg):
    """Each film rendered alone (`reel render ONE.yaml`), its decoded-frame hash by name."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("alone")
    hashes = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REEL_CACHE", str(folder / "cache"))
        for sb in _storyboards(folder):
            result = CliRunner().invoke(cli, ["render", str(sb), "--draft", "-q"])
            assert result.exit_code == 0, result.output
            hashes[sb.stem] = _frames_hash(sb.with_name(sb.stem + ".draft.mp4"), ffmpeg)
    return hashes


def _hashes(out: Path, ffmpeg: str) -> dict[str, str]:
    return {p.name.removesuffix(".draft.mp4"): _frames_hash(p, ffmpeg) for p in sorted(out.glob("*.draft.mp4"))}


def test_a_pool_worker_killed_mid_film_is_run_again_in_a_fresh_pool(runner, tmp_path, monkeypatch, alone, ffmpeg):
    """The pool renders the batch; the films killed with their worker are rendered again, identical."""
    import psutil

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    boards = _storyboards(tmp_path / "sb")
    out = tmp_path / "films"
    killed: list[int] = []

    def kill_a_rendering_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for child in psutil.Process().children():
                with contextlib.suppress(psutil.Error):
                    if "spawn_main" in " ".join(child.cmdline()) and child.children():  # its ffmpeg runs
                        child.kill()
                        killed.append(child.pid)
                        break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_rendering_worker)
    killer.start()
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--jobs", "2", "--out-dir", str(out)])
    killer.join()
    assert killed, "no pool worker was seen rendering"
    assert result.exit_code == 0, result.output
    assert re.search(r"2 of 2 films rendered \([12] run again after a lost worker\)", result.output)
    assert "a worker process died before the film was finished (the pool broke); run again in a fresh pool" in \
        result.output
    assert _hashes(out, ffmpeg) == alone
    _no_temps(out)


def _pool_batch_rendering(boards: list[Path], out: Path, cache: Path, **popen):
    """`reel render BOARDS --jobs 2` started in a subprocess, returned once ffmpeg runs under it:
    (the process, its children then: workers and ffmpeg)."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "render", *map(str, boards), "--draft", "-q",
                             "--jobs", "2", "--out-dir", str(out)], env=dict(os.environ, REEL_CACHE=str(cache)),
                            **popen)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            if any(p.name().startswith("ffmpeg") for p in parent.children(recursive=True)):
                break
        time.sleep(0.05)
    return proc, parent.children(recursive=True)


def test_sigterm_stops_the_pool_and_leaves_nothing_behind(tmp_path):
    import psutil

    boards = _storyboards(tmp_path / "sb")
    out = tmp_path / "films"
    proc, family = _pool_batch_rendering(boards, out, tmp_path / "cache", stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 143, output
    assert "interrupted (SIGTERM)" in output and "nothing else was written" in output
    _no_temps(tmp_path)
    assert not list(out.glob("*.mp4")) or "saved, complete and checked" in output
    time.sleep(0.5)
    assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "workers or ffmpeg left"


def test_the_cluster_renders_a_batch_with_the_same_frames(runner, tmp_path, cluster, alone, ffmpeg):
    boards = _storyboards(tmp_path / "sb")
    out = tmp_path / "films"
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--scheduler",
                                 cluster.scheduler_address, "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 of 2 films rendered" in result.output
    assert _hashes(out, ffmpeg) == alone
    _no_temps(out)


def test_a_worker_killed_mid_film_is_replaced_and_the_summary_says_so(runner, tmp_path, cluster, alone, ffmpeg):
    boards = _storyboards(tmp_path / "sb")
    out = tmp_path / "films"
    killed: list[str] = []

    def kill_a_busy_worker() -> None:
        with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                busy = [w for w, keys in client.processing().items() if any(k.startswith("reel-film") for k in keys)]
                if busy:
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    time.sleep(0.5)  # into the film's render, past its planning
                    os.kill(pid, signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--scheduler",
                                 cluster.scheduler_address, "--out-dir", str(out)])
    killer.join()
    assert killed, "no worker was seen rendering"
    assert result.exit_code == 0, result.output
    # the film it was rendering, and any it had been handed to render next
    assert re.search(r"2 of 2 films rendered \([12] run again after a lost worker\)", result.output)
    assert f"worker {killed[0]} was lost before the film was finished; Dask ran it again" in result.output
    assert _hashes(out, ffmpeg) == alone  # every film present and correct
    _no_temps(out)


def test_a_file_missing_on_the_worker_fails_that_film_only(runner, tmp_path, cluster):
    boards = _storyboards(tmp_path / "sb", 2)
    gone = tmp_path / "elsewhere" / "not-shared.yaml"
    out = tmp_path / "films"
    result = runner.invoke(cli, ["render", str(boards[0]), str(gone), str(boards[1]), "--draft", "-q",
                                 "--scheduler", cluster.scheduler_address, "--out-dir", str(out)])
    assert result.exit_code == 1
    assert f"{gone}: {gone} does not exist on the worker" in result.output
    assert "must be on storage every worker sees" in result.output
    assert "2 of 3 films rendered" in result.output
    assert sorted(p.name for p in out.glob("*.mp4")) == ["film0.draft.mp4", "film1.draft.mp4"]


def test_workers_without_this_reel_fail_each_film_clearly_and_at_once(runner, tmp_path, cluster, monkeypatch):
    import distributed

    from toolkit.batch import cluster as cluster_module

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        ready, unfit = cluster_module.workers_with_reel(client)
    assert len(ready) == 2 and not unfit  # the test cluster's workers run this Reel
    # as if this machine ran another Reel than the workers (a worker without Reel at all answers
    # with its PackageNotFoundError and is refused the same way; sent the job, it would never answer)
    monkeypatch.setattr(cluster_module, "reel_version", lambda: "0.0-elsewhere")
    boards = _storyboards(tmp_path / "sb", 2)
    started = time.monotonic()
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--scheduler",
                                 cluster.scheduler_address, "--out-dir", str(tmp_path / "films")])
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert f"no worker of {cluster.scheduler_address} can run this Reel" in result.output
    assert "install Reel 0.0-elsewhere on every worker" in result.output
    assert "0 of 2 films rendered" in result.output
    assert not list((tmp_path / "films").glob("*.mp4"))


@pytest.mark.parametrize("address", ["not an address", "tcp://", "tcp://host", "tcp://a b:1", "http://x:1"])
def test_a_malformed_scheduler_address_is_refused_at_once(runner, tmp_path, address):
    boards = _storyboards(tmp_path / "sb", 1)
    started = time.monotonic()
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "--scheduler", address])
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert f"--scheduler {address!r} is not a scheduler's address: write it as `dask scheduler` prints it" \
        in result.output


def test_a_scheduler_that_does_not_answer_is_named_within_seconds(runner, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    boards = _storyboards(tmp_path / "sb", 2)
    started = time.monotonic()
    result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "--scheduler", address])
    took = time.monotonic() - started
    assert result.exit_code == 1
    assert f"no Dask scheduler answered at {address} within 5 s" in result.output
    assert took < 15
    with pytest.raises(BatchError, match=r"no Dask scheduler answered at tcp://127\.0\.0\.1"):
        DaskBackend(address, timeout=1).connect()
    assert not list((tmp_path / "sb").glob("*.mp4"))


def test_a_missing_storyboard_is_reported_by_the_job_itself(tmp_path):
    job = FilmJob(tmp_path / "absent.yaml", tmp_path / "absent.mp4", FilmOptions(draft=True))
    outcome = run_film(job, ENCODE_THREADS)
    assert not outcome.ok and str(tmp_path / "absent.yaml") in outcome.line and "worker" in outcome.line


def test_default_jobs_follow_cores_and_memory():
    assert default_jobs(cpus=2, memory=16 << 30) == 1  # one film per ENCODE_THREADS cores
    assert default_jobs(cpus=16, memory=64 << 30) == 8
    assert default_jobs(cpus=16, memory=3 << 30) == 3  # memory caps it
    assert default_jobs(cpus=1, memory=0) == 1


def test_a_folder_is_graded_on_the_pool_like_one_clip_at_a_time(runner, tmp_path, ffmpeg):
    import json

    from grade_clips import ClipMaker

    folder = tmp_path / "cohort"
    folder.mkdir()
    maker = ClipMaker(folder, ffmpeg)
    maker.lavfi("a.mp4", "testsrc2=s=216x384:r=15", seconds=2)
    maker.lavfi("b.mp4", "testsrc2=s=216x384:r=15", seconds=2, lufs=None)
    (folder / "notes.txt").write_text("not a clip", encoding="utf-8")
    scores = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"grades-{jobs}"
        result = runner.invoke(cli, ["grade", str(folder), "--jobs", jobs, "--out", str(out)])
        assert result.exit_code in (0, 3), result.output
        assert "skipped" in result.output and "notes.txt" in result.output
        scores[jobs] = {p.name: json.loads(p.read_text(encoding="utf-8"))["score"] for p in out.glob("*.json")}
        rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()[1:]
        scores[jobs]["gradebook"] = sorted(",".join(row.split(",")[:3]) for row in rows)
    assert scores["1"] == scores["2"]
    assert {"a.mp4.json", "b.mp4.json"} < set(scores["2"]) and len(scores["2"]["gradebook"]) == 3


def test_a_folder_of_10000_files_takes_only_the_clips_quickly(tmp_path):
    from toolkit.grade.batch import collect_clips

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / (f"clip{i}.mp4" if i % 1000 == 0 else f"note{i}.txt")).touch()
    started = time.monotonic()
    clips, skipped = collect_clips([folder])
    assert time.monotonic() - started < 2.0
    assert len(clips) == 10 and all(c.suffix == ".mp4" for c in clips) and len(skipped) == 9_990


def test_changed_on_the_pool_renders_only_the_edited_films(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    boards = _storyboards(tmp_path / "sb", 3)
    out = tmp_path / "films"
    first = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--jobs", "2", "--out-dir", str(out)])
    assert first.exit_code == 0, first.output
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    for edited in (boards[0], boards[2]):  # two stale films: rendered again on the pool, the third skipped
        edited.write_text(edited.read_text(encoding="utf-8").replace("Caption number", "Edited caption"),
                          encoding="utf-8")
    again = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--jobs", "2", "--changed",
                                "--out-dir", str(out)])
    assert again.exit_code == 0, again.output
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    assert [name for name in sorted(after) if after[name] != before[name]] == ["film0.draft.mp4", "film2.draft.mp4"]
    assert "2 of 2 films rendered" in again.output


def test_a_second_batch_writing_the_same_film_is_refused_for_that_film(runner, tmp_path, monkeypatch):
    from toolkit.film.run.ownership import target_lock

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    boards = _storyboards(tmp_path / "sb")
    out = tmp_path / "films"
    out.mkdir()
    busy = out / "film0.draft.mp4"
    with target_lock(busy):  # another batch is writing film0 right now
        result = runner.invoke(cli, ["render", *map(str, boards), "--draft", "-q", "--jobs", "2",
                                     "--out-dir", str(out)])
    assert result.exit_code == 1
    assert f"another Reel render is writing {busy}" in result.output and "1 of 2 films rendered" in result.output
    assert not busy.exists() and (out / "film1.draft.mp4").exists()
    _no_temps(out)


def test_workers_stop_and_clean_up_when_reel_is_killed_outright(tmp_path):
    import psutil

    boards = _storyboards(tmp_path / "sb")
    for board in boards:  # long enough to be mid-film when the kill lands
        board.write_text(board.read_text(encoding="utf-8").replace("duration: 2s", "duration: 40s"),
                         encoding="utf-8")
    out = tmp_path / "films"
    proc, family = _pool_batch_rendering(boards, out, tmp_path / "cache", stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
    assert family, "no worker started"
    proc.kill()  # SIGKILL: the pool is never told to stop
    proc.wait(timeout=10)
    _, alive = psutil.wait_procs(family, timeout=30)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:
        p.kill()
    assert not alive, f"left running after reel was killed: {[p.name() for p in alive]}"
    assert not list(out.glob("*.mp4"))  # no film was finished, and none half-written
    _no_temps(tmp_path)

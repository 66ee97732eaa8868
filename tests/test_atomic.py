"""Atomic output without replacing: names checked up front, the target's lock, no-replace moves and
the clean-up of temporary files that killed renders left (real processes, no mocks of the kernel)."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from toolkit.errors import OutputError
from toolkit.film.run import atomic, ownership
from toolkit.film.run.atomic import atomic_output, check_output
from toolkit.film.run.ownership import Owner, remove_stale_temps, target_lock, temp_name, temp_owner, this_process

# ------------------------------------------------------------------ the name, before any work


def test_check_output_names_every_problem_plainly(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"contains a NUL character \(\\x00\), which no file name can hold"):
        check_output(tmp_path / "a\x00b.mp4", kind="film")
    with pytest.raises(OutputError, match="is 300 characters long; names on this disk can be at most 255 bytes"):
        check_output(tmp_path / ("x" * 296 + ".mp4"), kind="film")
    with pytest.raises(OutputError, match=r"is 300 characters \(596 bytes\) long"):  # the limit is in bytes
        check_output(tmp_path / ("é" * 296 + ".mp4"), kind="film")
    deep = tmp_path.joinpath(*["d" * 200] * 25, "film.mp4")  # every name short, the path > PATH_MAX
    with pytest.raises(OutputError, match="the output path is too long"):
        check_output(deep, kind="film")
    with pytest.raises(OutputError, match=r"film\.webm: films are written as MP4; name the output film\.mp4"):
        check_output(tmp_path / "film.webm", kind="film")
    with pytest.raises(OutputError, match=r"name the output card\.png"):
        check_output(tmp_path / "card.jpeg", kind="image")
    with pytest.raises(OutputError, match="the folder does not exist"):
        check_output(tmp_path / "nope" / "film.mp4", kind="film")
    with pytest.raises(OutputError, match=r"the output name is empty: give a file name such as still\.png"):
        check_output("", kind="image")
    folder = re.escape(f"{tmp_path} is a folder: give a file name, e.g. {tmp_path}/film.mp4")
    with pytest.raises(OutputError, match=folder):
        check_output(tmp_path, kind="film")
    assert check_output(tmp_path / "Film.MP4", kind="film") == tmp_path / "Film.MP4"
    assert check_output(Path("rel.png"), kind="image") == Path.cwd() / "rel.png"


def test_a_dangling_symlink_counts_as_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "film.mp4").symlink_to(tmp_path / "gone.mp4")
    with pytest.raises(OutputError, match="already exists: use --force"):
        check_output(tmp_path / "film.mp4", kind="film")


def test_long_names_still_fit_their_temporary_and_lock_names(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 240 + ".mp4")
    with atomic_output(target, force=False, inputs=(), kind="film") as temp:
        assert len(temp.name.encode()) <= 255 and len(ownership.lock_path(target).name) <= 255
        assert temp_owner(temp.name, target.name) == this_process()
        temp.write_bytes(b"film")
    assert target.read_bytes() == b"film"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# ------------------------------------------------------------------ never replace without --force


# The three ways of moving without replacing, from best to last resort.
def _only_link(monkeypatch):
    monkeypatch.setattr(atomic, "_rename_noreplace", lambda src, dst: False)


def _only_claim(monkeypatch):
    _only_link(monkeypatch)

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")  # what vfat/exFAT answer

    monkeypatch.setattr(atomic.os, "link", no_links)


MOVES = {"renameat2": lambda monkeypatch: None, "link": _only_link, "claim": _only_claim}


@pytest.mark.parametrize("move", MOVES)
def test_a_file_that_appears_during_the_write_is_never_replaced(tmp_path: Path, monkeypatch, move: str) -> None:
    MOVES[move](monkeypatch)
    target = tmp_path / "film.mp4"
    with pytest.raises(OutputError) as caught, atomic_output(target, force=False, inputs=()) as temp:
        temp.write_bytes(b"second")
        target.write_bytes(b"first")  # another program (or an older Reel) finished first
    assert str(caught.value).startswith(f"{target} appeared while this was rendering")
    assert "it was left as it is and this result was not saved: use --force" in str(caught.value)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]  # no temp, no lock file


@pytest.mark.parametrize("move", MOVES)
def test_each_move_puts_the_file_in_place(tmp_path: Path, monkeypatch, move: str) -> None:
    MOVES[move](monkeypatch)
    target = tmp_path / "film.mp4"
    with atomic_output(target, force=False, inputs=()) as temp:
        temp.write_bytes(b"film")
    assert target.read_bytes() == b"film" and target.stat().st_nlink == 1
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]


def test_with_force_the_last_write_wins(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    with atomic_output(target, force=True, inputs=()) as temp:
        temp.write_bytes(b"mine")
        target.write_bytes(b"theirs")
    assert target.read_bytes() == b"mine"


# ------------------------------------------------------------------ the lock


def _hold_lock(target: Path) -> subprocess.Popen[str]:
    """Another process holding `target`'s lock until its stdin closes."""
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from toolkit.film.run.ownership import target_lock
        with target_lock(Path({str(target)!r})):
            print("locked", flush=True)
            sys.stdin.read()
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def test_a_second_writer_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    child = _hold_lock(target)
    try:
        with pytest.raises(OutputError) as caught, atomic_output(target, force=True, inputs=()):
            pytest.fail("the block must not run while another process holds the lock")
        assert str(caught.value) == (f"another Reel render is writing {target} (pid {child.pid}): wait for it "
                                     "to finish, or choose another output name")
    finally:
        child.kill()
        child.wait()
    # The kernel released the dead holder's lock: the next writer takes it over and cleans up.
    with atomic_output(target, force=False, inputs=()) as temp:
        temp.write_bytes(b"film")
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]


def test_the_lock_is_reentrant_within_a_process_and_removed_after(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    with target_lock(target):
        with atomic_output(target, force=False, inputs=()) as temp:
            temp.write_bytes(b"film")
        assert ownership.lock_path(target).exists()  # still held by the outer block
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]


def test_a_symlinked_lock_file_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    ownership.lock_path(tmp_path / "film.mp4").symlink_to(victim)
    with pytest.raises(OutputError, match="cannot write to"), target_lock(tmp_path / "film.mp4"):
        pass
    assert victim.read_text() == "keep me"


# ------------------------------------------------------------------ stale temporary files


def _dead_process() -> Owner:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    start = ownership._start_time(child.pid)
    child.wait()
    return Owner(this_process().host, child.pid, start or 1)


def test_temp_names_round_trip_and_reject_near_misses() -> None:
    me = this_process()
    name = temp_name("my film.v2.mp4", me)
    assert name.startswith(".my film.v2.reel-tmp-") and name.endswith(".mp4")
    assert temp_owner(name, "my film.v2.mp4") == me
    assert temp_owner(name, "my film.v2.png") is None and temp_owner(name, "other.mp4") is None
    stamp = me.stamp()
    for near in (".my film.v2.reel-tmp-1a2b3c4d.mp4",  # the old, unstamped pattern
                 f".my film.v2.reel-tmp-{stamp}-xyz12345.mp4", f".my film.v2.reel-tmp-{stamp}.mp4",
                 f".my film.v2.reel-tmp-{stamp}-1a2b3c4d.mp4.part", f"my film.v2.reel-tmp-{stamp}-1a2b3c4d.mp4"):
        assert temp_owner(near, "my film.v2.mp4") is None, near


def test_only_dead_owners_temps_of_the_same_target_are_removed(tmp_path: Path) -> None:
    me, dead = this_process(), _dead_process()
    live = Owner(me.host, os.getppid(), ownership._start_time(os.getppid()) or 0)
    recycled = Owner(me.host, os.getppid(), (live.start or 0) + 12345)  # a live pid, but another process
    elsewhere = Owner("another.host", dead.pid, dead.start)
    target = tmp_path / "film.mp4"

    def make(owner: Owner, name: str = "film.mp4") -> Path:
        path = tmp_path / temp_name(name, owner)
        path.write_bytes(b"x")
        return path

    stale = [make(dead), make(recycled)]
    kept = [make(me), make(live), make(elsewhere), make(dead, "other.mp4"), make(dead, "film.png")]
    odd = [tmp_path / ".film.reel-tmp-1a2b3c4d.mp4", tmp_path / f".film.reel-tmp-{dead.stamp()}-zz.mp4"]
    for path in odd:
        path.write_bytes(b"x")
    folder = tmp_path / temp_name("film.mp4", dead)
    folder.mkdir()
    link = tmp_path / temp_name("film.mp4", dead)
    link.symlink_to(kept[0])

    assert sorted(remove_stale_temps(target)) == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in [*kept, *odd, folder]) and link.is_symlink()

"""`reel render` as real processes: stopped by signals, killed outright, or racing another render.

Nothing unverified is left behind (SIGTERM, SIGHUP and Ctrl-C clean up and stop ffmpeg; what a
SIGKILL leaves is removed by the next render), and no render replaces another.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import media_factory as mf
import pytest

pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def long_film(tmp_path_factory) -> Path:
    """A storyboard whose final render runs long enough to be stopped mid-way (20 s of footage)."""
    folder = tmp_path_factory.mktemp("signals")
    mf.make_video(folder / "clip.mp4", seconds=20.0)
    sb = folder / "long.yaml"
    sb.write_text("title: Long\nregion: IE\nscenes:\n  - background: clip.mp4\n    duration: 20s\n"
                  "    captions: A caption for the test.\n", encoding="utf-8")
    return sb


def _reel(*args: str | Path, group: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "toolkit", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=group)


def _wait_for_render(child: subprocess.Popen[str], folder: Path, target: Path, timeout: float = 90) -> Path:
    """Wait until ffmpeg has written into the hidden temporary file; return its path."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        temps = [p for p in folder.glob(f".{target.stem}.reel-tmp-*{target.suffix}") if p.stat().st_size > 0]
        if temps:
            return temps[0]
        if child.poll() is not None:
            pytest.fail(f"reel ended before rendering: {child.communicate()}")
        time.sleep(0.05)
    child.kill()
    pytest.fail("the render did not start in time")


def _processes_naming(text: str) -> list[int]:
    """Live processes whose command line contains `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize(("sig", "code", "said", "group"), [
    (signal.SIGTERM, 143, "SIGTERM", False), (signal.SIGHUP, 129, "SIGHUP", False),
    (signal.SIGINT, 130, "Ctrl-C", False), (signal.SIGTERM, 143, "SIGTERM", True), (signal.SIGHUP, 129, "SIGHUP", True),
], ids=["term", "hup", "int", "term-group", "hup-group"])
def test_a_signal_mid_render_stops_ffmpeg_and_leaves_nothing(long_film, tmp_path, sig, code, said, group):
    target = tmp_path / "film.mp4"
    child = _reel("render", long_film, "-q", "-o", target, group=group)
    try:
        temp = _wait_for_render(child, tmp_path, target)
        assert _processes_naming(str(temp)), "ffmpeg should be writing the temporary file"
        if group:  # as `timeout` and a closing terminal do: ffmpeg gets the signal too
            os.killpg(child.pid, sig)
        else:  # to reel alone, as `kill` does: reel must stop its own ffmpeg
            child.send_signal(sig)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == code, err
    assert f"interrupted ({said}): nothing was written to {target}" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no film, no temporary file, no lock file
    assert not _processes_naming(str(temp))  # ffmpeg was stopped before reel exited


def test_what_a_sigkill_leaves_is_removed_by_the_next_render(long_film, tmp_path):
    target = tmp_path / "film.mp4"
    child = _reel("render", long_film, "-q", "-o", target)
    try:
        temp = _wait_for_render(child, tmp_path, target)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    deadline = time.monotonic() + 10
    while _processes_naming(str(temp)) and time.monotonic() < deadline:  # ffmpeg dies with its parent
        time.sleep(0.1)
    assert not _processes_naming(str(temp))
    left = sorted(p.name for p in tmp_path.iterdir())
    # the film's and its caption files' locks and temporary files, all of the killed process, nothing else
    locks = [".film.mp4.reel-lock", ".film.srt.reel-lock", ".film.vtt.reel-lock", ".film.reel.json.reel-lock"]
    assert temp.name in left and f"-{child.pid}-" in temp.name and ".film.mp4.reel-lock" in left
    assert all(name in locks or (name.startswith((".film.reel-tmp-", ".film.reel.reel-tmp-"))  # the manifest's too
                                 and f"-{child.pid}-" in name) for name in left)
    again = _reel("render", long_film, "--draft", "-q", "-o", target)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "flash gate passed" in out
    # the stale temporary files and locks are gone: the film and its caption files remain
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "film.reel.json", "film.srt", "film.vtt"]


def test_two_renders_to_one_path_make_one_film_and_never_replace_it(long_film, tmp_path):
    target = tmp_path / "film.mp4"
    first = _reel("render", long_film, "--draft", "-q", "-o", target)
    try:
        _wait_for_render(first, tmp_path, target)
        first.send_signal(signal.SIGSTOP)  # hold the first mid-render, however slow the machine is
        try:
            second = _reel("render", long_film, "--draft", "-q", "--force", "-o", target)
            _, err = second.communicate(timeout=60)
        finally:
            first.send_signal(signal.SIGCONT)
        assert second.returncode == 1
        assert f"another Reel render is writing {target} (pid {first.pid})" in err
        _, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    made = target.stat()
    # a final never replaces a film without --force (a draft may replace its own earlier draft)
    again = _reel("render", long_film, "-q", "-o", target)
    _, err = again.communicate(timeout=60)
    assert again.returncode == 1 and f"{target} already exists: use --force" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "film.reel.json", "film.srt", "film.vtt"]
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (made.st_ino, made.st_mtime_ns, made.st_size)


def test_importing_reel_installs_no_signal_handlers():
    script = """
import importlib, pkgutil, signal
import toolkit
for info in pkgutil.walk_packages(toolkit.__path__, "toolkit."):
    if info.name not in ("toolkit.__main__",):
        importlib.import_module(info.name)
assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, signal.getsignal(signal.SIGTERM)
assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL, signal.getsignal(signal.SIGHUP)
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_cli_restores_the_handlers_after_a_command(runner, tmp_path):
    from toolkit.cli import cli

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    result = runner.invoke(cli, ["render", str(tmp_path / "none.yaml"), "-o", str(tmp_path / "x.mkv")])
    assert result.exit_code == 1
    assert {s: signal.getsignal(s) for s in before} == before


def test_nohup_keeps_sighup_ignored(long_film, tmp_path):
    target = tmp_path / "film.mp4"
    child = subprocess.Popen([sys.executable, "-c", "import signal, sys, runpy; signal.signal(signal.SIGHUP, "
                              "signal.SIG_IGN); sys.argv = ['reel', *sys.argv[1:]]; runpy.run_module('toolkit', "
                              "run_name='__main__')", "render", str(long_film), "--draft", "-q", "-o", str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_render(child, tmp_path, target)
        child.send_signal(signal.SIGHUP)
        _, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert target.exists()

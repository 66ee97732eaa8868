"""The runner: progress, failures with hints, stopping ffmpeg, and atomic output (including SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from toolkit.errors import OutputError, RenderError
from toolkit.film.compile.graph import RenderCommands
from toolkit.film.run.runner import Progress, atomic_output, run_ffmpeg, run_render

pytestmark = pytest.mark.render


def _encode(output: str, seconds: float = 1, size: str = "108x192", extra: tuple[str, ...] = ()) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-y",
            "-f", "lavfi", "-i", f"testsrc2=s={size}:r=30:d={seconds}", *extra, "-c:v", "libx264",
            "-preset", "ultrafast", "-frames:v", str(int(seconds * 30)), output]


# ------------------------------------------------------------------ run_ffmpeg


def test_progress_is_reported_until_done(tmp_path: Path) -> None:
    seen: list[Progress] = []
    run_ffmpeg(_encode(str(tmp_path / "a.mp4"), seconds=2), stage="render", total_frames=60, on_progress=seen.append)
    assert seen and seen[-1].done and seen[-1].frame == 60 and seen[-1].fraction == 1.0
    assert [p.frame for p in seen] == sorted(p.frame for p in seen)
    assert (tmp_path / "a.mp4").stat().st_size > 0


def _produce(frames: int, source: str = "testsrc2=s=108x192:r=30") -> tuple[str, ...]:
    return ("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-f", "lavfi", "-i", source,
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-frames:v", str(frames), "pipe:1")


def _consume(output: str, frames: int) -> tuple[str, ...]:
    return ("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-y",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "108x192", "-framerate", "30", "-i", "pipe:0",
            "-c:v", "libx264", "-preset", "ultrafast", "-frames:v", str(frames), output)


def test_chunks_are_piped_in_order_into_one_encoder(tmp_path: Path) -> None:
    out = tmp_path / "piped.mp4"
    seen: list[Progress] = []
    run_render(RenderCommands((_produce(20), _produce(25, "color=c=red:s=108x192:r=30"), _produce(15)),
                              _consume(str(out), 60)), stage="render", total_frames=60, on_progress=seen.append)
    assert seen[-1].done and seen[-1].frame == 60
    import av
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 60
    red = frames[20:45]
    assert all(abs(int(f[96, 54, 0]) - 255) < 12 and f[96, 54, 1] < 12 for f in red)  # the second chunk, in place
    assert not any(abs(int(f[96, 54, 0]) - 255) < 12 and f[96, 54, 1] < 12 for f in frames[45:])


def test_a_failing_chunk_is_named_with_its_own_log(tmp_path: Path) -> None:
    broken = ("ffmpeg", "-hide_banner", "-nostdin", "-i", str(tmp_path / "gone.mp4"), "-f", "rawvideo", "pipe:1")
    with pytest.raises(RenderError) as caught:
        run_render(RenderCommands((_produce(10), broken), _consume(str(tmp_path / "x.mp4"), 40)), stage="render")
    assert caught.value.stage == "render (chunk 2 of 2)" and "input file is missing" in str(caught.value)
    assert "gone.mp4" in caught.value.log_tail


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_when_the_encoder_fails_its_error_is_reported(tmp_path: Path) -> None:
    consumer = (*_consume("/dev/full", 60)[:-1], "-f", "matroska", "/dev/full")
    with pytest.raises(RenderError) as caught:
        run_render(RenderCommands((_produce(30), _produce(30)), consumer), stage="render")
    assert caught.value.stage == "render" and "the disk is full" in str(caught.value)


def test_a_missing_input_fails_with_a_hint_and_the_log_tail(tmp_path: Path) -> None:
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(tmp_path / "gone.mp4"), "-f", "null", "-"]
    with pytest.raises(RenderError) as caught:
        run_ffmpeg(argv, stage="render")
    error = caught.value
    assert error.stage == "render" and "input file is missing" in str(error)
    assert "gone.mp4" in error.log_tail and error.argv[1:] == tuple(argv[1:])


def test_a_damaged_input_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(RenderError, match="damaged"):
        run_ffmpeg(["ffmpeg", "-nostdin", "-i", str(bad), "-f", "null", "-"], stage="render")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_a_full_disk_gives_a_plain_message() -> None:
    with pytest.raises(RenderError) as caught:
        run_ffmpeg(_encode("/dev/full", extra=("-f", "matroska")), stage="render")
    assert "the disk is full" in str(caught.value).splitlines()[0]


def test_a_missing_ffmpeg_binary_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="ffmpeg not found"):
        run_ffmpeg(["ffmpeg", "-version"], stage="render", ffmpeg=str(tmp_path / "no-ffmpeg"))


def test_an_exception_in_the_callback_stops_ffmpeg_promptly(tmp_path: Path) -> None:
    def interrupt(progress: Progress) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_ffmpeg(_encode(str(tmp_path / "long.mp4"), seconds=600), stage="render", on_progress=interrupt)
    assert time.monotonic() - started < 10


# ------------------------------------------------------------------ atomic output


def test_output_appears_only_when_complete_and_no_temp_remains(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    with atomic_output(target, force=False, inputs=()) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".film.reel-tmp-") and temp.suffix == ".mp4"
        assert f"-{os.getpid()}-" in temp.name  # the owner is stamped in the name
        run_ffmpeg(_encode(str(temp)), stage="render")
        assert not target.exists()
    assert target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_output_is_refused_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists: use --force"), atomic_output(target, force=False, inputs=()):
        pass
    with atomic_output(target, force=True, inputs=()) as temp:
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_an_input_is_never_used_as_the_output(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"footage")
    (tmp_path / "sub").mkdir()
    same = tmp_path / "sub" / ".." / "clip.mp4"
    with pytest.raises(OutputError, match="is also an input"), atomic_output(same, force=True, inputs=[clip]):
        pass
    link = tmp_path / "link.mp4"
    os.link(clip, link)
    with pytest.raises(OutputError, match="is also an input"), atomic_output(link, force=True, inputs=[clip]):
        pass
    assert clip.read_bytes() == b"footage"


def test_the_temp_file_is_removed_when_the_render_fails(tmp_path: Path) -> None:
    target = tmp_path / "film.mp4"
    with pytest.raises(RenderError), atomic_output(target, force=False, inputs=()) as temp:
        temp.write_bytes(b"partial")
        raise RenderError("render", "boom")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder does not exist"), \
            atomic_output(tmp_path / "nope" / "film.mp4", force=False, inputs=()):
        pass


def test_an_unwritable_folder_is_reported_plainly(tmp_path: Path) -> None:
    folder = _unwritable_folder(tmp_path)
    try:
        with pytest.raises(OutputError) as caught, atomic_output(folder / "film.mp4", force=False, inputs=()):
            pass
        assert str(caught.value) == f"cannot write to {folder}: permission denied"
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o755)


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process may not create files in (root ignores modes, so use /sys there)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    try:
        os.close(os.open("/sys/.reel-probe", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.unlink("/sys/.reel-probe")
    except PermissionError:
        return Path("/sys")
    except OSError:
        pass
    pytest.skip("running as root with no folder that refuses writes")


@pytest.mark.parametrize("chunked", [False, True], ids=["one-process", "chunked"])
def test_sigkill_mid_render_leaves_nothing_at_the_target(tmp_path: Path, chunked: bool) -> None:
    target = tmp_path / "film.mp4"
    # A marker in the producers' command lines, to find them in /proc afterwards.
    marker = f"testsrc2=s=108x192:r=30:d=3{os.getpid() % 1000}.5"
    if chunked:
        run = f"""
            producers = ({_produce(3000, marker)!r}, {_produce(3000, marker)!r})
            consumer = list({_consume("TEMP", 6000)!r})
            consumer[-1] = str(temp)
            run_render(RenderCommands(producers, tuple(consumer)), stage="render",
                       on_progress=lambda p: print(p.frame, flush=True))"""
    else:
        run = f"""
            argv = {_encode("TEMP", seconds=120, size="1080x1920")!r}
            argv[-1] = str(temp)
            run_ffmpeg(argv, stage="render", on_progress=lambda p: print(p.frame, flush=True))"""
    head = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from toolkit.film.compile.graph import RenderCommands
        from toolkit.film.run.runner import atomic_output, run_ffmpeg, run_render
        with atomic_output(Path({str(target)!r}), force=False, inputs=()) as temp:""")
    script = head + textwrap.indent(textwrap.dedent(run), "    ")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        for line in child.stdout:  # wait until ffmpeg is writing frames
            if int(line) > 0:
                break
        temps = list(tmp_path.glob(".film.reel-tmp-*.mp4"))
        assert len(temps) == 1
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert not target.exists()
    # only the hidden temp file, stamped with the dead owner, and the released lock file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([temps[0].name, ".film.mp4.reel-lock"])
    assert f"-{child.pid}-" in temps[0].name
    deadline = time.monotonic() + 10
    while _writers_of(temps[0]) and time.monotonic() < deadline:  # ffmpeg dies with its parent
        time.sleep(0.1)
    assert not _writers_of(temps[0])
    while _writers_of(marker) and time.monotonic() < deadline:  # and so do the chunk producers
        time.sleep(0.1)
    assert not _writers_of(marker)
    # The next write to the same target removes what the killed render left behind.
    with atomic_output(target, force=False, inputs=()) as temp:
        temp.write_bytes(b"film")
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]


def _writers_of(path: Path | str) -> list[int]:
    """Processes whose command line names `path` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_filtergraph_longer_than_linux_allows_one_argument_still_runs(tmp_path: Path) -> None:
    """A film of many scenes, layers and sounds can compile a graph over Linux's 128 KiB limit for
    one argument (MAX_ARG_STRLEN); the runner hands such a value to ffmpeg through memory."""
    label = "x" * 70_000  # long link labels: a long graph that costs ffmpeg nothing to build
    graph = f"[0:v]null[{label}];[{label}]null[out]"  # 140 KB
    assert len(graph) > 128 * 1024
    before = set(os.listdir("/proc/self/fd"))
    out = tmp_path / "long.mp4"
    argv = _encode(str(out), extra=("-filter_complex", graph, "-map", "[out]"))
    run_ffmpeg(argv, stage="render", total_frames=30)
    assert out.stat().st_size > 0
    assert set(os.listdir("/proc/self/fd")) <= before  # no descriptor left open
    with pytest.raises(RenderError) as caught:  # a failing long command still reports the graph as written
        run_ffmpeg([*argv[:-1], "-nosuchoption", str(out)], stage="render")
    assert graph in caught.value.argv

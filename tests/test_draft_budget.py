"""The draft piece cache kept within its size budget (`toolkit.film.draft_budget`): least recently
used first, a piece's files together, never a piece a live draft has claimed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from toolkit.errors import ReelError
from toolkit.film import draft_budget
from toolkit.settings import Settings


@pytest.mark.parametrize(("value", "expected"), [("", 2 << 30), ("2G", 2 << 30), ("500M", 500 << 20),
                                                 ("1.5GiB", 3 << 29), ("800k", 800 << 10), ("12345", 12345),
                                                 ("0", 0), ("3MB", 3 << 20)])
def test_the_budget_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    monkeypatch.setenv("REEL_DRAFT_CACHE_SIZE", value)
    assert Settings.draft_cache_budget() == expected


@pytest.mark.parametrize("value", ["lots", "-1G", "G", "nan", "2X"])
def test_a_budget_that_is_not_a_size_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch,
                                                                      value: str) -> None:
    monkeypatch.setenv("REEL_DRAFT_CACHE_SIZE", value)
    with pytest.raises(ReelError) as caught:
        Settings.draft_cache_budget()
    assert str(caught.value) == (f"REEL_DRAFT_CACHE_SIZE={value!r} is not a size: write it like 2G, 500M or "
                                 "800000000 (bytes)")


def _piece(folder: Path, key: str, size: int, used: int) -> list[Path]:
    """A cached piece (file, record, flash mark) of `size` bytes last used at time `used`."""
    files = [folder / f"piece-{key}.mp4", folder / f"piece-{key}.json", folder / f"piece-{key}.gated"]
    files[0].write_bytes(b"v" * size)
    files[1].write_text("{}")
    files[2].write_text("d")
    for path in files:
        os.utime(path, (used, used))
    return files


def test_pruning_keeps_the_newest_pieces_within_the_budget(tmp_path: Path) -> None:
    pieces = {key: _piece(tmp_path, key, 1000, 1_700_000_000 + n) for n, key in enumerate("abcdef")}
    other = tmp_path / "list-x.ffconcat"
    other.write_text("ffconcat version 1.0\n")
    os.utime(other, (1_600_000_000, 1_600_000_000))
    temp = tmp_path / f".piece-z{'.reel-tmp-'}host-1-1-abcdef01.mp4"  # another draft's piece being made
    temp.write_bytes(b"t" * 5000)

    result = draft_budget.prune(tmp_path, 3100)

    survivors = {key for key, files in pieces.items() if files[0].exists()}
    assert survivors == {"d", "e", "f"}  # the three used last
    assert all(not f.exists() for key in "abc" for f in pieces[key])  # a piece's files go together
    assert all(f.exists() for key in "def" for f in pieces[key])
    assert not other.exists() and temp.exists()  # hidden files are no one's cache content
    assert result.kept == draft_budget.size(tmp_path) <= 3100
    assert result.freed == 3 * 1003 + len("ffconcat version 1.0\n")
    assert draft_budget.prune(tmp_path, 3100).removed == ()  # within the budget: nothing more goes


def test_a_reused_piece_counts_as_just_used(tmp_path: Path) -> None:
    old = _piece(tmp_path, "old", 1000, 1_600_000_000)
    new = _piece(tmp_path, "new", 1000, 1_700_000_000)
    with draft_budget.claim(tmp_path, [old[0]]):
        pass  # claiming touches it: this draft reused it
    draft_budget.prune(tmp_path, 1500)
    assert old[0].exists() and not new[0].exists()


_HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from toolkit.film import draft_budget
    folder = Path(sys.argv[1])
    with draft_budget.claim(folder, [folder / name for name in sys.argv[2:]]):
        print("claimed", flush=True)
        sys.stdin.read()
""")


def test_a_concurrent_drafts_pieces_are_never_removed(tmp_path: Path) -> None:
    claimed = _piece(tmp_path, "held", 1000, 1_500_000_000)  # the oldest: first to go but for the claim
    free = _piece(tmp_path, "free", 1000, 1_600_000_000)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path), *(p.name for p in claimed)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
        assert draft_budget.claimed(tmp_path) == {p.name for p in claimed}
        result = draft_budget.prune(tmp_path, 0)
        assert all(p.exists() for p in claimed) and not any(p.exists() for p in free)
        assert result.kept == 1003
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0
    assert draft_budget.claimed(tmp_path) == set()  # released when its draft ended
    draft_budget.prune(tmp_path, 0)
    assert not any(p.exists() for p in claimed)


def test_the_claim_of_a_killed_draft_is_dropped(tmp_path: Path) -> None:
    claimed = _piece(tmp_path, "held", 1000, 1_500_000_000)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path), *(p.name for p in claimed)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    holder.stdout.close()
    holder.stdin.close()  # type: ignore[union-attr]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".claims.")]  # left behind by the kill
    draft_budget.prune(tmp_path, 0)
    assert not any(p.exists() for p in claimed)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".claims.")]


@pytest.mark.render
def test_a_draft_with_a_bad_budget_stops_before_anything_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from toolkit.cli import cli

    storyboard = tmp_path / "short.yaml"
    storyboard.write_text("title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n"
                          "    captions: Hello.\n", encoding="utf-8")
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REEL_DRAFT_CACHE_SIZE", "lots")
    result = CliRunner().invoke(cli, ["render", str(storyboard), "--draft", "-q"])
    assert result.exit_code == 1
    assert "REEL_DRAFT_CACHE_SIZE='lots' is not a size: write it like 2G, 500M or 800000000 (bytes)" in result.output
    assert not list(tmp_path.glob("*.mp4"))
    assert not (tmp_path / "cache" / "reel" / "text").exists()  # stopped before the text was drawn

"""Probing a file again is free while it is unchanged, and sees the new file as soon as it changes.

The studio re-plans after every save; probing (which decodes a frame for the rotation) was half of
each re-plan. A stale probe would plan a replaced clip with the old clip's length or size, so the
memo is keyed by the file's identity (inode, size, modification and change times), not its name.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest
from media_factory import make_image, make_video

from toolkit.errors import ProbeError
from toolkit.media import probe as probe_module
from toolkit.media.probe import probe


def _opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = av.open

    def counting(path, *args, **kwargs):
        opened.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(av, "open", counting)
    return opened


def test_an_unchanged_file_is_probed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0)
    opened = _opens(monkeypatch)
    first = probe(clip)
    assert probe(clip) is first
    assert opened == [str(clip)]


def test_a_replaced_file_is_probed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0)
    assert probe(clip).duration == pytest.approx(1.0, abs=0.1)
    longer = make_video(tmp_path / "longer.mp4", seconds=2.0)
    os.replace(longer, clip)  # as an editor or an export saves over the clip
    assert probe(clip).duration == pytest.approx(2.0, abs=0.1)
    make_image(clip, size=(64, 64))  # written over in place (one frame, 64×64)
    assert (probe(clip).video.width, probe(clip).video.height) == (64, 64)


def test_a_file_gone_is_an_error_even_after_a_probe(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0)
    probe(clip)
    clip.unlink()
    with pytest.raises(ProbeError, match=r"clip\.mp4: file not found"):
        probe(clip)


def test_the_memo_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe_module, "_MEMO_SIZE", 3)
    pictures = [make_image(tmp_path / f"p{i}.png", size=(32, 32)) for i in range(5)]
    for picture in pictures:
        probe(picture)
    assert len(probe_module._MEMO) <= 3
    opened = _opens(monkeypatch)
    probe(pictures[-1])
    probe(pictures[0])  # the oldest was let go: opened again
    assert opened == [str(pictures[0])]

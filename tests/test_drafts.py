"""A draft replaces the previous draft of the same storyboard without --force; nothing else is replaced."""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.errors import OutputError
from toolkit.film.run.atomic import atomic_output
from toolkit.film.run.drafts import DRAFT_KEY, draft_tag, is_draft_of

STORYBOARD = "title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n    captions: Hello.\n"


def _storyboard(folder: Path, name: str = "short.yaml") -> Path:
    path = folder / name
    path.write_text(STORYBOARD, encoding="utf-8")
    return path


def _tag(path: Path) -> str | None:
    with av.open(str(path)) as container:
        return container.metadata.get(DRAFT_KEY)


@pytest.mark.render
def test_a_draft_replaces_the_previous_draft_of_its_storyboard(runner: CliRunner, tmp_path: Path) -> None:
    storyboard = _storyboard(tmp_path)
    film = tmp_path / "short.draft.mp4"
    first = runner.invoke(cli, ["render", str(storyboard), "--draft", "-q"])
    assert first.exit_code == 0, first.output
    assert _tag(film) == draft_tag(storyboard) and is_draft_of(film, draft_tag(storyboard))
    before = os.stat(film)
    again = runner.invoke(cli, ["render", str(storyboard), "--draft", "-q"])
    assert again.exit_code == 0, again.output
    after = os.stat(film)
    assert (after.st_ino, after.st_mtime_ns) != (before.st_ino, before.st_mtime_ns)  # a new file, moved in
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no temp, no lock
        "short.draft.mp4", "short.draft.reel.json", "short.draft.srt", "short.draft.vtt", "short.yaml"]

    # another storyboard's draft at that name is not this storyboard's: refused, untouched
    other = _storyboard(tmp_path, "other.yaml")
    refused = runner.invoke(cli, ["render", str(other), "--draft", "-q", "-o", str(film)])
    assert refused.exit_code == 1 and "already exists: use --force" in refused.output
    # nor does a final replace a draft (finals always need --force)
    final = runner.invoke(cli, ["render", str(storyboard), "-q", "-o", str(film)])
    assert final.exit_code == 1 and "already exists: use --force" in final.output
    assert os.stat(film).st_mtime_ns == after.st_mtime_ns


@pytest.mark.render
def test_a_final_never_replaces_without_force(runner: CliRunner, tmp_path: Path) -> None:
    storyboard = _storyboard(tmp_path)
    film = tmp_path / "final.mp4"
    assert runner.invoke(cli, ["render", str(storyboard), "--draft", "-q", "-o", str(film)]).exit_code == 0
    # even over its own draft: the final is not a draft
    again = runner.invoke(cli, ["render", str(storyboard), "-q", "-o", str(film)])
    assert again.exit_code == 1 and "already exists: use --force" in again.output


def test_files_that_only_share_the_name_are_not_drafts(tmp_path: Path) -> None:
    import media_factory as mf

    storyboard = tmp_path / "short.yaml"
    tag = draft_tag(storyboard)
    notes = tmp_path / "notes.draft.mp4"
    notes.write_text("my notes, saved under the wrong name", encoding="utf-8")
    footage = mf.make_video(tmp_path / "footage.draft.mp4", seconds=0.5)  # an MP4 without the tag
    other = tmp_path / "other.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x64:r=10:d=0.3", "-metadata", f"{DRAFT_KEY}=sha256:0000",
              "-movflags", "+use_metadata_tags", str(other))
    tagged = tmp_path / "tagged.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x64:r=10:d=0.3", "-metadata", f"{DRAFT_KEY}={tag}",
              "-movflags", "+use_metadata_tags", str(tagged))
    link = tmp_path / "link.draft.mp4"
    link.symlink_to(tagged)
    assert is_draft_of(tagged, tag)
    for path in (notes, footage, other, link, tmp_path / "missing.mp4", tmp_path):
        assert not is_draft_of(path, tag), path
    assert draft_tag(storyboard) == draft_tag(Path(os.path.relpath(storyboard))) != draft_tag(tmp_path / "b.yaml")


def test_a_file_swapped_in_during_the_render_is_never_replaced(tmp_path: Path) -> None:
    # The draft check runs again just before the move: a file put there meanwhile is kept.
    target = tmp_path / "film.draft.mp4"
    target.write_text("old draft", encoding="utf-8")

    def replaces(path: Path) -> bool:
        return path.read_text(encoding="utf-8") == "old draft"

    with pytest.raises(OutputError, match="appeared while this was rendering"), \
            atomic_output(target, force=False, inputs=(), kind="film", replaces=replaces) as temp:
        temp.write_text("new draft", encoding="utf-8")
        target.unlink()
        target.write_text("someone's important file", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "someone's important file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.draft.mp4"]

    with atomic_output(target, force=False, inputs=(), kind="film",
                       replaces=lambda path: path.read_text(encoding="utf-8") == "someone's important file") as temp:
        temp.write_text("new draft", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new draft"

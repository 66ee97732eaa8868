"""toolkit.atomic: the one whole-or-nothing writer for reports, previews, images and caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.atomic import replacing, write_atomic
from toolkit.errors import OutputError
from toolkit.grade.report_json import write_text


def test_text_and_bytes_are_written_whole_with_the_folder_made(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    assert write_atomic(target, "héllo\n") == target
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary file left


def test_a_new_file_gets_the_usual_permissions_not_private_ones(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "gradebook.csv", "a,b\n")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "preview.png"
    target.write_bytes(b"the last good one")
    with pytest.raises(RuntimeError), replacing(target) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".") and temp.suffix == ".png"
        temp.write_bytes(b"half")
        raise RuntimeError("the writer died")
    assert target.read_bytes() == b"the last good one"
    assert [p.name for p in tmp_path.iterdir()] == ["preview.png"]


def test_a_folder_in_the_way_is_an_os_error_and_a_typed_error_in_the_grader(tmp_path: Path) -> None:
    (tmp_path / "report.json").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "report.json", "{}")
    with pytest.raises(OutputError, match=r"report\.json: cannot write the report"):
        write_text(tmp_path / "report.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]

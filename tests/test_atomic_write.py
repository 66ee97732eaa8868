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



def test_a_cache_folder_loses_the_half_written_files_of_dead_makers_only(tmp_path: Path) -> None:
    """What kill -9 leaves in a cache (proxies, reversed footage, python layers) goes at the next make,
    whichever file it was for; a live maker's, another host's and anything else stay."""
    import dataclasses
    import subprocess
    import sys

    from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process

    me = this_process()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = dataclasses.replace(me, pid=int(gone.stdout), start=1)  # exited: what kill -9 leaves looks like this
    abandoned = [temp_name("reversed-478c.mp4", dead), temp_name("0f1e.mp4", dead), temp_name("layer-x.nut", dead)]
    live = [temp_name("reversed-478c.mp4", me)]
    elsewhere = [temp_name("0f1e.mp4", dataclasses.replace(dead, host="otherhost"))]
    kept = ["reversed-478c.mp4", ".film.mp4.reel-lock", ".hidden", ".notes.reel-tmp-by-hand.txt"]
    for name in abandoned + live + elsewhere + kept:
        (tmp_path / name).write_bytes(b"x")
    assert sorted(p.name for p in remove_abandoned_temps(tmp_path)) == sorted(abandoned)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(live + elsewhere + kept)
    assert remove_abandoned_temps(tmp_path / "missing") == []


def test_temps_under_a_cache_go_by_owner_in_every_folder(tmp_path: Path) -> None:
    """A batch's stopped worker clears its own temporary files from every cache folder; the batch
    then sweeps those of dead owners. A live process's and ordinary files stay."""
    import dataclasses
    import subprocess
    import sys

    from toolkit.film.run.ownership import remove_temps_under, temp_name, this_process

    me = this_process()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = dataclasses.replace(me, pid=int(gone.stdout), start=1)
    other = dataclasses.replace(me, pid=1, start=0)  # alive: init (its start time not stamped)
    pieces, proxies = tmp_path / "draft" / "pieces", tmp_path / "proxy"
    pieces.mkdir(parents=True)
    proxies.mkdir()
    mine = [pieces / temp_name("piece-1.mp4", me), proxies / temp_name("p.mp4", me)]
    dead_ones = [pieces / temp_name(".claims.json", dead)]
    kept = [pieces / temp_name("piece-2.mp4", other), pieces / "piece-3.mp4"]
    for path in mine + dead_ones + kept:
        path.write_bytes(b"x")
    assert sorted(remove_temps_under(tmp_path, owner=me)) == sorted(mine)
    assert sorted(remove_temps_under(tmp_path)) == sorted(dead_ones)
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(kept)

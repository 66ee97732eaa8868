"""The film library (issue 18 §2): every render's manifest, `reel library status`, `reel render --changed`."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import av
import jsonschema
import pytest
from click.testing import CliRunner

from toolkit.care import helplines
from toolkit.cli import cli
from toolkit.film.library import library_status
from toolkit.film.manifest import MANIFEST_KEY
from toolkit.film.rerender import own_film_status
from toolkit.media import synth

ROOT = Path(__file__).resolve().parent.parent
SAM = """contributors:
  - id: sam
    name: Samuel Reid
    shown_as: Alex
    consent: CF-2026-014
    given: 2026-01-10
    expires: 2099-01-10
    platforms: [tiktok, reels]
    show: {face: yes, voice: yes, name: no, location: no}
"""


NEW_LINE = """  - id: ie-new-line
    region: IE
    name: New Line
    kind: crisis
    channels:
      - {type: call, value: "116 111"}
      - {type: text, value: "50808"}
    hours: 24/7
    always_open: true
    audience: all
    topics: [general, suicide, self-harm]
    verified_on: 2026-11-30
    source: https://example.org
    status: confirmed

"""


def _schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((ROOT / "schema" / f"{name}.schema.json").read_text()))


def _storyboard(folder: Path, name: str, *, region: str = "IE", background: str = "'#2a9d8f'",
                caption: str = "Hello.", top: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"title: Film {name}\nregion: {region}\n{top}scenes:\n  - background: {background}\n"
                    f"    duration: 1s\n    captions: {caption}\n", encoding="utf-8")
    return path


@pytest.fixture()
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped helpline directory that the test may edit (renders and status read it)."""
    copy = tmp_path / "helplines.yaml"
    shutil.copyfile(helplines.DEFAULT_PATH, copy)
    monkeypatch.setattr(helplines, "DEFAULT_PATH", copy)
    return copy


def _edit_entry(directory: Path, entry_id: str, old: str, new: str) -> None:
    """Change `old` to `new` inside one entry of the directory file (and nowhere else)."""
    text = directory.read_text(encoding="utf-8")
    start = text.index(f"  - id: {entry_id}\n")
    end = text.find("\n  - id:", start + 1)
    end = len(text) if end < 0 else end
    assert old in text[start:end]
    directory.write_text(text[:start] + text[start:end].replace(old, new) + text[end:], encoding="utf-8")


def _status(runner: CliRunner, folder: Path) -> tuple[int, dict[str, dict]]:
    result = runner.invoke(cli, ["library", "status", str(folder), "--json"])
    data = json.loads(result.stdout)
    _schema("library-status").validate(data)
    assert data["exit_code"] == result.exit_code
    return result.exit_code, {Path(f["film"]).name: f for f in data["films"] if f["status"] != "not a Reel film"}


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")}


@pytest.mark.render
def test_status_and_changed_follow_storyboards_media_and_helplines(runner: CliRunner, tmp_path: Path,
                                                                 directory: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    synth.footage(lib / "clip.mp4", seconds=1, width=64, height=36)
    a = _storyboard(lib, "a", background="{video: clip.mp4, contributor: sam}", top=SAM)
    b = _storyboard(lib, "b")
    c = _storyboard(lib, "c", region="UK")
    boards = [str(a), str(b), str(c)]
    first = runner.invoke(cli, ["render", *boards, "--draft", "-q"])
    assert first.exit_code == 0, first.output

    # the manifest: beside the film and named in its metadata, relative paths, no private data
    sidecar = lib / "a.draft.reel.json"
    raw = sidecar.read_text(encoding="utf-8")
    manifest = json.loads(raw)
    _schema("film-manifest").validate(manifest)
    assert manifest["kind"] == "draft" and manifest["size"] == {"width": 540, "height": 960}
    assert manifest["film"] == "a.draft.mp4" and manifest["storyboard"]["path"] == "a.yaml"
    assert [i["path"] for i in manifest["inputs"]] == ["clip.mp4"]
    assert any(f["path"] == "templates:default/template.yaml" for f in manifest["template"]["files"])
    assert (manifest["helplines"][0]["id"], manifest["helplines"][0]["numbers"]) == ("ie-samaritans", ["116 123"])
    with av.open(str(lib / "a.draft.mp4")) as film:
        tag = json.loads(film.metadata[MANIFEST_KEY])
    assert tag["kind"] == "draft" and tag["helplines"][0][0] == "ie-samaritans"
    for private in ("Samuel", "Reid", "CF-2026-014", "Alex", str(tmp_path), os.sep + "home"):
        assert private not in raw and private not in json.dumps(tag)
    assert "/" not in film_tag_text(lib / "a.draft.mp4")  # no path at all in the film itself

    code, films = _status(runner, lib)
    assert code == 0 and {n: f["status"] for n, f in films.items()} == {
        "a.draft.mp4": "up to date", "b.draft.mp4": "up to date", "c.draft.mp4": "up to date"}

    # one storyboard edited: that film alone is stale, naming it; --changed renders it alone
    b.write_text(b.read_text(encoding="utf-8").replace("Hello.", "Hello again."), encoding="utf-8")
    code, films = _status(runner, lib)
    assert code == 1 and films["b.draft.mp4"]["status"] == "stale"
    assert films["b.draft.mp4"]["reasons"] == ["storyboard b.yaml changed"]
    assert films["a.draft.mp4"]["status"] == films["c.draft.mp4"]["status"] == "up to date"
    before = _mtimes(lib)
    again = runner.invoke(cli, ["render", *boards, "--draft", "-q", "--changed"])
    assert again.exit_code == 0, again.output
    assert "2 of 3 films up to date, skipped" in again.output
    after = _mtimes(lib)
    assert [n for n in before if before[n] != after[n]] == ["b.draft.mp4"]

    # a media file changed: the film that reads it is stale, naming the file
    synth.footage(lib / "clip.mp4", seconds=1, width=64, height=36, colors=("red", "blue"))
    code, films = _status(runner, lib)
    assert code == 1 and films["a.draft.mp4"]["reasons"] == ["media file clip.mp4 changed"]

    # Samaritans (Ireland) changed a number: exactly the films showing that entry
    _edit_entry(directory, "ie-samaritans", '"116 123"', '"116 124"')
    code, films = _status(runner, lib)
    assert code == 1
    assert {n: f["status"] for n, f in films.items()} == {
        "a.draft.mp4": "helpline changed", "b.draft.mp4": "helpline changed", "c.draft.mp4": "up to date"}
    assert films["b.draft.mp4"]["reasons"] == ["helpline ie-samaritans (Samaritans) changed: number 116 123 → 116 124"]
    assert "media file clip.mp4 changed" in films["a.draft.mp4"]["reasons"]
    before = _mtimes(lib)
    third = runner.invoke(cli, ["render", *boards, "--draft", "-q", "--changed"])
    assert third.exit_code == 0, third.output
    after = _mtimes(lib)
    assert sorted(n for n in before if before[n] != after[n]) == ["a.draft.mp4", "b.draft.mp4"]
    code, films = _status(runner, lib)
    assert code == 0 and {f["status"] for f in films.values()} == {"up to date"}

    # --changed also compares the --field values and --template given now with the render's
    film_b = lib / "b.draft.mp4"
    assert own_film_status(b, film_b, draft=True, fields={}).status == "up to date"
    assert own_film_status(b, film_b, draft=True, fields={"programme": "Harbour"}).reasons == (
        "the --field values changed",)
    assert own_film_status(b, film_b, draft=True, fields={}, template="harbour").reasons == (
        "the template changed (default → harbour)",)
    assert own_film_status(b, film_b, draft=False, fields={}).status == "not a Reel film"  # not its final
    assert own_film_status(c, film_b, draft=True, fields={}).status == "not a Reel film"  # not c's film

    # an entry withdrawn from the directory is said as such
    _edit_entry(directory, "uk-samaritans", "id: uk-samaritans", "id: uk-samaritans-old")
    code, films = _status(runner, lib)
    assert films["c.draft.mp4"]["status"] == "helpline changed"
    assert films["c.draft.mp4"]["reasons"][0] == "helpline uk-samaritans (Samaritans) was withdrawn from the directory"

    # without its sidecar, a film's own tag still tells its helplines and Reel's version
    (lib / "c.draft.reel.json").unlink()
    (lib / "a.draft.reel.json").unlink()
    code, films = _status(runner, lib)
    assert films["c.draft.mp4"]["status"] == "helpline changed" and films["c.draft.mp4"]["manifest"] is None
    assert films["a.draft.mp4"]["status"] == "sidecar missing"
    assert films["a.draft.mp4"]["reasons"] == [
        "a.draft.reel.json is missing: only the end card's helplines and Reel's version were checked"]

    # a new crisis line for the region: the directory would now choose another card for the film
    text = directory.read_text(encoding="utf-8")
    directory.write_text(text.replace("  - id: ie-samaritans\n", NEW_LINE + "  - id: ie-samaritans\n", 1),
                         encoding="utf-8")
    code, films = _status(runner, lib)
    assert films["b.draft.mp4"]["status"] == "helpline changed"
    assert films["b.draft.mp4"]["reasons"] == [
        "the end card would now show ie-new-line, ie-samaritans (it shows ie-samaritans, ie-pieta)"]


def film_tag_text(film: Path) -> str:
    with av.open(str(film)) as container:
        return container.metadata[MANIFEST_KEY]


@pytest.mark.render
def test_changed_replaces_its_own_stale_final_and_nothing_else(runner: CliRunner, tmp_path: Path) -> None:
    sb = _storyboard(tmp_path, "own")
    film = tmp_path / "own.mp4"
    assert runner.invoke(cli, ["render", str(sb), "-q"]).exit_code == 0
    skipped = runner.invoke(cli, ["render", str(sb), "-q", "--changed"])
    assert skipped.exit_code == 0 and "up to date, not rendered (--changed)" in skipped.output
    sb.write_text(sb.read_text(encoding="utf-8").replace("Hello.", "Hello, again."), encoding="utf-8")
    plain = runner.invoke(cli, ["render", str(sb), "-q"])  # a final never replaces without --force...
    assert plain.exit_code == 1 and "already exists: use --force" in plain.output
    before = film.stat().st_mtime_ns
    changed = runner.invoke(cli, ["render", str(sb), "-q", "--changed"])  # ...but --changed replaces its own
    assert changed.exit_code == 0, changed.output
    assert film.stat().st_mtime_ns != before
    assert library_status(tmp_path)[0].status == "up to date"

    # another storyboard's film, or any other file, at that name is never replaced
    other = _storyboard(tmp_path, "other")
    refused = runner.invoke(cli, ["render", str(other), "-q", "--changed", "-o", str(film)])
    assert refused.exit_code == 1 and "already exists: use --force" in refused.output
    stranger = tmp_path / "stranger.mp4"
    stranger.write_bytes(b"not a film")
    kept = runner.invoke(cli, ["render", str(other), "-q", "--changed", "-o", str(stranger)])
    assert kept.exit_code == 1 and stranger.read_bytes() == b"not a film"


def test_hostile_manifests_get_a_status_each_never_a_traceback(runner: CliRunner, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    good = {"reel_manifest": 1, "reel_version": "0", "kind": "final", "size": {"width": 1, "height": 1},
            "film": "x.mp4", "storyboard": {"id": "sha256:00", "path": "x.yaml", "digest": "00-1"}, "inputs": [],
            "template": {"name": "default", "files": []}, "fields": {}, "helplines": []}
    cases = {
        "broken": b'{"reel_manifest": 1,',
        "huge": b" " * (2 << 20),
        "list": b"[1, 2]",
        "outside": json.dumps({**good, "storyboard": {**good["storyboard"], "path": "../../../etc/passwd"}}).encode(),
        "template-escape": json.dumps({**good, "template": {"name": "x", "files": [
            {"path": "templates:../../etc/passwd", "digest": "00-1"}]}}).encode(),
        "binary": b"\xff\xfe\x00garbage",
        "card": json.dumps({**good, "end_card": {"region": None, "topics": "x", "services": []}}).encode(),
    }
    for name, data in cases.items():
        (lib / f"{name}.reel.json").write_bytes(data)
        (lib / f"{name}.mp4").write_bytes(b"\x00" * 64)
    (lib / "plain.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)  # a video with no manifest
    os.mkfifo(lib / "fifo.mp4")  # never opened for reading: it would block
    result = runner.invoke(cli, ["library", "status", str(lib), "--all"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 3, result.output
    lines = {Path(line.split(": ")[0].split()[-1]).name: line for line in result.output.splitlines()[:-1]}
    said = result.output
    assert "broken.reel.json: not valid JSON (line 1, column 21" in said
    assert "huge.reel.json: 2,097,152 bytes, larger than any manifest Reel writes" in said
    assert "list.reel.json: not a Reel manifest: not a JSON object" in said
    assert "binary.reel.json: not UTF-8 text" in said
    assert "card.reel.json: not a Reel manifest: `end_card` needs a region, topics and services" in said
    assert "outside the folder" in said and "../../../etc/passwd, outside" in said
    assert "template file templates:../../etc/passwd is missing" in said  # never resolved out of templates/
    assert "not a Reel film" in lines["plain.mp4"] and "not a Reel film" in lines["fifo.mp4"]


def test_a_folder_of_ten_thousand_files_stays_quick(runner: CliRunner, tmp_path: Path) -> None:
    lib = tmp_path / "big"
    for i in range(100):
        folder = lib / f"d{i:02d}"
        folder.mkdir(parents=True)
        for j in range(99):
            (folder / f"note-{j}.txt").write_bytes(b"x")
        (folder / "holiday.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 256)
    started = time.perf_counter()
    result = runner.invoke(cli, ["library", "status", str(lib), "--json"])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0 and result.exception is None, result.output
    data = json.loads(result.stdout)
    _schema("library-status").validate(data)
    assert data["counts"] == {"not a Reel film": 100} and seconds < 5, seconds


def test_status_of_a_file_not_a_folder_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "film.mp4"
    file.write_bytes(b"x")
    result = runner.invoke(cli, ["library", "status", str(file)])
    assert result.exit_code == 2 and "is a file" in result.output


def test_a_film_using_reels_own_assets_is_up_to_date_wherever_reel_is_installed(runner: CliRunner,
                                                                                tmp_path: Path) -> None:
    # a stock sound and sticker live in Reel's asset library, not beside the storyboard: named from
    # the library (`assets:…`), not as `../../site-packages/…`, which read as "outside the folder"
    sb = _storyboard(tmp_path, "stock", top="sounds:\n  - {asset: ping, at: 0.2s}\n")
    assert runner.invoke(cli, ["render", str(sb), "--draft", "-q"]).exit_code == 0
    manifest = json.loads((tmp_path / "stock.draft.reel.json").read_text(encoding="utf-8"))
    assert "assets:sounds/ping.wav" in [i["path"] for i in manifest["inputs"]]
    assert not [i["path"] for i in manifest["inputs"] if i["path"].startswith("..")]
    [film] = library_status(tmp_path)
    assert film.status == "up to date", film.reasons
    skipped = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "--changed"])
    assert "up to date, not rendered (--changed)" in skipped.output

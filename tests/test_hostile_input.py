"""Hostile and careless input (issue 11 §6): each case gets a typed error at FILE:LINE:COL with a
plain message, never a traceback, never a hang. Messages are in test_storyboard_errors.py,
time in test_linear_time.py."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from toolkit.doc.loader import load_document
from toolkit.doc.nodes import MAX_DEPTH
from toolkit.errors import IssuesError, SpecError, TemplateError
from toolkit.film.pipeline import prepare
from toolkit.film.spec.validate import load_storyboard
from toolkit.film.template.loader import load_template, resolve_font
from toolkit.grade.context import make_context
from toolkit.grade.rubric import load_rubric
from toolkit.media import synth

HEAD = "title: Test\nregion: UK\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A film folder with real media, a font, and the traps (folder, pipe, links) beside them."""
    top = tmp_path_factory.mktemp("hostile")
    film = top / "film"
    film.mkdir()
    synth.footage(film / "clip.mp4", seconds=2, width=64, height=36)
    shutil.copy(film / "clip.mp4", top / "outside.mp4")
    shutil.copy(resolve_font("atkinson-hyperlegible:regular"), top / "outside.ttf")
    shutil.copy(resolve_font("atkinson-hyperlegible:regular"), film / "mine.ttf")
    (film / "sub").mkdir()
    os.mkfifo(film / "pipe.mp4")
    os.symlink(top / "outside.mp4", film / "link.mp4")
    os.symlink(film / "loop.mp4", film / "loop.mp4")
    return film


def write(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def issues(path: Path, *, full: bool = False, **kw) -> list[str]:
    """The error lines for `path`, without the folder; `full` runs all of prepare()."""
    with pytest.raises(IssuesError) as exc:
        (prepare if full else load_storyboard)(path, **kw)
    return [i.format().replace(f"{path.parent}/", "") for i in exc.value.issues if i.severity == "error"]


def video(name: str) -> str:
    return HEAD + f"scenes:\n  - background:\n      video: {name}\n    duration: 1s\n"


# ------------------------------------------------------------------ the four crash kinds


def test_nul_byte_in_a_path_is_a_located_error(folder):
    [msg] = issues(write(folder, video('"a\\0b.mp4"')))
    assert msg == ("film.yaml:5:14: scenes[0].background.video: `a\\x00b.mp4` contains a NUL byte (\\x00), "
                   "which no file name can hold")


def test_nul_byte_in_the_storyboard_path_itself(tmp_path):
    with pytest.raises(SpecError) as exc:
        load_document(tmp_path / "a\0b.yaml")
    assert "contains a NUL byte" in exc.value.issues[0].message


def test_a_name_over_255_bytes_is_a_located_error(folder):
    [msg] = issues(write(folder, video("x" * 300 + ".mp4")))
    assert msg.startswith("film.yaml:5:14: scenes[0].background.video: `xxxxxxxxxx")
    assert msg.endswith("` has a name of 304 bytes; a file or folder name can be at most 255 bytes")
    # so is a whole path over 4095 bytes made of short names
    [msg] = issues(write(folder, video("d/" * 2100 + "f.mp4")))
    assert "is 4,205 bytes long; a path can be at most 4,095" in msg


def test_a_400_digit_from_is_a_located_error_not_an_overflow(folder):
    text = HEAD + "scenes:\n  - background:\n      video: clip.mp4\n      from: " + "9" * 400 + "\n    duration: 1s\n"
    [msg] = issues(write(folder, text), full=True)
    assert msg == ("film.yaml:6:13: scenes[0].background.from: a duration cannot be this long (10^100 seconds or "
                   "more), got 99999999999999999999…999999999999 (400 characters)")


@pytest.mark.parametrize("key", ["at", "until", "for"])
def test_huge_caption_times_are_located_errors(tmp_path, key):
    # found by the fuzz test: a caption `at` of 400 digits overflowed a float in the planner
    text = HEAD + f"scenes:\n  - background: navy\n    duration: 2s\n    captions:\n      lines:\n" \
                  f"        - text: Hi\n          {key}: {'9' * 400}\n"
    [msg] = issues(write(tmp_path, text), full=True)
    assert msg == (f"film.yaml:9:{13 + len(key)}: scenes[0].captions.lines[0].{key}: a duration cannot be this long "
                   "(10^100 seconds or more), got 99999999999999999999…999999999999 (400 characters)")


def test_a_number_too_long_to_read(tmp_path):
    [msg] = issues(write(tmp_path, HEAD + f"scenes:\n  - background: navy\n    duration: {'9' * 5000}\n"))
    assert msg == ("film.yaml:5:15: scenes[0].duration: the number `999999999999999999999999999999…"
                   "999999999999999999999999` is too long to read (5,000 characters); write a real value")


@pytest.mark.parametrize(("value", "message"), [
    ("!!float 2.2s", "scenes[0].duration: the YAML tag `!!float` cannot turn `2.2s` into a number"),
    ("!!int abc", "scenes[0].duration: the YAML tag `!!int` cannot turn `abc` into a whole number"),
    ("!!timestamp 2020-99-99", "scenes[0].duration: the YAML tag `!!timestamp` cannot turn `2020-99-99` into a date"),
    ("!!python/object:os.system echo", "the YAML tag `!!python/object:os.system` is not allowed; remove it"),
    ("!!seq {a: 1}", "a YAML tag here does not fit its value (expected a sequence, but found mapping)"),
])
def test_yaml_tags_are_located_errors(tmp_path, value, message):
    [msg] = issues(write(tmp_path, HEAD + f"scenes:\n  - background: navy\n    duration: {value}\n"))
    assert msg.startswith(f"film.yaml:5:15: {message}")


def test_every_bad_tagged_value_is_reported_in_one_run(tmp_path):
    text = HEAD + "scenes:\n  - background: navy\n    duration: &d !!float 2.2s\n  - background: navy\n" \
                  "    duration: *d\n    captions: [!!int abc, !!timestamp 2020-99-99]\n"
    msgs = issues(write(tmp_path, text))
    assert [m.split(": remove")[0].split("; remove")[0] for m in msgs] == [
        "film.yaml:5:15: scenes[0].duration: the YAML tag `!!float` cannot turn `2.2s` into a number",
        "film.yaml:8:16: scenes[1].captions[0]: the YAML tag `!!int` cannot turn `abc` into a whole number",
        "film.yaml:8:27: scenes[1].captions[1]: the YAML tag `!!timestamp` cannot turn `2020-99-99` into a date"]


def test_yaml_tags_in_a_rubric_are_located_errors(tmp_path):
    path = write(tmp_path, "version: 1\nname: x\ntitle: X\ncriteria:\n  - id: loudness\n"
                           "    expect: {min: !!float -15dB}\n    severity: must\n    explain: Make it louder.\n",
                 "rubric.yaml")
    with pytest.raises(SpecError) as exc:
        load_rubric(path)
    [issue] = exc.value.issues
    assert (issue.file, issue.line, issue.col) == (path, 6, 19)
    assert issue.message.startswith("the YAML tag `!!float` cannot turn `-15dB` into a number; remove the tag")


def test_yaml_tags_in_a_storyboard_for_grading_are_located_errors(tmp_path):
    path = write(tmp_path, HEAD + "scenes:\n  - background: navy\n    duration: !!int abc\n")
    with pytest.raises(SpecError) as exc:
        make_context(storyboard=path)
    assert exc.value.issues[0].format().endswith("film.yaml:5:15: scenes[0].duration: the YAML tag `!!int` cannot "
                                                 "turn `abc` into a whole number; remove the tag (Reel reads values "
                                                 "such as `2.2s` or `2020-01-31` without YAML tags)")


def test_yaml_tags_in_a_template_are_located_errors(tmp_path):
    (tmp_path / "brand").mkdir()
    path = write(tmp_path / "brand", "name: brand\ncaptions:\n  size: !!int big\n", "template.yaml")
    with pytest.raises(SpecError) as exc:
        load_template("brand", root=tmp_path)
    [issue] = exc.value.issues
    assert (issue.file, issue.line, issue.col) == (path, 3, 9)
    assert issue.message.startswith("the YAML tag `!!int` cannot turn `big` into a whole number")


# ------------------------------------------------------------------ paths that are not files


def test_a_folder_a_pipe_and_a_device(folder):
    [msg] = issues(write(folder, video("sub")))
    assert msg == "film.yaml:5:14: scenes[0].background.video: `sub` is a folder, not a file"
    [msg] = issues(write(folder, video("pipe.mp4")))  # a probe of a pipe would wait forever
    assert msg == ("film.yaml:5:14: scenes[0].background.video: `pipe.mp4` is a pipe (FIFO), not a file; give a "
                   "file saved on disk")
    [msg] = issues(write(folder, video("/dev/zero")), allow_outside=True)
    assert msg == ("film.yaml:5:14: scenes[0].background.video: `/dev/zero` is a device, not a file; give a file "
                   "saved on disk")
    [msg] = issues(write(folder, video("/proc/kmsg")), allow_outside=True)  # "regular", and never ends
    assert msg.endswith("`/proc/kmsg` is a system file under /proc, not a file saved on disk")


def test_links_out_of_the_folder_and_link_loops(folder):
    [msg] = issues(write(folder, video("link.mp4")))
    assert msg.startswith("film.yaml:5:14: scenes[0].background.video: `link.mp4` is a link to ")
    assert "outside.mp4, outside the storyboard's folder" in msg and "--allow-outside" in msg
    load_storyboard(folder / "film.yaml", allow_outside=True)  # the link is fine when allowed
    [msg] = issues(write(folder, video("loop.mp4")))
    assert msg == ("film.yaml:5:14: scenes[0].background.video: `loop.mp4` cannot be followed: a symbolic link "
                   "that loops")


def test_every_named_file_goes_through_the_same_gate(folder):
    text = HEAD + ('voiceover: "v\\0.m4a"\nmusic: sub\nscenes:\n  - background: navy\n    duration: 1s\n'
                   '    voiceover: pipe.mp4\n    captions: {file: ../x.srt}\n')
    msgs = issues(write(folder, text))
    assert "film.yaml:3:12: voiceover: `v\\x00.m4a` contains a NUL byte (\\x00), which no file name can hold" in msgs
    assert "film.yaml:4:8: music: `sub` is a folder, not a file" in msgs
    assert ("film.yaml:8:16: scenes[0].voiceover: `pipe.mp4` is a pipe (FIFO), not a file; give a file saved on "
            "disk") in msgs
    assert any(m.startswith("film.yaml:9:22: scenes[0].captions.file: `../x.srt` points outside the storyboard's "
                            "folder") for m in msgs)


def test_film_fonts_are_confined_to_the_storyboard_folder(folder):
    outside = folder.parent / "outside.ttf"
    for ref in (str(outside), "../outside.ttf"):
        path = write(folder, HEAD + f"style:\n  fonts:\n    heading: {ref}\nscenes:\n  - background: navy\n"
                                    "    duration: 2s\n")
        with pytest.raises(TemplateError) as exc:
            prepare(path, width=180)
        [issue] = [i for i in exc.value.issues if i.severity == "error"]
        assert (issue.line, issue.path) == (5, "style.fonts.heading")
        assert issue.message == (f"font file {ref} must be inside the storyboard's folder; keep font files next to "
                                 "the storyboard, or pass --allow-outside if you really mean it")
        assert prepare(path, width=180, allow_outside=True).inputs.fonts.heading == outside
    path = write(folder, HEAD + "style:\n  fonts:\n    body: mine.ttf\n    captions: '..:bold'\nscenes:\n"
                                "  - background: navy\n    duration: 2s\n")
    with pytest.raises(TemplateError) as exc:
        prepare(path, width=180)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.message == ("font `..:bold`: `..` is not a font package name (lowercase letters, digits and `-`, "
                             "as in `atkinson-hyperlegible:bold`)")


def test_template_files_go_through_the_same_gate(tmp_path):
    (tmp_path / "brand").mkdir()
    os.mkfifo(tmp_path / "brand" / "intro.mp4")
    write(tmp_path / "brand", "name: brand\nfonts:\n  body: ../x.ttf\nintro: intro.mp4\noutro: \"o\\0.mp4\"\n",
          "template.yaml")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=tmp_path)
    found = {i.path: (i.line, i.message) for i in exc.value.issues}
    assert found["fonts.body"] == (3, "font file ../x.ttf must be inside the template folder")
    assert found["intro"] == (4, "intro file `intro.mp4` is a pipe (FIFO), not a file; give a file saved on disk")
    assert found["outro"] == (5, "outro file `o\\x00.mp4` contains a NUL byte (\\x00), which no file name can hold")


# ------------------------------------------------------------------ whole files that are not storyboards


def test_the_storyboard_itself_is_a_pipe_a_device_or_a_folder(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    for path, words in ((tmp_path / "pipe.yaml", "a device or a pipe"), (Path("/dev/zero"), "a device or a pipe"),
                        (tmp_path, "a folder")):
        with pytest.raises(SpecError) as exc:
            load_document(path)
        [issue] = exc.value.issues
        assert issue.file == path and words in issue.message


def test_a_50_mb_storyboard_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as f:
        f.truncate(50 * 2**20)
    with pytest.raises(SpecError) as exc:
        load_document(path)
    assert exc.value.issues[0].message.startswith("the storyboard is 50.0 MB; the limit is 20 MB")


@pytest.mark.parametrize(("raw", "message"), [
    (bytes(range(256)) * 4, "this is binary data, not a storyboard (YAML text); check the file name"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is binary data, not a storyboard (YAML text); check the file name"),
    ("title: x\nregion: UK\n".encode("utf-16"), "the storyboard is saved as UTF-16 text (\"Unicode\" in some "
                                                 "editors); save it as UTF-8"),
    ("title: x\nregion: UK\n".encode("utf-16-le"), "the storyboard is saved as UTF-16 text (\"Unicode\" in some "
                                                    "editors); save it as UTF-8"),
    ("title: x\n".encode("utf-32"), "the storyboard is saved as UTF-32 text; save it as UTF-8"),
])
def test_binary_and_utf16_files(tmp_path, raw, message):
    path = tmp_path / "film.yaml"
    path.write_bytes(raw)
    with pytest.raises(SpecError) as exc:
        load_document(path)
    assert [i.format() for i in exc.value.issues] == [f"{path}:1:1: {message}"]


def test_deep_nesting_is_refused_before_anything_recursive(tmp_path):
    deep = "[" * 60 + "]" * 60
    [msg] = issues(write(tmp_path, HEAD + f"scenes:\n  - background: navy\n    captions: {deep}\n"))
    assert msg == (f"film.yaml:5:{16 + MAX_DEPTH - 4}: values are nested more than {MAX_DEPTH} levels deep here; a "
                   "storyboard needs fewer than 10 (an unclosed bracket?)")
    # block style too (libyaml's own limit is 1,000, past Python's recursion limit in later stages)
    block = "".join("  " * k + f"k{k}:\n" for k in range(100)) + "  " * 100 + "v\n"
    [msg] = issues(write(tmp_path, block))
    assert "values are nested more than 40 levels deep here" in msg


def test_recursive_alias_and_alias_bomb(tmp_path):
    [msg] = issues(write(tmp_path, HEAD + "scenes: &a\n  - *a\n"))
    assert msg.endswith("recursive YAML alias")
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"{n}: &{n} [" + ",".join([f"*{p}"] * 10) + "]" for p, n in zip("abcdefg", "bcdefgh", strict=False)]
    [msg] = issues(write(tmp_path, "\n".join(bomb) + "\n"))
    assert "alias bomb" in msg


def test_too_many_values_without_aliases_is_not_called_a_bomb(tmp_path, monkeypatch):
    # The real limit is 2 million values (an 18 MB list takes 16 s to parse); a smaller one shows the words.
    monkeypatch.setattr("toolkit.doc.nodes.MAX_EXPANDED_NODES", 1000)
    [msg] = issues(write(tmp_path, HEAD + "topics:\n" + "- anxiety\n" * 2000))
    assert msg == ("film.yaml:1:1: the storyboard holds more than 2 million values (a storyboard of 10,000 scenes "
                   "has about 200,000); check you gave the right file")


def test_a_100_hour_duration_neither_crashes_nor_hangs(tmp_path):
    # The platform's length limit is its own check; here only: a located error, quickly.
    path = write(tmp_path, HEAD + "scenes:\n  - background: navy\n    duration: '100:00:00'\n")
    started = time.monotonic()
    msgs = issues(path, full=True)
    assert time.monotonic() - started < 30
    assert any(m.startswith("film.yaml:5:15: scenes[0].duration: ") for m in msgs)


@pytest.mark.parametrize("argv", [["lint", "{fifo}"], ["lint", "/dev/zero"],
                                  ["grade", "clip.mp4", "--captions", "{fifo}"],
                                  ["grade", "clip.mp4", "--storyboard", "/dev/zero"]])
def test_files_named_on_the_command_line_are_never_pipes_or_devices(tmp_path, monkeypatch, runner, argv):
    # A read of a pipe or /dev/zero never ends; the command refuses it before reading.
    from toolkit.cli import cli

    fifo = tmp_path / "captions.srt"
    os.mkfifo(fifo)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, [a.format(fifo=fifo) for a in argv])
    assert result.exit_code == 2, result.output
    assert ("is a pipe (FIFO), not a file; give a file saved on disk" in result.output
            or "is a device, not a file; give a file saved on disk" in result.output)


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims `width`×`height` (a decompression bomb's header) with a few rows of data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = zlib.compress((b"\x00" + b"\x00" * 4 * width) * 4, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


@pytest.mark.parametrize("where", ["background", "layer"])
def test_a_picture_too_large_to_decode_is_a_located_error(tmp_path, where):
    """A 20,000×20,000 PNG passed validation and failed in ffmpeg with 'damaged input'; now it is refused
    where it is named, saying why (libav will not decode past about 16,000 × 16,000 pixels)."""
    _png_header_only(tmp_path / "huge.png", 20_000, 20_000)
    scene = ("  - background: huge.png\n    duration: 2s\n" if where == "background" else
             "  - background: navy\n    duration: 2s\n    layers:\n      - {image: huge.png, position: center, "
             "size: 30%}\n")
    [msg] = issues(write(tmp_path, HEAD + "scenes:\n" + scene))
    field = "scenes[0].background" if where == "background" else "scenes[0].layers[0].image"
    assert msg.startswith(f"film.yaml:{4 if where == 'background' else 7}:")
    assert f"{field}: huge.png: the picture's size cannot be read: the file is damaged or larger than ffmpeg " \
           "decodes (about 16,000 × 16,000 pixels)" in msg

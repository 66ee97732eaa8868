"""Issue 16: nothing identifying in the inputs' metadata reaches a film, a caption file, a still or a
sheet; `reel grade` fails a clip that says where it was filmed and advises on device tags.

The inputs carry what phones write: QuickTime `©xyz` (`location`), the ISO 6709 `mdta` key, make,
model, software, Android keys, a file-name title, a serial in a comment, per-stream handler names
and encoder, and a JPEG with EXIF GPS, make, model, serial and XMP. Outputs are checked twice: every
container and stream tag PyAV reads, and the raw bytes (so nothing hides in a box PyAV does not show).
"""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest
from PIL import Image
from test_render_engine import render

from toolkit.cli import cli
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.plan.timeline import ImageSource, Transition, VideoSource
from toolkit.grade.checks import CHECKS
from toolkit.media.metadata import identifying_tags, tag_pairs
from toolkit.media.probe import probe

pytestmark = pytest.mark.render

PLACE = "+51.5074-000.1278/"
# Strings only the inputs hold. Each must be absent from every output's bytes.
LEAKS = ["51.5074", "SECRET", "iPhone 15", "Apple", "ISO6709", "com.apple", "com.android", "IMG_7730",
         "SN-4417-XQ", "quicktime", "Exif", "GPS", "xmpmeta", "photo.jpg", "phone.mov", "music.m4a",
         "memo.wav"]
PHONE_TAGS = ["-metadata", f"location={PLACE}", "-metadata", f"location-eng={PLACE}",
              "-metadata", "com.apple.quicktime.location.ISO6709=+51.5074-000.1278+011.000/",
              "-metadata", "make=Apple", "-metadata", "model=iPhone 15",
              "-metadata", "com.apple.quicktime.software=SECRETSOFT 17.4",
              "-metadata", "com.android.manufacturer=SECRETMANU", "-metadata", "title=IMG_7730.MOV",
              "-metadata", "comment=serial SN-4417-XQ", "-metadata", "creation_time=2024-05-01T10:00:00Z",
              "-metadata:s:v", "handler_name=SECRETHANDLER phone.mov", "-metadata:s:a", "handler_name=SECRETAUDIO",
              "-metadata:s:v", "encoder=SECRETENC", "-metadata:s:a", "language=swe",
              "-movflags", "+use_metadata_tags"]
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.4N" '
       b'exif:GPSLongitude="0,7.7W"/></rdf:RDF></x:xmpmeta>')


def _phone_clip(ffmpeg: str, path: Path, *tags: str, seconds: float = 1.0) -> Path:
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=s=216x384:r=30:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:r=48000",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    *tags, str(path)], check=True)
    return path


def _gps_photo(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0xA431] = "Apple", "iPhone 15", "SN-4417-XQ"  # make, model, body serial
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 40.0)}  # the GPS IFD
    Image.new("RGB", (216, 384), (40, 120, 90)).save(path, exif=exif.tobytes(), xmp=XMP)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    folder = tmp_path_factory.mktemp("phone-inputs")
    clip = _phone_clip(ffmpeg, folder / "phone.mov", *PHONE_TAGS)
    photo = _gps_photo(folder / "photo.jpg")
    # sound files carry tags too: an M4A from a phone's recorder, a WAV with RIFF INFO
    for name, tags in (("music.m4a", ["-metadata", f"location={PLACE}", "-metadata", "artist=SECRETARTIST",
                                      "-metadata", "title=IMG_7730 memo", "-c:a", "aac"]),
                       ("memo.wav", ["-metadata", "comment=SN-4417-XQ", "-metadata", "artist=SECRETARTIST"])):
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
                        "-i", "sine=f=330:d=2:r=48000", *tags, str(folder / name)], check=True)
        assert b"SECRETARTIST" in (folder / name).read_bytes()
    # the fixtures really carry what the outputs must not
    assert {"location", "make", "com.apple.quicktime.location.ISO6709"} <= {k for _, k, _ in tag_pairs(clip)}
    assert ("stream 0", "handler_name", "SECRETHANDLER phone.mov") in tag_pairs(clip)
    with Image.open(photo) as image:
        assert image.getexif().get_ifd(0x8825)[2] == (51.0, 30.0, 26.0)
    raw = clip.read_bytes() + photo.read_bytes()
    names = ("photo.jpg", "phone.mov", "music.m4a", "memo.wav")
    assert all(leak.encode() in raw for leak in LEAKS if leak not in names)
    return folder


def assert_clean(path: Path, folder: Path) -> None:
    """No input string in the bytes, and (for media) no identifying tag PyAV can read."""
    raw = path.read_bytes()
    for needle in [*LEAKS, str(folder), folder.name]:
        assert needle.encode() not in raw, f"{path.name} carries {needle!r}"
        assert needle.encode("utf-16-be") not in raw, f"{path.name} carries {needle!r} (UTF-16)"
    if path.suffix == ".mp4":
        assert identifying_tags(path).location == () and identifying_tags(path).device == ()
        for where, key, value in tag_pairs(path):
            assert key not in {"location", "make", "model", "creation_time", "comment"}, (where, key)
            assert "/" not in value or key == "reel_text", (where, key, value)  # no paths (reel_text holds captions)


STORYBOARDS = {
    "one-graph": "  - background: phone.mov\n    duration: 1s\n    voiceover: memo.wav\n"
                 "  - background: photo.jpg\n    duration: 1s\n    captions: Nothing about where.\n",
    # more segments than one filtergraph opens (CHUNK_SEGMENTS = 4): chunks piped into one encoder
    "chunked": "".join(f"  - background: {name}\n    duration: 1s\n"
                       for name in ("phone.mov", "photo.jpg", "phone.mov", "photo.jpg", "phone.mov")),
}


@pytest.mark.parametrize("shape", sorted(STORYBOARDS))
def test_a_draft_render_carries_nothing_from_its_inputs(runner, inputs: Path, shape: str) -> None:
    sb = inputs / f"{shape}.yaml"
    sb.write_text(f"title: Where I was\nregion: IE\nmusic: music.m4a\nscenes:\n{STORYBOARDS[shape]}",
                  encoding="utf-8")
    out = inputs / f"{shape}-film.mp4"
    dry = runner.invoke(cli, ["render", str(sb), "--draft", "--dry-run", "-o", str(out)])
    # a draft is joined from pieces by stream copy, whatever its shape (the engine's one-graph and
    # chunked shapes are checked on the originals below)
    assert "#   piece 1 of" in dry.output and "} | ffmpeg" not in dry.output
    result = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for path in (out, out.with_suffix(".srt"), out.with_suffix(".vtt")):
        assert_clean(path, inputs)
    tags = dict(probe(out).tags)
    assert tags["title"] == "Where I was" and tags["reel_draft"].startswith("sha256:")


@pytest.mark.parametrize("max_segments", [8, 2], ids=["one-graph", "chunked"])
def test_the_engine_reading_the_originals_copies_nothing(inputs: Path, tmp_path: Path, max_segments: int) -> None:
    # A final render reads the footage itself (drafts read proxies): the same argv, straight from the phone file.
    clip = VideoSource(inputs / "phone.mov", Fraction(0), "cover", 216, 384, True, end=Fraction(1))
    photo = ImageSource(inputs / "photo.jpg", "cover", "none", 216, 384)
    cut = Transition("cut", 0)
    timeline = mf.timeline([(clip, 10, cut), (photo, 10, cut), (clip, 10, cut)], title="Where I was")
    out, _, _ = render(timeline, tmp_path, encode=EncodeSettings.draft(threads=1), max_segments=max_segments)
    assert_clean(out, inputs)


@pytest.mark.parametrize("command", ["still", "sheet"])
def test_stills_and_sheets_carry_no_input_metadata(runner, inputs: Path, command: str) -> None:
    sb = inputs / f"{command}.yaml"
    sb.write_text("title: Where I was\nregion: IE\nscenes:\n  - background: photo.jpg\n    duration: 1s\n"
                  "  - background: phone.mov\n    duration: 1s\n", encoding="utf-8")
    out = inputs / f"{command}.png"
    extra = ["--at", "0.5s"] if command == "still" else []
    result = runner.invoke(cli, [command, str(sb), *extra, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_clean(out, inputs)
    with Image.open(out) as image:
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info


# ------------------------------------------------------------------ reel grade

LOCATION_CLIPS = {
    "location": ["-metadata", f"location={PLACE}"],
    "location-eng": ["-metadata", f"location-eng={PLACE}", "-movflags", "+use_metadata_tags"],
    "com.apple.quicktime.location.ISO6709": ["-metadata", f"com.apple.quicktime.location.ISO6709={PLACE}",
                                             "-movflags", "+use_metadata_tags"],
    # an ISO 6709 position is a place whatever key holds it
    "description": ["-metadata", "description=+48.8584+002.2945+035.000/", "-movflags", "+use_metadata_tags"],
    "handler_name": ["-metadata:s:v", "handler_name=+40.6892-074.0445/"],
}


def _observe(path: Path):
    return CHECKS["identifying-metadata"].run(probe(path), None, None)  # reads the file's tags only


@pytest.mark.parametrize("tag", sorted(LOCATION_CLIPS))
def test_each_location_tag_is_found_and_named(tmp_path: Path, ffmpeg: str, tag: str) -> None:
    clip = _phone_clip(ffmpeg, tmp_path / "clip.mov", *LOCATION_CLIPS[tag], seconds=0.5)
    seen = _observe(clip)
    assert seen.values["location_tags"] >= 1 and seen.values["device_tags"] == 0
    assert any(f":{tag} gives where this was filmed" in n and "reel render" in n for n in seen.notes), seen.notes
    assert not any("51.5074" in n or "48.8584" in n for n in seen.notes)  # the report never repeats the place


def test_device_tags_are_advice_and_a_stripped_copy_is_clean(tmp_path: Path, ffmpeg: str) -> None:
    clip = _phone_clip(ffmpeg, tmp_path / "clip.mov", "-metadata", "make=Apple", "-metadata", "model=iPhone 15",
                       seconds=0.5)
    seen = _observe(clip)
    assert seen.values == {"location_tags": 0, "device_tags": 2}
    assert seen.notes == ("advice: device metadata (container:make, container:model) names the phone or "
                          "software used; strip it the same way",)
    # the fix the report gives: ffmpeg -i IN -map_metadata -1 -c copy OUT
    tagged = _phone_clip(ffmpeg, tmp_path / "tagged.mov", *PHONE_TAGS, seconds=0.5)
    stripped = tmp_path / "stripped.mov"
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(tagged), "-map_metadata", "-1", "-c", "copy",
                    str(stripped)], check=True)
    assert _observe(stripped).values == {"location_tags": 0, "device_tags": 0}


def test_reel_grade_fails_a_located_clip_as_must_fix_and_passes_a_reel_render(runner, inputs: Path) -> None:
    clean = inputs / "one-graph-film.mp4"
    if not clean.exists():
        sb = inputs / "one-graph.yaml"
        sb.write_text(f"title: Where I was\nregion: IE\nscenes:\n{STORYBOARDS['one-graph']}", encoding="utf-8")
        assert runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(clean)]).exit_code == 0
    out = inputs / "grades"
    result = runner.invoke(cli, ["grade", str(inputs / "phone.mov"), str(clean), "--region", "IE",
                                 "--out", str(out)])
    assert result.exit_code == 3, result.output
    reports = {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}
    phone = {r["id"]: r for r in reports["phone.mov.json"]["results"]}
    film = {r["id"]: r for r in reports["one-graph-film.mp4.json"]["results"]}
    where = phone["no-location"]
    assert (where["status"], where["severity"], where["measured"], where["target"]) == ("fail", "must", "3",
                                                                                       "at most 0")
    assert "re-export with location saving off" in " ".join(where["notes"]) + where["explain"].lower()
    assert "container:com.apple.quicktime.location.ISO6709" in " ".join(where["notes"])
    assert (phone["no-device-tags"]["status"], phone["no-device-tags"]["severity"]) == ("warn", "should")
    assert film["no-location"]["status"] == "pass" and film["no-device-tags"]["status"] == "pass"


@pytest.mark.parametrize("name", ["tiktok-default", "broadcast-strict"])
def test_both_shipped_rubrics_fail_location_and_advise_on_devices(name: str) -> None:
    from toolkit.grade.rubric import load_rubric

    found = {c.id: c for c in load_rubric(name).criteria}
    assert (found["no-location"].check, found["no-location"].value, found["no-location"].severity) == (
        "identifying-metadata", "location_tags", "must")
    assert (found["no-device-tags"].value, found["no-device-tags"].severity) == ("device_tags", "should")
    assert found["no-location"].expect.test(0) and not found["no-location"].expect.test(1)

"""Grading clips with known defects: each defect is caught by its check, and a clean film passes
every `must`. Also the reports made from those grades (JSON schema, self-contained HTML that
headless Chromium renders) and the memory bound of the measuring pass.

Clips are generated once per session (tests/grade_clips.py) and each is graded once.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from grade_clips import ClipMaker, Text, picture

from toolkit.care.flash_track import prepare_tables
from toolkit.grade.context import make_context
from toolkit.grade.grader import evaluate, grade, observe
from toolkit.grade.measure import measure
from toolkit.grade.ocr import OcrEngine
from toolkit.grade.report_html import render_html
from toolkit.grade.report_json import report_to_dict
from toolkit.grade.results import Report
from toolkit.grade.rubric import load_rubric
from toolkit.media.probe import probe

ROOT = Path(__file__).resolve().parent.parent

CLEAN_STORYBOARD = """\
title: Reaching out
region: UK
topics: [self-harm]
caption_style: block
music: music.m4a
scenes:
  - slate: content-warning
  - background: "#264653"
    captions:
      - For a long time I kept it to myself.
      - Telling one person helped.
  - background: "#2a9d8f"
    captions:
      - Support is there when you need it.
"""


def _clean(maker: ClipMaker) -> Path:
    """The clean film: a storyboard rendered by the render pipeline (what `reel render` runs:
    `prepare` then `render_film`) at 720×1280, the smallest size the default rubric accepts,
    with pink-noise music for the renderer to normalise to −14 LUFS."""
    from toolkit.film.pipeline import prepare
    from toolkit.film.render import render_film

    maker.run(["-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.5:d=30:r=48000", "-ac", "2", "-c:a", "aac",
               "-b:a", "128k", str(maker.folder / "music.m4a")])
    storyboard = maker.folder / "clean.yaml"
    storyboard.write_text(CLEAN_STORYBOARD, encoding="utf-8")
    return render_film(prepare(storyboard, width=720), maker.folder / "clean.mp4", force=True).output


def _black_start(maker: ClipMaker) -> Path:
    size = (216, 384)
    return maker.slideshow("black-start.mp4", [(picture(size, "#000000"), 1.0),
                                               (picture(size, "#2a9d8f", [Text("Hello", 900, 96)]), 2.0)])


CLIPS: dict[str, Callable[[ClipMaker], Path]] = {
    "clean": _clean,
    "landscape": lambda m: m.lavfi("landscape.mp4", "testsrc2=s=384x216:r=30", seconds=3),
    "hd-ready": lambda m: m.lavfi("720x1280.mp4", "testsrc2=s=720x1280:r=30", seconds=3),
    "loud": lambda m: m.lavfi("loud.mp4", "testsrc2=s=216x384:r=30", seconds=4, lufs=-6),
    "quiet": lambda m: m.lavfi("quiet.mp4", "testsrc2=s=216x384:r=30", seconds=4, lufs=-30),
    "flash": lambda m: m.flashing("flash-5hz.mp4"),
    "no-end-card": lambda m: m.captioned_film("no-end-card.mp4", end_card_seconds=None),
    "short-end-card": lambda m: m.captioned_film("short-end-card.mp4", end_card_seconds=1.5),
    "rail-captions": lambda m: m.captioned_film("rail-captions.mp4", end_card_seconds=7, caption_x=900),
    "black-start": _black_start,
    "long": lambda m: m.lavfi("200s.mp4", "color=c=0x264653:s=72x128:r=5", seconds=200, lufs=None,
                              extra=["-g", "250"]),
    "no-audio": lambda m: m.lavfi("no-audio.mp4", "testsrc2=s=216x384:r=30", seconds=3, lufs=None),
    "rotated": lambda m: m.rotated("rotated.mp4"),
    "silent-gap": lambda m: m.lavfi("silent-gap.mp4", "testsrc2=s=216x384:r=30", seconds=6, gap=(1.0, 5.0)),
    "unsafe-words": lambda m: m.slideshow("unsafe-words.mp4", [(picture((540, 960), "#264653", [
        Text("He committed suicide", 1000, 64, box=True), Text("last year.", 1084, 64, box=True)]), 3.0)]),
}


@pytest.fixture(scope="session")
def maker(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> ClipMaker:
    return ClipMaker(tmp_path_factory.mktemp("grade-clips"), ffmpeg)


@pytest.fixture(scope="session")
def graded(maker: ClipMaker) -> Callable[[str], Report]:
    """Grade a catalogue clip (once per session) with the default rubric, region UK, topic self-harm;
    the clean film is graded against its storyboard."""
    engine, rubric = OcrEngine(), load_rubric()
    context = make_context(region="UK", topics=["self-harm"])
    reports: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in reports:
            clip = CLIPS[name](maker)
            ctx = make_context(storyboard=maker.folder / "clean.yaml") if name == "clean" else context
            reports[name] = grade(clip, rubric, context=ctx, ocr=engine)
        return reports[name]
    return get


def status(report: Report, criterion: str) -> str:
    result = report.result(criterion)
    assert result is not None, criterion
    return result.status


# ------------------------------------------------------------------ the clean film


def test_clean_film_passes_every_must(graded: Callable[[str], Report]) -> None:
    report = graded("clean")
    failed = [(r.id, r.summary) for r in report.results if r.status == "fail"]
    assert failed == []
    assert report.passed and report.verdict == "pass"
    for criterion in ("end-card", "end-card-services", "content-warning", "captions-safe-zone", "flash",
                      "loudness", "container", "caption-reading-speed", "storyboard-duration", "storyboard-scenes"):
        assert status(report, criterion) == "pass", report.result(criterion)
    assert status(report, "resolution-full-hd") == "warn"  # 720×1280 is allowed, 1080×1920 recommended
    assert report.count("not_evaluated") == 0  # storyboard, music and captions: every check runs


def test_clean_film_end_card_names_what_it_read(graded: Callable[[str], Report]) -> None:
    card = graded("clean").result("end-card")
    assert card is not None and card.value >= 5.0
    assert any("Samaritans (116 123)" in n and "Shout (85258)" in n for n in card.notes)
    assert any("116 123" in text for text in card.read)


def test_clean_film_matches_its_storyboard(graded: Callable[[str], Report]) -> None:
    report = graded("clean")
    duration = report.result("storyboard-duration")
    scenes = report.result("storyboard-scenes")
    assert duration is not None and abs(duration.value) <= 0.1
    assert scenes is not None and scenes.value == 0


# ------------------------------------------------------------------ one defect each


def test_landscape_clip_fails_aspect(graded: Callable[[str], Report]) -> None:
    aspect = graded("landscape").result("aspect")
    assert aspect is not None and (aspect.status, aspect.value) == ("fail", "16:9")


def test_720x1280_is_allowed_but_not_recommended_and_fails_broadcast(graded: Callable[[str], Report]) -> None:
    report = graded("hd-ready")
    assert status(report, "resolution") == "pass"
    assert status(report, "resolution-full-hd") == "warn"
    strict = next(c for c in load_rubric("broadcast-strict").criteria if c.id == "resolution")
    obs = observe(report.media, report.measurements, make_context(), {"resolution"})
    result = evaluate(strict, obs["resolution"])
    assert (result.status, result.value) == ("fail", "720x1280")


@pytest.mark.parametrize(("name", "lufs"), [("loud", -6.0), ("quiet", -30.0)])
def test_loudness_off_target_fails(graded: Callable[[str], Report], name: str, lufs: float) -> None:
    result = graded(name).result("loudness")
    assert result is not None and result.status == "fail"
    assert result.value == pytest.approx(lufs, abs=0.5)


def test_five_hertz_flashing_fails_the_flash_gate_where_it_happens(graded: Callable[[str], Report]) -> None:
    flash = graded("flash").result("flash")
    assert flash is not None and flash.status == "fail"
    # a frame is over the limit while its last second holds 7+ transitions: from ~1.6 s to ~1 s after
    assert flash.spans and 1.0 <= flash.spans[0].start < 2.0 and 3.0 <= flash.spans[0].end <= 4.0


def test_missing_end_card_fails_and_says_what_was_read(graded: Callable[[str], Report]) -> None:
    report = graded("no-end-card")
    card = report.result("end-card")
    assert card is not None and (card.status, card.value) == ("fail", 0.0)
    assert status(report, "end-card-services") == "fail"
    assert "Thanks for watching" in card.read
    assert card.notes == ("no UK helpline number was read in the last 12 s",)
    warning = report.result("content-warning")  # a self-harm film that opens straight on a caption
    assert warning is not None and warning.status == "fail" and "For a long time I kept it to myself." in warning.read


def test_short_end_card_fails_on_duration_not_on_services(graded: Callable[[str], Report]) -> None:
    report = graded("short-end-card")
    card = report.result("end-card")
    assert card is not None and card.status == "fail" and card.value == pytest.approx(1.5, abs=0.2)
    assert status(report, "end-card-services") == "pass"


def test_captions_under_the_button_rail_fail_the_safe_zone_with_frames(graded: Callable[[str], Report]) -> None:
    zone = graded("rail-captions").result("captions-safe-zone")
    assert zone is not None and zone.status == "fail" and zone.value >= 3
    assert zone.stills and all(any(b.right > 888 for b in s.boxes) for s in zone.stills)
    assert "under the right-hand buttons" in zone.stills[0].caption
    assert status(graded("short-end-card"), "captions-safe-zone") == "pass"  # same film, centred captions


def test_black_first_second_fails(graded: Callable[[str], Report]) -> None:
    black = graded("black-start").result("black-frames")
    assert black is not None and black.status == "fail"
    assert black.value == pytest.approx(1.0, abs=0.05)


def test_200_second_clip_fails_duration_with_bounded_measurements(graded: Callable[[str], Report]) -> None:
    report = graded("long")
    duration = report.result("duration")
    assert duration is not None and (duration.status, duration.value) == ("fail", 200.0)
    m = report.measurements
    assert m.video is not None and len(m.video.picture.filmstrip) <= 240
    assert m.text is not None and len(m.text.samples) <= 8 + 12 + 60 + 1
    assert m.text.detections == 1  # one unchanging picture is read once
    hook = report.result("hook")  # nothing moves and no text ever appears
    assert hook is not None and (hook.status, hook.value) == ("warn", 200.0)


def test_clip_without_audio_fails_audio_present_and_skips_loudness(graded: Callable[[str], Report]) -> None:
    report = graded("no-audio")
    assert status(report, "audio-present") == "fail"
    loud = report.result("loudness")
    assert loud is not None and (loud.status, loud.reason) == ("not_evaluated", "the clip has no audio track")


def test_rotation_metadata_is_honoured(graded: Callable[[str], Report]) -> None:
    report = graded("rotated")
    aspect = report.result("aspect")
    assert aspect is not None and (aspect.status, aspect.value) == ("pass", "9:16")
    assert any("stored 384x216 with 90° rotation" in n for n in aspect.notes)
    assert report.measurements.video is not None and report.measurements.video.analysis_size == (216, 384)


def test_long_silent_gap_is_flagged_where_it_is(graded: Callable[[str], Report]) -> None:
    silence = graded("silent-gap").result("silence")
    assert silence is not None and silence.status == "warn"
    assert silence.value == pytest.approx(4.0, abs=0.1)
    assert silence.spans[0].start == pytest.approx(1.0, abs=0.05)


def test_unsafe_wording_on_screen_fails_safe_language(graded: Callable[[str], Report]) -> None:
    language = graded("unsafe-words").result("safe-language")
    assert language is not None and language.status == "fail" and language.value >= 1
    assert any("“committed suicide”" in line for line in language.read)


# ------------------------------------------------------------------ reports


@pytest.mark.parametrize("name", ["clean", "rail-captions", "no-audio"])
def test_json_report_matches_its_schema(graded: Callable[[str], Report], name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schema" / "grade.schema.json").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(report_to_dict(graded(name))))
    jsonschema.validate(data, schema)
    assert [r["id"] for r in data["results"]] == [c.id for c in load_rubric().criteria]


def test_html_report_is_self_contained(graded: Callable[[str], Report]) -> None:
    html = render_html(graded("rail-captions"))
    assert 'data-verdict="fail"' in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", html)  # no external resources
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert html.count("<figcaption>shot ") == 4  # the contact sheet: one frame per shot of its four shots
    assert html.count("data:image/jpeg;base64,") >= 4 + 1  # contact sheet + problem frames
    assert "Problem frames" in html and "Loudness over time" in html and "under the right-hand buttons" in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_headless_chromium(graded: Callable[[str], Report], tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)")
    page = tmp_path / "report.html"
    page.write_text(render_html(graded("rail-captions")), encoding="utf-8")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                         check=False).stdout
    assert 'data-verdict="fail"' in dom and "captions-safe-zone" in dom
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.std() > 20  # not blank
    banner = pixels[20:120, 40:960].reshape(-1, 3).mean(axis=0)
    assert banner[0] > 150 and banner[1] < 100  # the red FAIL banner is drawn at the top


# ------------------------------------------------------------------ memory


def test_measuring_streams_frames_instead_of_holding_them(maker: ClipMaker) -> None:
    """The bound that lets a 4K, 10-minute clip finish: frames are dropped as soon as every analyser
    has seen them, so traced memory stays flat while the decoded frames add up to gigabytes."""
    clip = CLIPS["rail-captions"](maker)
    info = probe(clip)
    prepare_tables()  # the flash gate's fixed 64 MB of colour tables, once per process: not per clip
    tracemalloc.start()
    try:
        m = measure(info, ocr=OcrEngine())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m.video is not None
    decoded = m.video.frames * 540 * 960 * 3  # every frame at OCR size
    assert decoded > 600e6
    assert peak < 80e6, f"peak traced memory {peak / 1e6:.0f} MB"

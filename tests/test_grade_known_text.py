"""The text Reel drew, known to the grader: from the storyboard's plan or the film's `reel_text` tag.

A film Reel renders says in its metadata where it drew text (`toolkit.film.plan.text_map`); the
grader believes it only for the very picture it describes, and reads it as untrusted data.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest

from toolkit.cli import cli
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.text_map import (
    MAX_TAG_BYTES,
    TAG_KEY,
    DrawnText,
    TextMap,
    TextMapError,
    decode,
    encode,
)
from toolkit.film.plan.timeline import ColorSource, ImageBlock, Layer, Overlay, TextBlock, Transition
from toolkit.geometry import REFERENCE_SAFE, Box
from toolkit.grade.context import make_context
from toolkit.grade.known_text import known_from_timeline, known_text_for
from toolkit.media.probe import probe

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "storyboards" / "psychosis-three-things.yaml"  # slates, block and word-by-word captions


# ------------------------------------------------------------------ from the plan


def test_known_text_of_a_planned_storyboard_is_where_and_when_the_plan_draws_it() -> None:
    timeline = prepare(EXAMPLE).timeline
    fps = timeline.canvas.fps
    known = known_from_timeline(timeline)
    assert {k.kind for k in known} == {"caption", "slate", "end_card"}
    for k in known:
        assert REFERENCE_SAFE.contains(k.box), k
        assert 0 <= k.start < k.end <= float(timeline.duration)
    # every text overlay is covered by one entry with its words, box and times
    for overlay in timeline.overlays:
        for block in overlay.blocks:
            assert isinstance(block, TextBlock)  # this film has no logo
            words = " ".join(" ".join(line.text.split()) for line in block.lines)  # no-break spaces as spaces
            match = [k for k in known if k.kind == overlay.kind and k.text == words and k.box == block.bounds]
            assert len(match) == 1, (overlay.id, words)
            assert match[0].start <= float(overlay.start / fps) and float(overlay.end / fps) <= match[0].end
    # word-by-word highlighting (one overlay per word) is one caption, timed as the plan's captions
    captions = [k for k in known if k.kind == "caption"]
    planned = make_context(storyboard=EXAMPLE).plan
    assert planned is not None
    assert [(c.start, c.end, c.text) for c in planned.captions] == \
        [(pytest.approx(k.start), pytest.approx(k.end), k.text) for k in captions]
    assert sum(o.kind == "caption" for o in timeline.overlays) > len(captions)
    one = next(k for k in captions if k.text == "One: psychosis is common.")
    # from the middle of the 0.5 s fade into its scene (the previous scene's caption holds to there)
    assert (one.start, one.end) == (pytest.approx(244 / 30), pytest.approx(303 / 30))


def test_a_draft_describes_its_text_on_the_reference_frame() -> None:
    # a draft measures its words at half the font size, so a line may come out a few pixels
    # wider or narrower (8 reference pixels at most across the examples, 4 draft pixels)
    full, draft = prepare(EXAMPLE).timeline, prepare(EXAMPLE, width=DRAFT_WIDTH).timeline
    assert draft.canvas.width == DRAFT_WIDTH
    for a, b in zip(known_from_timeline(full), known_from_timeline(draft), strict=True):
        assert (a.kind, a.text, a.start, a.end) == (b.kind, b.text, b.start, b.end)
        for edge_a, edge_b in ((a.box.x, b.box.x), (a.box.y, b.box.y), (a.box.right, b.box.right),
                               (a.box.bottom, b.box.bottom)):
            assert abs(edge_a - edge_b) <= 12, (a, b)


def test_logos_and_text_bearing_layers_are_known_without_words() -> None:
    """A hand-built 216×384 film: a logo drawn per segment is one entry, a screenshot layer is
    known by its box, a plain picture layer is not text, and boxes come back on the reference frame."""
    logo = Path("/media/logo.png")
    overlays = (Overlay("cap-0", "caption", 0, 10, (mf.text_block("Hello there", Box(40, 300, 136, 24)),)),
                Overlay("logo-0", "logo", 0, 20, (ImageBlock(logo, Box(176, 40, 24, 24), 1.0),)),
                Overlay("logo-1", "logo", 20, 10, (ImageBlock(logo, Box(176, 40, 24, 24), 1.0),)),
                Overlay("off", "caption", 0, 5, (mf.text_block("gone", Box(300, 10, 20, 10)),)))
    timeline = mf.timeline([(ColorSource("#222222"), 20, Transition("cut", 0)),
                            (ColorSource("#333333"), 10, Transition("cut", 0))], overlays=overlays)
    timeline = dataclasses.replace(timeline, layers=(
        Layer("shot", ColorSource("#ffffff"), 2, 8, Box(40, 100, 100, 60), bears_text=True),
        Layer("plain", ColorSource("#000000"), 2, 8, Box(0, 0, 216, 384))))
    known = {(k.kind, k.text): k for k in known_from_timeline(timeline)}
    assert set(known) == {("caption", "Hello there"), ("logo", ""), ("layer", ""), ("end_card", "Samaritans 116 123")}
    assert (known["logo", ""].start, known["logo", ""].end) == (0.0, 3.0)  # 30 frames at 10 fps, one entry
    assert known["caption", "Hello there"].box == Box(200, 1500, 680, 120)
    assert known["layer", ""].box == Box(200, 500, 500, 300)  # ×5: 216 px wide is a fifth of 1080
    assert (known["layer", ""].start, known["layer", ""].end) == (0.2, 1.0)


def test_the_planned_tag_is_small_and_reads_back() -> None:
    timeline = prepare(EXAMPLE).timeline
    tag = dict(timeline.metadata)[TAG_KEY]
    assert len(tag.encode("utf-8")) < 2000  # 1469 bytes for this 40 s film
    tmap = decode(tag)
    assert (tmap.width, tmap.height, tmap.fps, tmap.frames) == (1080, 1920, Fraction(30), timeline.frames)
    assert [(t.kind, t.box, t.text) for t in tmap.texts] == \
        [(k.kind, k.box, k.text) for k in known_from_timeline(timeline)]


def test_past_the_cap_the_words_go_then_the_map() -> None:
    def tmap(n: int, words: str) -> TextMap:
        return TextMap(1080, 1920, Fraction(30), 10_000, tuple(
            DrawnText("caption", i, i + 1, Box(120, 1000, 768, 120), words) for i in range(n)))

    assert decode(encode(tmap(20, "a few words"))).texts[0].text == "a few words"
    wordless = decode(encode(tmap(200, "x" * 200)))  # 40 kB of words: the boxes and times still fit
    assert not wordless.words and len(wordless.texts) == 200 and wordless.texts[7].text == ""
    assert len(encode(tmap(200, "x" * 200)).encode()) <= MAX_TAG_BYTES
    assert encode(tmap(600, "")) is None  # past 16 KiB even without words


def test_a_film_whose_text_does_not_fit_the_cap_carries_no_map_and_planning_says_so(monkeypatch) -> None:
    import toolkit.film.plan.text_map as text_map_module

    monkeypatch.setattr(text_map_module, "MAX_TAG_BYTES", 200)  # the example's boxes alone need 865 bytes
    prepared = prepare(EXAMPLE)
    assert TAG_KEY not in dict(prepared.timeline.metadata)
    said = [w for w in prepared.warnings if TAG_KEY in w.message]
    assert len(said) == 1 and "judge its text by appearance alone" in said[0].message


# ------------------------------------------------------------------ from the film's metadata


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny draft film with a caption (540×960), and its storyboard."""
    folder = tmp_path_factory.mktemp("known")
    sb = folder / "short.yaml"
    sb.write_text("title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n"
                  "    captions: A short caption.\n", encoding="utf-8")
    out = folder / "short.mp4"
    from click.testing import CliRunner
    result = CliRunner().invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, sb


def _ffmpeg(*args: str) -> None:
    from imageio_ffmpeg import get_ffmpeg_exe
    subprocess.run([get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.mark.render
def test_the_rendered_film_carries_its_text_and_the_grader_reads_it_back(draft) -> None:
    film, sb = draft
    info = probe(film)
    assert TAG_KEY in dict(info.tags)
    known, note = known_text_for(info, make_context(region="IE"))
    assert known == known_from_timeline(prepare(sb, width=DRAFT_WIDTH).timeline)
    assert "reel_text" in note and "ignored" not in note
    caption = next(k for k in known if k.kind == "caption")
    assert caption.text == "A short caption." and caption.start == 0 and caption.end == 2
    assert REFERENCE_SAFE.contains(caption.box)
    assert any(k.kind == "end_card" for k in known)
    # with the storyboard, the plan says the same
    from_plan, note = known_text_for(info, make_context(storyboard=sb))
    assert note == "where the storyboard's plan puts text"
    assert [(k.kind, k.text, k.start, k.end) for k in from_plan] == [(k.kind, k.text, k.start, k.end) for k in known]


@pytest.mark.render
@pytest.mark.parametrize(("args", "said"), [
    (["-vf", "scale=360:640"], "this clip is 360×640"),
    (["-t", "1.5"], "this clip has 45 frames"),
    (["-vf", "crop=540:900:0:0"], "this clip is 540×900"),
    (["-r", "25"], "this clip runs at 25 fps"),
], ids=["resized", "trimmed", "cropped", "new-rate"])
def test_a_copy_made_elsewhere_that_kept_the_tags_is_not_believed(draft, tmp_path, args, said) -> None:
    film, _ = draft
    copy = tmp_path / "copy.mp4"
    _ffmpeg("-i", str(film), *args, "-map_metadata", "0", "-movflags", "+use_metadata_tags",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(copy))
    info = probe(copy)
    assert TAG_KEY in dict(info.tags)  # the tag survived the re-encode
    known, note = known_text_for(info, make_context(region="IE"))
    assert known is None
    assert "metadata was ignored" in note and said in note, note


@pytest.mark.render
def test_a_trimmed_copy_graded_with_its_storyboard_does_not_use_the_plan(draft, tmp_path) -> None:
    film, sb = draft
    copy = tmp_path / "trimmed.mp4"
    _ffmpeg("-i", str(film), "-t", "5", "-c", "copy", str(copy))
    known, note = known_text_for(probe(copy), make_context(storyboard=sb))
    assert known is None
    assert "s long and the storyboard's plan" in note and "text layout is not used" in note, note


@pytest.mark.render
def test_a_megabyte_tag_in_a_real_file_is_ignored(draft, tmp_path) -> None:
    film, _ = draft
    meta = tmp_path / "meta.txt"
    meta.write_text(";FFMETADATA1\n" + f"{TAG_KEY}=" + "A" * 1_000_000 + "\n", encoding="utf-8")
    copy = tmp_path / "big-tag.mp4"
    _ffmpeg("-i", str(film), "-f", "ffmetadata", "-i", str(meta), "-map", "0", "-map_metadata", "1",
            "-movflags", "+use_metadata_tags", "-c", "copy", str(copy))
    info = probe(copy)
    assert len(dict(info.tags).get(TAG_KEY, "")) == 1_000_000
    known, note = known_text_for(info, make_context(region="IE"))
    assert known is None and f"1000000 bytes; a text map is at most {MAX_TAG_BYTES}" in note


# ------------------------------------------------------------------ hostile values


def _good() -> dict:
    return {"v": 1, "size": [540, 960], "fps": "30", "frames": 90,
            "text": [["caption", 0, 60, 120, 1000, 768, 120, "A short caption."]]}


def _with(path: tuple, value) -> str:
    data = _good()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data)


HOSTILE = {
    "not-json": ("{\"v\": 1,", "not JSON"),
    "a-list": ("[1, 2, 3]", "not a JSON object"),
    "deep-nesting": ("[" * 8000 + "]" * 8000, "not JSON"),
    "version-2": (_with(("v",), 2), "version 2"),
    "version-true": (_with(("v",), True), "version true"),
    "size-text": (_with(("size",), "540x960"), "`size` is not"),
    "size-huge": (_with(("size", 0), 10 ** 30), "`size` is"),
    "fps-exponent": (_with(("fps",), "1e400"), "`fps`"),
    "fps-number": (_with(("fps",), 30), "`fps`"),
    "fps-zero": (_with(("fps",), "0"), "`fps`"),
    "frames-float": (_with(("frames",), 90.0), "`frames` is 90.0"),
    "frames-negative": (_with(("frames",), -5), "`frames` is -5"),
    "text-object": (_with(("text",), {"a": 1}), "`text` is not a list"),
    "short-entry": (_with(("text", 0), ["caption", 0, 60]), "text[0] is not [kind"),
    "unknown-kind": (_with(("text", 0, 0), "<script>"), "kind \"<script>\""),
    "negative-x": (_with(("text", 0, 3), -10), "`text[0] x` is -10"),
    "negative-width": (_with(("text", 0, 5), -768), "`text[0] w` is -768"),
    "past-the-frame": (_with(("text", 0, 5), 2000), "`text[0] w` is 2000"),
    "huge-y": (_with(("text", 0, 4), 10 ** 400), "`text[0] y`"),
    "bool-start": (_with(("text", 0, 1), False), "`text[0] start` is false"),
    "ends-before-start": (_with(("text", 0, 2), 0), "`text[0] end` is 0"),
    "past-the-end": (_with(("text", 0, 2), 91), "`text[0] end` is 91"),
    "words-number": (_with(("text", 0, 7), 5), "the words are not text"),
    "words-long": (_with(("text", 0, 7), "w" * 1001), "the words are not text"),
    "megabyte": ("x" * 1_000_000, "1000000 bytes"),
    "empty": ("", "not JSON"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_tag_is_ignored_with_a_note(name) -> None:
    value, said = HOSTILE[name]
    with pytest.raises(TextMapError, match=None) as caught:
        decode(value)
    assert said in str(caught.value), str(caught.value)
    known, note = known_text_for(_clip((TAG_KEY, value)), make_context(region="IE"))
    assert known is None
    assert note.startswith("the clip's `reel_text` metadata was ignored: ") and said in note


def test_the_well_formed_value_beside_the_hostile_ones_is_believed() -> None:
    known, note = known_text_for(_clip((TAG_KEY, json.dumps(_good()))), make_context(region="IE"))
    assert note == "where the clip's `reel_text` metadata says Reel drew text"
    assert known is not None and known[0].text == "A short caption." and known[0].end == 2.0
    assert known[0].box == Box(120, 1000, 768, 120)


def test_no_tag_and_no_storyboard_says_text_is_judged_by_appearance() -> None:
    known, note = known_text_for(_clip(("title", "My film")), make_context(region="IE"))
    assert known is None and "judged by its appearance" in note


def _clip(*tags: tuple[str, str]):
    """A probed 540×960, 30 fps, 90-frame clip's description with `tags` (no file needed)."""
    from toolkit.media.probe import ColourTags, MediaInfo, VideoStreamInfo

    video = VideoStreamInfo(codec="h264", width=540, height=960, coded_width=540, coded_height=960, rotation=0,
                            fps=Fraction(30), avg_fps=Fraction(30), pix_fmt="yuv420p", frames=90, duration=3.0,
                            sar=Fraction(1), profile="High", colour=ColourTags("bt709", "bt709", "bt709", "tv"),
                            is_still=False)
    info = MediaInfo(path=Path("clip.mp4"), format_name="mov,mp4,m4a,3gp,3g2,mj2", duration=3.0, size_bytes=1,
                     video=video, audio=None, bit_rate=None)
    return dataclasses.replace(info, tags=tags)


# ------------------------------------------------------------------ in the check


@pytest.mark.render
def test_the_safe_zone_check_uses_the_films_own_text_and_says_where_it_came_from(draft, tmp_path) -> None:
    from toolkit.grade.grader import grade
    from toolkit.grade.rubric import load_rubric

    film, _ = draft
    report = grade(film, load_rubric(), context=make_context(region="IE"))
    result = next(r for r in report.results if r.id == "captions-safe-zone")
    assert result.status == "pass"
    assert "Reel's own text: where the clip's `reel_text` metadata says Reel drew text" in result.notes
    copy = tmp_path / "resized.mp4"
    _ffmpeg("-i", str(film), "-vf", "scale=360:640", "-map_metadata", "0", "-movflags", "+use_metadata_tags",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(copy))
    report = grade(copy, load_rubric(), context=make_context(region="IE"))
    result = next(r for r in report.results if r.id == "captions-safe-zone")
    assert any(n.startswith("Reel's own text: the clip's `reel_text` metadata was ignored") for n in result.notes)

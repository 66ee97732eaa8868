"""`reel plan --json` can be saved and read back: `Timeline.from_dict(to_dict(t)) == t`, and a plan
of another version, or with a value that does not fit its field, is a `TimelineFormatError`
naming what is wrong."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.cli import cli
from toolkit.errors import TimelineFormatError
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.timeline import (
    JSON_VERSION,
    AudioCue,
    AudioMix,
    Box,
    ColorSource,
    GradientSource,
    ImageBlock,
    ImageSource,
    Overlay,
    TextBlock,
    TextLine,
    TextRun,
    Timeline,
    Transition,
    VideoSource,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))


def through_json(timeline: Timeline) -> Timeline:
    """What a saved plan reads back as: to_dict, written as JSON text, parsed, from_dict."""
    return Timeline.from_dict(json.loads(json.dumps(timeline.to_dict(), ensure_ascii=False)))


@pytest.mark.parametrize("storyboard", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("width", [None, DRAFT_WIDTH], ids=["final", "draft"])
def test_every_example_plan_reads_back_equal(storyboard: Path, width: int | None) -> None:
    timeline = prepare(storyboard, width=width).timeline
    again = through_json(timeline)
    assert again == timeline
    assert again.to_dict() == timeline.to_dict()


# ------------------------------------------------------------------ any Timeline the types allow

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_frac = st.fractions(min_value=0, max_value=600, max_denominator=1001)
_colour = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
_path = st.builds(Path, st.from_regex(r"/[a-z0-9 é_-]{1,12}/[a-z0-9.]{1,10}", fullmatch=True))
_box = st.builds(Box, st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000))
_fit = st.sampled_from(["cover", "contain", "blur-fill"])
_source = st.one_of(
    st.builds(VideoSource, _path, _frac, _fit, st.integers(1, 4000), st.integers(1, 4000), st.booleans(),
              st.one_of(st.none(), _frac), st.sampled_from(["none", "last-frame", "loop"])),
    st.builds(ImageSource, _path, _fit, st.sampled_from(["none", "zoom-in", "pan-up"]), st.integers(1, 4000),
              st.integers(1, 4000)),
    st.builds(ColorSource, _colour),
    st.builds(GradientSource, st.tuples(_colour, _colour), st.sampled_from(["vertical", "horizontal", "diagonal"])),
)
_transition = st.one_of(st.just(Transition("cut", 0)),
                        st.builds(Transition, st.sampled_from(["fade", "dip-to-black", "slide-up"]),
                                  st.integers(1, 5)))
_block = st.one_of(
    st.builds(TextBlock, st.lists(st.builds(TextLine, _box, st.lists(st.builds(TextRun, _text, st.integers(0, 900),
                                                                                  _colour), max_size=3)
                                                 .map(tuple)), max_size=3).map(tuple),
              _path, st.integers(1, 200), st.one_of(st.none(), _colour.map(lambda c: c + "b0")),
              st.integers(0, 40), st.integers(0, 40), _box),
    st.builds(ImageBlock, _path, _box, st.floats(0, 1)),
)
_overlay = st.builds(Overlay, _text, st.sampled_from(["caption", "slate", "logo", "title"]), st.integers(0, 50),
                     st.integers(1, 50), st.lists(_block, max_size=2).map(tuple),
                     st.lists(st.one_of(_text, st.integers(0, 9)), max_size=3).map(tuple))
_cue = st.builds(AudioCue, st.sampled_from(["source", "voice", "music"]), _path, st.integers(0, 50),
                 st.integers(1, 50), _frac, st.floats(0, 2), st.integers(0, 5), st.integers(0, 5), st.booleans(),
                 st.one_of(st.none(), _frac))
_mix = st.builds(AudioMix, st.booleans(), st.floats(-30, -5), st.floats(-3, 0))


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    scenes = draw(st.lists(st.tuples(_source, st.integers(6, 40), _transition), min_size=1, max_size=4))
    timeline = mf.timeline(scenes, overlays=tuple(draw(st.lists(_overlay, max_size=3))),
                           audio=tuple(draw(st.lists(_cue, max_size=3))), mix=draw(_mix), title=draw(_text),
                           metadata=tuple(draw(st.lists(st.tuples(_text, _text), max_size=2))),
                           end_transition=draw(_transition))
    fps = draw(st.sampled_from([Fraction(30), Fraction(30000, 1001), Fraction(25), Fraction(10)]))
    canvas = mf.canvas(width=draw(st.integers(2, 1080)), height=draw(st.integers(2, 1920)))
    return Timeline(type(canvas)(canvas.width, canvas.height, fps, draw(_box), draw(_frac)), timeline.segments,
                    timeline.overlays, timeline.audio, timeline.mix, timeline.title, timeline.metadata,
                    timeline.min_end_card_frames)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(timelines())
def test_any_timeline_reads_back_equal(timeline: Timeline) -> None:
    assert through_json(timeline) == timeline


# ------------------------------------------------------------------ what a reader refuses


@pytest.fixture(scope="module")
def saved() -> dict:
    return prepare(EXAMPLES[0], width=DRAFT_WIDTH).timeline.to_dict()


def test_the_plan_says_its_version(saved: dict) -> None:
    assert saved["version"] == JSON_VERSION == 3
    assert next(iter(saved)) == "version"  # first, where a reader (or a person) looks


@pytest.mark.parametrize("version, said", [(2, "is version 2"), ("3", "is version '3'"), (None, "has no version")])
def test_a_plan_of_another_version_is_refused(saved: dict, version: object, said: str) -> None:
    data = copy.deepcopy(saved)
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    with pytest.raises(TimelineFormatError) as caught:
        Timeline.from_dict(data)
    assert str(caught.value) == (f"this plan {said}; this Reel reads plan JSON version 3: make it again with "
                                 "`reel plan --json`")
    assert caught.value.version == version
    assert isinstance(caught.value, ValueError)  # callers may catch the builtin too


def _refused(data: object) -> TimelineFormatError:
    with pytest.raises(TimelineFormatError) as caught:
        Timeline.from_dict(data)
    return caught.value


def test_a_value_of_the_wrong_kind_names_its_field(saved: dict) -> None:
    data = copy.deepcopy(saved)
    data["segments"][1]["start"] = "12"
    error = _refused(data)
    assert str(error) == "segments[1].start: expected int, got a string" and error.field == "segments[1].start"

    data = copy.deepcopy(saved)
    data["canvas"]["fps"] = "thirty"
    assert str(_refused(data)) == 'canvas.fps: expected a fraction such as "30000/1001", got \'thirty\''

    data = copy.deepcopy(saved)
    data["segments"][0]["source"]["type"] = "hologram"
    assert str(_refused(data)).startswith("segments[0].source: unknown type 'hologram'; expected one of 'video', ")

    data = copy.deepcopy(saved)
    data["segments"][0]["transition_in"]["kind"] = "wipe"
    assert str(_refused(data)).startswith("segments[0].transition_in.kind: 'wipe' is not one of 'cut', 'fade'")

    data = copy.deepcopy(saved)
    del data["mix"]
    assert str(_refused(data)) == "mix: missing"

    data = copy.deepcopy(saved)
    data["segments"][0]["source"]["hodl"] = "loop"  # a misspelt optional field must not fall back to its default
    assert str(_refused(data)).startswith("segments[0].source: unknown field 'hodl' for ")


def test_a_plan_whose_end_card_was_removed_is_refused(saved: dict) -> None:
    data = copy.deepcopy(saved)
    data["segments"] = data["segments"][:-1]
    data.pop("frames"), data.pop("duration_seconds")
    assert str(_refused(data)) == "a timeline must end with the helpline end card"


def test_derived_values_must_agree(saved: dict) -> None:
    data = copy.deepcopy(saved)
    data["frames"] += 1
    assert str(_refused(data)).startswith("frames: ")
    assert str(_refused([saved])) == "a saved plan is a JSON object, not list"


def test_reel_plan_json_reads_back(runner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["plan", str(EXAMPLES[0]), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == JSON_VERSION
    assert Timeline.from_dict(data) == prepare(EXAMPLES[0]).timeline

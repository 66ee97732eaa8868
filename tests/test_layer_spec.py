"""Layers in the storyboard language: every recipe parses and plans to the expected Layer, and
every bad input is an error at its line, column and field (or a stated, tested behaviour)."""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import IssuesError, ReelError, SpecError
from toolkit.film import assets as library
from toolkit.film.pipeline import prepare
from toolkit.film.plan.describe import describe
from toolkit.film.plan.timeline import ColorSource, ImageSource, Layer, LayerMotion, Timeline, VideoSource
from toolkit.geometry import Box
from toolkit.media import synth
from toolkit.settings import Settings


def _ffmpeg(*args: str) -> None:
    import subprocess

    subprocess.run([Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layers")
    synth.footage(folder / "talk.mp4", seconds=6, width=64, height=36)
    synth.footage(folder / "broll.mp4", seconds=4, width=64, height=36)
    synth.footage(folder / "speaker.mp4", seconds=6, width=36, height=64)
    synth.still(folder / "shot.jpg", width=60, height=120)
    _ffmpeg("-f", "lavfi", "-i", "color=c=red@0.5:s=40x40,format=rgba", "-frames:v", "1", str(folder / "alpha.png"))
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=40x40,format=rgb24", "-frames:v", "1", str(folder / "opaque.png"))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=32x32:r=10", "-frames:v", "20", str(folder / "spin.gif"))
    # 5,000 frames of 96×96: 184 MB of pictures to loop, over the 128 MB bound
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=96x96:r=50,format=rgb8", "-frames:v", "5000", str(folder / "big.gif"))
    return folder


REAL_LIBRARY = library.library_dir


@pytest.fixture(autouse=True)
def sticker_library(media, tmp_path, monkeypatch) -> Path:
    """A library of two stickers (one without transparency), in place of Reel's own."""
    folder = tmp_path / "library"
    folder.mkdir()
    for name in ("alpha.png", "opaque.png"):
        (folder / name).write_bytes((media / name).read_bytes())
    (folder / "ping.wav").write_bytes(b"")  # named only: never played here
    (folder / "index.yaml").write_text(
        "assets:\n"
        "- {name: heart, kind: sticker, file: alpha.png, description: A heart., licence: CC0-1.0}\n"
        "- {name: badge, kind: sticker, file: opaque.png, description: A square badge., licence: CC0-1.0}\n"
        "- {name: ping, kind: sound, file: ping.wav, description: Not a picture., licence: CC0-1.0}\n",
        encoding="utf-8")
    monkeypatch.setattr(library, "library_dir", lambda: folder)
    return folder


HEAD = "title: Layers\nregion: UK\n"


def write(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(HEAD + text, encoding="utf-8")
    return path


def plan(folder: Path, text: str, **kw) -> Timeline:
    return prepare(write(folder, text), **kw).timeline


def problems(folder: Path, text: str, severity: str = "error") -> list[str]:
    with pytest.raises(SpecError) as exc:
        prepare(write(folder, text))
    return [i.format() for i in exc.value.issues if i.severity == severity]


def notes(folder: Path, text: str) -> list[str]:
    return [i.format() for i in prepare(write(folder, text)).warnings if i.severity == "info"]


def one(found: list[str], where: str, message: str) -> None:
    """Exactly one problem is at `where` (`LINE:COL: field`), and it says `message`."""
    at = [m for m in found if f":{where}: " in m]
    assert len(at) == 1, found
    assert message in at[0], at[0]


TALK = "scenes:\n  - background: talk.mp4\n    layers:\n"


# ------------------------------------------------------------------ recipes


def test_broll_cutaway_covers_the_picture_while_the_speaker_is_heard(media):
    tl = plan(media, TALK + "      - {video: broll.mp4, at: 2s, for: 3s}\n")
    [layer] = tl.layers
    assert (layer.start, layer.length, layer.box) == (60, 90, Box(0, 0, 1080, 1920))
    assert layer.fit == "cover" and layer.id == "scenes[0].layers[0]" and not layer.bears_text
    src = layer.source
    assert isinstance(src, VideoSource) and src.path == media / "broll.mp4"
    assert (src.start, src.end, src.hold) == (0, None, "none")
    # muted by default: the only footage sound is the speaker's, under the whole scene
    [speaker] = [c for c in tl.audio if c.role == "source"]
    assert speaker.path == media / "talk.mp4" and (speaker.start, speaker.length) == (0, 180)
    assert "[   60-  150) layer    scenes[0].layers[0]: video — broll.mp4 0s–end, box 0,0 1080x1920" in describe(tl)


def test_picture_in_picture(media):
    text = ("scenes:\n  - background: shot.jpg\n    duration: 5s\n    layers:\n"
            "      - {video: speaker.mp4, position: top-right, size: 35%, radius: 24,"
            " border: {width: 6, color: white}}\n")
    [layer] = plan(media, text).layers
    # 35 % of 1080 = 378 wide; 36×64 footage makes it 672 high; top-right of the safe box (x 888, y 288)
    assert layer.box == Box(510, 288, 378, 672)
    assert (layer.radius, layer.border, layer.border_color) == (24, 6, "#ffffffff")
    assert (layer.start, layer.length) == (0, 150)
    [draft] = plan(media, text, width=216).layers
    assert draft.box == Box(510, 288, 378, 672).scaled(Fraction(1, 5))
    assert (draft.radius, draft.border) == (5, 1)


def test_sticker_from_the_library_pops_in(media):
    tl = plan(media, TALK + "      - {asset: heart, position: top-left, at: 1s, enter: pop}\n")
    [layer] = tl.layers
    assert layer.box == Box(120, 288, 40, 40)
    assert (layer.start, layer.length) == (30, 150)
    assert layer.enter == LayerMotion("pop", 15) and layer.exit == LayerMotion("cut", 0)
    assert isinstance(layer.source, ImageSource) and layer.source.path.name == "alpha.png"


def test_screenshot_slides_in_inside_the_safe_box(media):
    tl = plan(media, TALK + "      - {image: shot.jpg, position: center, size: {w: 400}, text: yes, at: 1s, for: 4s,"
                            " enter: slide-up 0.4s, exit: fade}\n")
    [layer] = tl.layers
    assert layer.box == Box(304, 368, 400, 800) and layer.bears_text
    assert layer.enter == LayerMotion("slide-up", 12) and layer.exit == LayerMotion("fade", 15)
    assert tl.canvas.safe.contains(layer.box)


def test_message_in_the_library_chat_frame(media, monkeypatch):
    # the README recipe, with Reel's own library: the screenshot fills the frame's clear window
    monkeypatch.setattr(library, "library_dir", REAL_LIBRARY)
    text = ("scenes:\n  - background: navy\n    duration: 5s\n    layers:\n"
            "      - {image: shot.jpg, position: {x: 152, y: 540}, size: {w: 704, h: 400}, fit: contain, text: yes}\n"
            "      - {asset: message-frame, position: center}\n")
    shot, frame = plan(media, text).layers
    assert frame.box == Box(120, 508, 768, 520) and frame.source.path.name == "message-frame.png"
    assert shot.box == Box(frame.box.x + 32, frame.box.y + 32, 704, 400) and shot.bears_text
    assert shot.fit == "contain"


def test_a_lower_third_sits_at_the_bottom_of_the_safe_box(media, monkeypatch):
    monkeypatch.setattr(library, "library_dir", REAL_LIBRARY)
    [plate] = plan(media, TALK + "      - {asset: name-plate, at: 1s, for: 3s, enter: slide-right 0.3s}\n").layers
    assert plate.box == Box(120, 1248 - 160, 768, 160)


def test_progress_bar_along_the_bottom_of_the_whole_film(media):
    text = ("layers:\n  - progress: bar\nscenes:\n  - background: talk.mp4\n    transition: fade\n"
            "  - {background: navy, duration: 3s}\n")
    tl = plan(media, text)
    [bar] = tl.layers
    card = tl.end_card.start
    assert (bar.start, bar.length) == (0, card) and card == 180 - 15 + 90
    assert bar.box == Box(0, 1908, 1080, 12)  # below the safe box: it carries no words
    assert bar.enter == LayerMotion("slide-right", card) and isinstance(bar.source, ColorSource)


def test_progress_bar_written_out_as_a_colour_box(media):
    tl = plan(media, TALK + "      - {color: '#ffffff80', position: {x: 0, y: 1900}, size: {w: 1080, h: 20}, "
                            "enter: slide-right 6s}\n")
    [bar] = tl.layers
    assert bar.box == Box(0, 1900, 1080, 20) and bar.enter == LayerMotion("slide-right", 180)
    assert bar.opacity == pytest.approx(128 / 255, abs=1e-4)  # the colour's own alpha


def test_film_level_layer_spans_scenes(media):
    text = ("layers:\n  - {image: shot.jpg, position: bottom, size: 20%, at: 1s, until: 7s}\nscenes:\n"
            "  - {background: navy, duration: 3s}\n  - background: talk.mp4\n")
    tl = plan(media, text)
    [layer] = tl.layers
    assert (layer.start, layer.length) == (30, 180) and layer.id == "layers[0]"
    assert layer.box == Box(396, 816, 216, 432)


def test_scene_layers_are_relative_to_their_scene_and_leave_at_the_handover(media):
    text = ("scenes:\n  - {background: navy, duration: 2s, transition: {type: fade, duration: 0.5s}}\n"
            "  - background: talk.mp4\n    transition: fade\n    layers:\n      - {asset: heart, at: 1s}\n"
            "  - {background: navy, duration: 2s}\n")
    tl = plan(media, text)
    [layer] = tl.layers
    scene = tl.segments[1]
    assert scene.start == 45 and layer.start == 45 + 30
    assert layer.end == scene.end - 15  # leaves as the next scene fades in
    assert layer.box == Box(484, 748, 40, 40)  # an asset defaults to the middle of the safe box


def test_animated_gif_is_footage_that_loops(media):
    [layer] = plan(media, TALK + "      - {image: spin.gif, position: bottom-right, size: {w: 200}}\n").layers
    src = layer.source
    assert isinstance(src, VideoSource) and src.hold == "loop" and (src.start, src.end) == (0, 2)
    assert layer.box == Box(688, 1048, 200, 200) and (layer.start, layer.length) == (0, 180)


def test_layer_sound_is_kept_only_when_asked(media):
    tl = plan(media, TALK + "      - {video: broll.mp4, from: 1s, to: 3s, at: 1s, audio: 0.5}\n")
    [layer] = tl.layers
    assert (layer.start, layer.length) == (30, 60)  # the trim's length when no `for` is given
    assert (layer.source.start, layer.source.end) == (1, 3)
    [cue] = [c for c in tl.audio if c.path.name == "broll.mp4"]
    assert (cue.role, cue.start, cue.length, cue.source_start, cue.source_end, cue.volume) == \
        ("source", 30, 60, 1, 3, 0.5)


def test_slow_motion_reversed_and_framed_footage_layers(media):
    tl = plan(media, TALK + "      - {video: broll.mp4, from: 1s, to: 2s, speed: 50%, audio: tempo}\n"
                            "      - {video: broll.mp4, from: 1s, to: 1.5s, reverse: yes, at: 3s, position: top,"
                            " size: 30%, focus: left}\n")
    slow, back = tl.layers
    assert (slow.start, slow.length, slow.source.speed) == (0, 60, Fraction(1, 2))  # the trim ÷ speed
    [cue] = [c for c in tl.audio if c.path.name == "broll.mp4"]
    assert (cue.start, cue.length, cue.speed, cue.source_start, cue.source_end) == (0, 60, Fraction(1, 2), 1, 2)
    assert back.source.reverse and (back.source.start, back.source.end, back.length) == (1, Fraction(3, 2), 15)
    assert back.source.focus == 0


def test_speed_reverse_and_focus_mistakes(media):
    found = problems(media, TALK + "      - {video: broll.mp4, speed: 2, audio: keep}\n"
                                   "      - {video: broll.mp4, reverse: yes}\n"
                                   "      - {video: broll.mp4, from: 0s, to: 3s, reverse: yes}\n")
    one(found, "6:35: scenes[0].layers[0].speed", "`broll.mp4` has sound and plays at 200%: say what its sound does: "
                                                   "`audio: tempo`")
    one(found, "7:37: scenes[0].layers[1].reverse", "`reverse: yes` needs `to:`")
    # a 3 s reversed trim is fine: it is made once into a file before the render (the bound is 60 s of footage)
    assert not [m for m in found if "layers[2]" in m], found


def test_held_footage_layer_keeps_to_its_trim(media):
    [layer] = plan(media, TALK + "      - {video: broll.mp4, from: 1s, to: 2s, for: 3s, hold: last-frame}\n").layers
    src = layer.source
    assert (src.start, src.end, src.hold, layer.length) == (1, 2, "last-frame", 90)


def test_bare_file_shorthand_and_drawing_order(media):
    text = "layers: [{asset: heart}]\n" + TALK + "      - broll.mp4\n      - shot.jpg\n"
    ids = [(x.id, type(x.source).__name__) for x in plan(media, text).layers]
    assert ids == [("scenes[0].layers[0]", "VideoSource"), ("scenes[0].layers[1]", "ImageSource"),
                   ("layers[0]", "ImageSource")]


def test_plan_json_round_trips_layers(media):
    tl = plan(media, TALK + "      - {video: speaker.mp4, position: top-right, size: 35%, border: {width: 6}}\n")
    again = Timeline.from_dict(tl.to_dict())
    assert again.layers == tl.layers and isinstance(again.layers[0], Layer)


# ------------------------------------------------------------------ bad input


def test_layer_outside_the_frame(media):
    found = problems(media, TALK + "      - {color: red, position: {x: 1000, y: 10}, size: {w: 200, h: 100}}\n")
    one(found, "6:32: scenes[0].layers[0].position",
        "the layer's box (x 1000–1200, y 10–110) reaches outside the 1080×1920 frame")


def test_positions_and_sizes_beyond_the_frame_are_errors_at_the_number(media):
    found = problems(media, TALK + "      - {asset: heart, position: {x: 5000, y: -1}}\n"
                                   "      - {color: red, size: {w: 2000, h: 99999999999999999999999}}\n")
    one(found, "6:38: scenes[0].layers[0].position.x", "`x` must be 0–1079 (pixels of the 1080×1920 frame, from its "
                                                        "top-left corner), got 5000")
    one(found, "6:47: scenes[0].layers[0].position.y", "`y` must be 0–1919")
    one(found, "7:32: scenes[0].layers[1].size.w", "a layer is at most as wide as the frame (1080 pixels")
    one(found, "7:41: scenes[0].layers[1].size.h", "got 999999… (23 digits)")


def test_corners_and_border_never_exceed_half_the_box(media):
    text = TALK + "      - {color: red, size: {w: 100, h: 40}, radius: 500, border: {width: 90}}\n"
    [layer] = plan(media, text).layers
    assert (layer.radius, layer.border) == (20, 20)


def test_zero_and_negative_sizes(media):
    found = problems(media, TALK + "      - {color: red, size: {w: 0, h: 10}}\n"
                                   "      - {color: red, size: {w: 10, h: -5}}\n      - {color: red, size: 0%}\n")
    one(found, "6:32: scenes[0].layers[0].size.w", "a layer must be at least 1 pixel wide and high, got 0")
    one(found, "7:39: scenes[0].layers[1].size.h", "a layer must be at least 1 pixel wide and high, got -5")
    one(found, "8:28: scenes[0].layers[2].size", "a width share must be more than 0% and at most 100%, got 0%")


def test_colour_box_needs_a_size(media):
    one(problems(media, TALK + "      - {color: red, position: center}\n"), "6:9: scenes[0].layers[0].size",
        "a colour or gradient box needs a size")


def test_until_before_at(media):
    one(problems(media, TALK + "      - {asset: heart, at: 3s, until: 2s}\n"), "6:39: scenes[0].layers[0].until",
        "`until` (2s) must be after `at` (3s)")


def test_layer_longer_than_its_scene_names_both_lengths(media):
    one(problems(media, TALK + "      - {asset: heart, at: 2s, for: 10s}\n"), "6:37: scenes[0].layers[0].for",
        "the layer runs 2s–12s (10s) but the scene is only 6s long")
    one(problems(media, TALK + "      - {asset: heart, at: 7s}\n"), "6:28: scenes[0].layers[0].at",
        "the layer starts at 7s but the scene is only 6s long")


def test_layer_may_not_reach_the_end_card(media):
    film = "layers:\n  - {asset: heart, until: 8s}\n" + TALK
    one(problems(media, film + "      - {asset: heart}\n"), "4:27: layers[0].until",
        "the layer runs 0s–8s (8s), into the helpline end card, which starts at 6s")
    last = "scenes:\n  - background: talk.mp4\n    transition: fade\n    layers:\n      - {asset: heart, until: 6s}\n"
    one(problems(media, last), "7:31: scenes[0].layers[0].until",
        "into the helpline end card, which starts 5.5s into this scene")


def test_text_layer_outside_the_safe_box(media):
    one(problems(media, TALK + "      - {image: shot.jpg, text: yes}\n"), "6:33: scenes[0].layers[0].text",
        "a layer with `text: yes` must lie inside the platform-safe box (x 120–888, y 288–1248 at 1080×1920")
    # a bar without words may sit outside it
    assert plan(media, TALK + "      - {color: red, position: {x: 0, y: 1900}, size: {w: 1080, h: 20}}\n").layers


def test_missing_file_and_wrong_kind(media):
    found = problems(media, TALK + "      - {video: nope.mp4}\n      - {video: shot.jpg}\n      - {image: broll.mp4}\n")
    one(found, "6:17: scenes[0].layers[0].video", "file not found")
    one(found, "7:17: scenes[0].layers[1].video", "is a still image; use `image:`")
    one(found, "8:17: scenes[0].layers[2].image", "is a video; use `video:`")


def test_png_without_alpha_as_a_sticker_is_fine_and_said(media):
    found = notes(media, TALK + "      - {asset: badge, position: top-left}\n      - {image: opaque.png, size: 10%}\n"
                                "      - {image: opaque.png}\n")
    one(found, "6:17: info: scenes[0].layers[0].asset", "asset `badge` has no transparency (no alpha channel): it "
                                                          "will show as an opaque rectangle")
    one(found, "7:17: info: scenes[0].layers[1].image", "`opaque.png` has no transparency")
    assert not [m for m in found if ":8:" in m]  # full frame: a background picture, nothing to say


def test_animated_gif_of_5000_frames_is_bounded(media):
    one(problems(media, TALK + "      - {image: big.gif, size: 20%}\n"), "6:17: scenes[0].layers[0].image",
        "`big.gif` is an animated GIF of 5,000 frames at 96×96: looping it would hold 176 MB of pictures in memory; "
        "an animated GIF may hold at most 128 MB (frames × width × height × 4 bytes, e.g. 3,640 frames at this "
        "size)")


def test_footage_outside_from_to(media):
    found = problems(media, TALK + "      - {video: broll.mp4, from: 1s, to: 9s}\n"
                                   "      - {video: broll.mp4, from: 5s}\n"
                                   "      - {video: broll.mp4, from: 3s, to: 2s}\n")
    one(found, "6:42: scenes[0].layers[0].to", "`to` (9s) is past the end of the footage (4.00s long)")
    one(found, "7:34: scenes[0].layers[1].from", "`from` (5s) is past the end of the footage (4.00s long)")
    one(found, "8:42: scenes[0].layers[2].to", "`to` (2s) must be after `from` (3s)")


def test_layer_longer_than_its_trim_must_say_what_fills_it(media):
    one(problems(media, TALK + "      - {video: broll.mp4, from: 1s, to: 2s, for: 3s}\n"),
        "6:51: scenes[0].layers[0].for",
        "the layer is 3s but its trimmed footage (`from` 1s to `to` 2s) is only 1s long; footage outside the trim is "
        "never shown. Show the layer for 1s at most, or add `hold: last-frame`")


def test_unknown_asset_and_kind_get_a_did_you_mean(media):
    found = problems(media, TALK + "      - {asset: hart}\n      - {vidoe: broll.mp4}\n      - {asset: ping}\n")
    one(found, "6:17: scenes[0].layers[0].asset", "no asset called `hart` in the library; did you mean `heart`?")
    one(found, "7:9: scenes[0].layers[1]", "a layer needs one of `video:`, `image:`, `asset:`, `color:`, "
                                           "`gradient:`, `progress:` or `python:` (or just a file name); did you mean "
                                           "`video`")
    one(found, "8:17: scenes[0].layers[2].asset",
        "asset `ping` is a sound; here it must be a sticker or lower-third or graphic")


def test_bad_position_motion_and_timing_words(media):
    found = problems(media, TALK + "      - {asset: heart, position: top-rigth}\n"
                                   "      - {asset: heart, enter: zoom}\n      - {asset: heart, enter: fade 0s}\n"
                                   "      - {asset: heart, for: 1s, until: 2s}\n")
    one(found, "6:34: scenes[0].layers[0].position", "'top-rigth' is not a position; use one of full, center")
    assert "did you mean `top-right`?" in next(m for m in found if ":6:34:" in m)
    one(found, "7:31: scenes[0].layers[1].enter", "'zoom' is not a way in or out")
    one(found, "8:31: scenes[0].layers[2].enter", "must be longer than zero")
    one(found, "9:29: scenes[0].layers[3].for", "give either `until` or `for`, not both")


def test_layer_under_words_judged_against_a_plain_background(media):
    # a slate's words were checked for contrast against the slate's colour: nothing may go under them
    found = problems(media, "layers:\n  - {video: broll.mp4, for: 2s}\nscenes:\n  - slate: title\n"
                            "  - background: talk.mp4\n")
    one(found, "4:5: layers[0]", "the layer lies under the words of a slate (“Layers”, frames 0–60), whose "
                                 "contrast was checked against a plain background with no box behind them")
    # a bar below the safe box, under a generated content warning, is fine
    tl = plan(media, "topics: [suicide]\nlayers: [{progress: bar}]\nscenes:\n  - background: talk.mp4\n")
    assert tl.segments[0].kind == "slate" and tl.layers[0].start == 0


def test_enter_and_exit_longer_than_the_layer(media):
    one(problems(media, TALK + "      - {asset: heart, for: 0.5s, enter: fade 0.4s, exit: fade 0.4s}\n"),
        "6:42: scenes[0].layers[0].enter", "`enter` (0.4s) and `exit` (0.4s) take 0.8s together, longer than the "
                                           "layer (0.5s)")


def test_full_position_with_a_size_and_progress_with_motion(media):
    one(problems(media, TALK + "      - {asset: heart, position: full, size: 20%}\n"),
        "6:46: scenes[0].layers[0].size", "`position: full` fills the frame")
    one(problems(media, TALK + "      - {progress: bar, enter: fade}\n"),
        "6:32: scenes[0].layers[0].enter", "a progress bar fills from left to right over its whole length")


# ------------------------------------------------------------------ hostile layers

SEED_LAYERS: list[Any] = [
    {"video": "broll.mp4", "from": "0.5s", "to": "2s", "at": "1s", "hold": "loop", "audio": 0.5},
    {"image": "spin.gif", "position": "bottom-right", "size": "20%", "enter": "pop 0.3s"},
    {"asset": "heart", "position": {"x": 100, "y": 300}, "exit": {"type": "slide-down", "duration": "0.4s"}},
    {"color": "#ff000080", "size": {"w": 300, "h": 40}, "position": "top", "radius": 12, "border": {"width": 3}},
    {"gradient": ["navy", "white"], "direction": "diagonal", "position": "full", "opacity": 0.3, "until": "3s"},
    {"image": "shot.jpg", "position": "center", "size": {"h": 600}, "text": True, "fit": "contain"},
]
LAYER_KEYS = ["video", "image", "asset", "color", "gradient", "progress", "from", "to", "hold", "audio", "at",
              "until", "for", "position", "size", "fit", "opacity", "radius", "border", "enter", "exit", "text",
              "x", "y", "w", "h", "width", "type", "duration", "direction"]
LAYER_VALUES = st.one_of(
    st.sampled_from(["broll.mp4", "spin.gif", "big.gif", "opaque.png", "talk.mp4", "nope.png", "../x.mp4", "heart",
                     "hart", "bar", "full", "top-left", "center", "40%", "0%", "150%", "-5%", "fade", "fade -1s",
                     "pop 99s", "slide-up 0.1s", "cut", "loop", "last-frame", "keep", "mute", "0s", "2s", "7s",
                     "100:00:00", "45f", "1e999", "navy", "#12345678", "", " ", "\u202e", "9" * 400]),
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.dictionaries(st.sampled_from(["x", "y", "w", "h", "width", "color", "type", "duration"]),
                    st.one_of(st.integers(-5000, 5000), st.sampled_from(["white", "2s", "pop", "#000"])), max_size=3),
)


# Values a trainee might well write, so that most examples plan and the plan's promises are checked.
PLAUSIBLE: dict[str, list[Any]] = {
    "at": ["0s", "1s", "2.5s", "5.9s", "30f"], "until": ["1s", "3s", "5.5s", "6s", "9s"],
    "for": ["0.1s", "1s", "3s", "5s", "20s"],
    "position": ["full", "top-left", "bottom", "center", "right", {"x": 0, "y": 1900}, {"x": 900, "y": 100},
                 {"x": 1079, "y": 0}],
    "size": ["10%", "35%", "100%", {"w": 1080}, {"h": 1920}, {"w": 200, "h": 2}, {"w": 1, "h": 1}],
    "enter": ["fade", "pop 0.2s", "slide-left 2s", "cut"], "exit": ["fade 1s", "slide-down", "cut"],
    "hold": ["none", "last-frame", "loop"], "from": ["0s", "1s", "3.9s"], "to": ["1s", "2s", "4s"],
    "radius": [0, 24, 5000], "border": [{"width": 1}, {"width": 40, "color": "#00000080"}], "text": [True, False],
    "speed": ["50%", 2, 0.25], "reverse": [True, False], "audio": ["tempo", "keep", 0.5, "mute"],
    "focus": ["left", 1, "center"],
}


def _change(key: str, hostile: bool = True) -> st.SearchStrategy:
    plausible = st.sampled_from(PLAUSIBLE.get(key, [None]))
    return st.tuples(st.just(key), st.one_of(plausible, plausible, plausible, LAYER_VALUES) if hostile else plausible)


_FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=120,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 6), st.one_of(*[st.sampled_from(list(PLAUSIBLE))] * 3,
                                                       st.sampled_from(LAYER_KEYS)).flatmap(_change), st.booleans()),
                min_size=1, max_size=3))
def test_hostile_layers_plan_or_get_located_errors(media, changes):
    """Whatever is written in a layer, Reel plans it inside the frame and its scene, or says where it is wrong."""
    _plan_or_locate(media, changes)


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(list(PLAUSIBLE)).flatmap(lambda k: _change(k, False)),
                          st.booleans()), min_size=1, max_size=2))
def test_plausible_layers_keep_the_plan_promises(media, changes):
    """Layers a trainee may well write: what plans keeps every promise, the rest is a located error."""
    _plan_or_locate(media, changes)


def _plan_or_locate(media: Path, changes: list) -> None:
    layers = copy.deepcopy(SEED_LAYERS)
    film: list[Any] = [{"progress": "bar"}]
    for index, (key, value), on_film in changes:
        target = film if on_film else layers
        # footage keys go to the footage layer (elsewhere they are only unknown keys)
        item = layers[0] if key in ("from", "to", "hold", "audio", "speed", "reverse", "focus") \
            else target[index % len(target)]
        if isinstance(item, dict):
            item[key] = value
    doc = {"title": "Fuzz", "region": "UK", "layers": film, "scenes": [
        {"background": "talk.mp4", "layers": layers, "transition": "fade"}, {"background": "navy", "duration": "2s"}]}
    path = media / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, width=10**9), encoding="utf-8")
    try:
        tl = prepare(path).timeline
    except ReelError as exc:
        assert isinstance(exc, IssuesError), exc
        assert [i for i in exc.issues if i.severity == "error"], exc
        assert all(i.file == path and i.line is not None for i in exc.issues if i.severity == "error"), exc
        return
    frame = Box(0, 0, tl.canvas.width, tl.canvas.height)
    for layer in tl.layers:
        assert frame.contains(layer.box) and layer.length > 0 and layer.end <= tl.end_card.start, layer
        assert not layer.bears_text or tl.canvas.safe.contains(layer.box), layer
        assert layer.enter.frames + layer.exit.frames <= layer.length, layer
        src = layer.source
        if isinstance(src, VideoSource) and src.end is not None:
            assert src.hold != "none" or src.trim_frames(tl.canvas.fps) + 1 >= layer.length, layer

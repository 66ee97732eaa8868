"""Entrance animations of captions and texts (issue 15 §3): `enter: fade | pop | slide-up`, drawn by ffmpeg
from the text's own picture (no per-frame Python), one motion per text, never shorter than 0.2 s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import IssuesError
from toolkit.film.compile.graph import compile_frames
from toolkit.film.compile.raster import rasterise
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.timeline import LayerMotion, Overlay

BLUE = (74, 122, 176)


def film(folder: Path, body: str, style: str = "") -> Path:
    path = folder / "film.yaml"
    path.write_text("title: Entrances\nregion: UK\n" + style + "scenes:\n  - background: '#4a7ab0'\n"
                    "    duration: 3s\n" + body, encoding="utf-8")
    return path


def only(overlays: tuple[Overlay, ...], kind: str) -> list[Overlay]:
    return [o for o in overlays if o.kind == kind]


def test_the_entrance_comes_from_the_track_the_text_or_the_templates_look(tmp_path):
    tl = prepare(film(tmp_path, "    captions: {lines: [One, Two], enter: fade 0.5s}\n"
                                "    texts: [{text: Hi, position: top, enter: pop}]\n",
                      "style:\n  captions: {enter: slide-up}\n")).timeline
    assert [o.enter for o in only(tl.overlays, "caption")] == [LayerMotion("fade", 15)] * 2
    [text] = only(tl.overlays, "text")
    assert text.enter == LayerMotion("pop", 9)  # the template's 0.3 s at 30 fps
    plain = prepare(film(tmp_path, "    captions: One two\n", "style:\n  captions: {enter: slide-up 0.4s}\n"))
    assert only(plain.timeline.overlays, "caption")[0].enter == LayerMotion("slide-up", 12)


def test_a_word_by_word_caption_comes_in_once_with_its_first_word(tmp_path):
    tl = prepare(film(tmp_path, "    captions: {style: word-by-word, lines: [One two three], enter: fade}\n")).timeline
    words = only(tl.overlays, "caption")
    assert [o.enter.kind for o in words] == ["fade", "cut", "cut"]


@pytest.mark.parametrize(("enter", "line", "col", "says"), [
    ("blink", 6, 37, "'blink' is not an entrance; use one of cut, fade, pop, slide-up"),
    ("fade 0.05s", 6, 37, "an entrance takes 0.2–1 s (quicker, it would read as a flash of text), got 0.05s"),
    ("fdae", 6, 37, "did you mean `fade`?"),
])
def test_an_entrance_that_is_not_one_or_too_quick_is_located(tmp_path, enter, line, col, says):
    path = film(tmp_path, f"    captions: {{lines: [One], enter: {enter}}}\n")
    with pytest.raises(IssuesError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert issue.path.startswith("scenes[0].captions.enter") and (issue.line, issue.col) == (line, col)
    assert says in issue.message


def test_a_film_without_entrances_draws_its_text_as_before(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    tl = prepare(film(tmp_path, "    captions: One two\n")).timeline
    plan = rasterise(tl, tmp_path / "text")
    assert plan.moving == () and plan.concat is not None


def _frames(prepared, wanted: list[int], folder: Path) -> list[np.ndarray]:
    from PIL import Image

    from toolkit.film.render import render_frames

    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for png in render_frames(prepared, wanted, folder):
        with Image.open(png) as image:
            out.append(np.asarray(image.convert("RGB")).astype(int))
    return out


def _box_pixels(frame: np.ndarray, overlay: Overlay) -> np.ndarray:
    b = overlay.blocks[0].bounds
    return frame[b.y:b.y + b.h, b.x:b.x + b.w]


@pytest.mark.render
def test_a_fading_caption_is_faint_then_whole_in_the_rendered_frames(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    prepared = prepare(film(tmp_path, "    captions: {lines: [Hold on], enter: fade 0.5s}\n"), width=DRAFT_WIDTH)
    [caption] = only(prepared.timeline.overlays, "caption")
    start, middle, done = _frames(prepared, [0, 7, 30], tmp_path)
    darkness = [float((np.array(BLUE) - _box_pixels(f, caption)).clip(0).mean()) for f in (start, middle, done)]
    # the box is black at 78 %: the picture darkens under it as its alpha fades from 0 to 1 over 15 frames
    assert darkness[0] < 2
    assert 0.3 * darkness[2] < darkness[1] < 0.7 * darkness[2]  # 7 of 15 frames: about half way


@pytest.mark.render
def test_a_sliding_caption_rises_into_place_and_a_popping_one_grows(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))

    def rows_and_cols(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        white = frame.sum(axis=2) > 420  # the letters: brighter than the picture (372) even at 27 % alpha
        return np.nonzero(white.any(axis=1))[0], np.nonzero(white.any(axis=0))[0]

    slide = prepare(film(tmp_path, "    captions: {lines: [Hold on], enter: slide-up 0.5s}\n"), width=DRAFT_WIDTH)
    early, done = _frames(slide, [4, 30], tmp_path / "slide")
    rows_early, _ = rows_and_cols(early)
    rows_done, _ = rows_and_cols(done)
    assert rows_early.size and rows_done.size
    # at frame 4 of 15 it is (1 - 4/15)³ = 39 % of half its height below its place (ease-out)
    assert rows_early.min() > rows_done.min() + 4

    pop = prepare(film(tmp_path, "    captions: {lines: [Hold on], enter: pop 0.5s}\n"), width=DRAFT_WIDTH)
    small, whole = _frames(pop, [2, 30], tmp_path / "pop")
    _, cols_small = rows_and_cols(small)
    _, cols_whole = rows_and_cols(whole)
    width_small, width_whole = np.ptp(cols_small), np.ptp(cols_whole)
    assert 0.4 * width_whole <= width_small < 0.8 * width_whole  # grows from 40 % (ease-out)
    assert abs((cols_small.min() + cols_small.max()) - (cols_whole.min() + cols_whole.max())) <= 4  # centred


def test_the_moving_text_is_an_input_of_the_frame_command_with_its_expressions(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    tl = prepare(film(tmp_path, "    captions: {lines: [Hold on], enter: slide-up 0.5s}\n")).timeline
    plan = rasterise(tl, tmp_path / "text")
    [moving] = plan.moving
    from PIL import Image

    [still] = [i for i in plan.images if i.start <= 5 < i.end]
    with Image.open(still.path) as picture:
        assert picture.getchannel("A").getextrema() == (0, 0)  # the caption is not in the still text
    [argv] = compile_frames(tl, plan, frames=[5], output=tmp_path / "f_%03d.png")
    graph = argv[argv.index("-filter_complex") + 1]
    assert str(moving.path) in argv
    assert "fade=" in graph and "pow(1-" in graph  # the fade on its alpha and the ease-out rise


def test_a_chunked_render_moves_the_text_in_the_encoder_over_the_whole_film(tmp_path, monkeypatch):
    """Chunks make the picture; the text, moving or still, goes on once over the joined film."""
    from toolkit.film.compile.graph import compile_render
    from toolkit.film.compile.output import EncodeSettings

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "film.yaml"
    path.write_text("title: Entrances\nregion: UK\nscenes:\n" + "".join(
        f"  - background: navy\n    duration: 3s\n    captions: {{lines: [Part {n}], enter: pop}}\n"
        for n in range(3)), encoding="utf-8")
    tl = prepare(path).timeline
    plan = rasterise(tl, tmp_path / "text")
    assert [(m.start, m.enter) for m in plan.moving] == [(0, LayerMotion("pop", 9)), (90, LayerMotion("pop", 9)),
                                                         (180, LayerMotion("pop", 9))]
    commands = compile_render(tl, plan, output=tmp_path / "out.mp4", encode=EncodeSettings(), gain=None,
                              max_segments=2)
    assert len(commands.producers) > 1
    assert not any(str(m.path) in p for m in plan.moving for p in commands.producers)
    assert all(str(m.path) in commands.encoder for m in plan.moving)


def test_reel_plan_lists_hooks_lower_thirds_and_texts_with_their_entrances(tmp_path):
    from toolkit.film.plan.describe import describe

    text = describe(prepare(film(tmp_path, "    captions: {lines: [Hold on], enter: fade}\n"
                                           "    lower_third: {name: Sam, about: peer supporter, enter: pop 0.4s}\n"))
                    .timeline)
    assert "  [    0-   90) caption  scenes[0].captions.lines[0]: “Hold on”, in fade 9f" in text
    assert "  [    0-   90) text     scenes[0].lower_third: “Sam peer supporter”, in pop 12f" in text


def test_by_word_each_spoken_word_comes_in_over_the_words_before_it(tmp_path):
    from toolkit.film.plan.sidecar import film_cues

    tl = prepare(film(tmp_path, "    captions: {style: word-by-word, lines: ['Hold on, it gets easier'], "
                                "enter: pop by word}\n")).timeline
    parts = only(tl.overlays, "caption")
    assert len(parts) == 10  # per word: the words before it (still) and the word itself (coming in)
    still, word = parts[4], parts[5]  # while `it` is spoken
    assert (still.id, still.enter, word.id, word.enter) == ("cap-0-0-w2", LayerMotion("cut", 0), "cap-0-0-w2",
                                                            LayerMotion("pop", 9))
    assert [(r.text, r.color) for r in still.blocks[0].lines[0].runs] == [("Hold on, ", "#ffffff"),
                                                                       ("it gets easier", "#00000000")]
    assert [(r.text, r.color) for r in word.blocks[0].lines[0].runs] == [
        ("Hold on, ", "#00000000"), ("it", "#ffd166"), (" gets easier", "#00000000")]
    assert still.blocks[0].backing is not None and word.blocks[0].backing is None
    [cue, _card] = film_cues(tl)  # one caption, one cue, its whole text
    assert (cue.text, cue.start, cue.end) == ("Hold on, it gets easier", 0, 3)


@pytest.mark.render
def test_by_word_the_next_words_are_not_drawn_until_spoken(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    prepared = prepare(film(tmp_path, "    captions: {style: word-by-word, lines: ['Hold on, it gets easier'], "
                                      "enter: fade by word}\n"), width=DRAFT_WIDTH)
    parts = only(prepared.timeline.overlays, "caption")
    box = parts[0].blocks[0].bounds
    first_word, last_word = parts[1].start, parts[-1].start
    early, late = _frames(prepared, [first_word + 12, last_word + 12], tmp_path / "f")

    def letters(frame: np.ndarray) -> np.ndarray:
        inside = frame[box.y:box.y + box.h, box.x:box.x + box.w]
        return np.nonzero((inside.sum(axis=2) > 420).any(axis=0))[0]  # columns with light letters on the box

    assert letters(early).size and letters(late).size
    assert letters(early).max() < 0.4 * letters(late).max()  # only "Hold" at first; the whole line at the end


def test_by_line_a_captions_lines_come_in_one_after_another(tmp_path):
    from toolkit.film.plan.describe import describe
    from toolkit.film.plan.sidecar import film_cues

    long = "Reaching out first felt impossible to me, and then it was not"
    tl = prepare(film(tmp_path, f"    captions: {{lines: ['{long}'], enter: fade 0.4s by line}}\n")).timeline
    parts = only(tl.overlays, "caption")
    lines = parts[0].blocks[0].lines
    n = len(lines)
    assert n == 3 and len(parts) == 2 * n  # per line: the lines before it (still) and the line coming in
    assert [(p.start, p.end, p.enter.kind) for p in parts] == [(0, 12, "cut"), (0, 12, "fade"), (12, 24, "cut"),
                                                               (12, 24, "fade"), (24, 90, "cut"), (24, 90, "fade")]
    second_still, second_in = parts[2].blocks[0], parts[3].blocks[0]
    assert [ln.runs[0].color for ln in second_still.lines] == ["#ffffff", "#00000000", "#00000000"]
    assert [ln.runs[0].color for ln in second_in.lines] == ["#00000000", "#ffffff", "#00000000"]
    assert second_still.backing is not None and second_in.backing is None
    [cue, _card] = film_cues(tl)
    assert cue.text.replace("\n", " ") == long and (cue.start, cue.end) == (0, 3)
    assert "3 lines from frame 0, 12, 24" in describe(tl)


@pytest.mark.render
def test_a_film_whose_words_pop_in_as_spoken_renders_through_the_flash_gate(tmp_path, monkeypatch, runner):
    from toolkit.cli import cli
    from toolkit.media import synth

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    synth.footage(tmp_path / "talk.mp4", seconds=4, width=64, height=36)
    path = tmp_path / "film.yaml"
    path.write_text("title: Entrances\nregion: UK\nscenes:\n  - background: talk.mp4\n    duration: 4s\n"
                    "    captions: {style: word-by-word, enter: pop by word, lines: "
                    "['One two three four five six seven eight nine ten eleven twelve']}\n"
                    "    hook: {text: Listen, enter: fade}\n", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(path), "--draft", "-q", "-o", str(tmp_path / "film.mp4")])
    assert result.exit_code == 0, result.output
    assert "flash gate passed" in result.output  # twelve words popping in over 4 s: no flash


@pytest.mark.render
def test_a_still_from_a_later_chunk_shows_the_same_entrance_as_one_graph(tmp_path, monkeypatch):
    from PIL import Image

    from toolkit.film.run.runner import run_ffmpeg

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "film.yaml"
    path.write_text("title: Entrances\nregion: UK\nscenes:\n" + "".join(
        f"  - background: navy\n    duration: 3s\n    captions: {{lines: [Part {n}], enter: slide-up 0.5s}}\n"
        for n in range(3)), encoding="utf-8")
    tl = prepare(path, width=DRAFT_WIDTH).timeline
    plan = rasterise(tl, tmp_path / "text")
    pictures = {}
    for chunk in (2, 16):  # the third scene in a chunk of its own, and the film in one graph
        for argv in compile_frames(tl, plan, frames=[182, 200], output=tmp_path / f"c{chunk}_%03d.png",
                                   max_segments=chunk):
            run_ffmpeg(argv, stage="frames")
        pictures[chunk] = [np.asarray(Image.open(tmp_path / f"c{chunk}_{n:03d}.png").convert("RGB")).astype(int)
                           for n in (1, 2)]
    assert all((a == b).all() for a, b in zip(pictures[2], pictures[16], strict=True))
    assert (pictures[2][0] != pictures[2][1]).any()  # rising at frame 2 of 15, in place at 20


def test_a_film_caption_carried_across_a_cut_does_not_come_in_again(tmp_path):
    path = tmp_path / "film.yaml"
    path.write_text("title: Entrances\nregion: UK\ncaptions:\n  enter: pop\n  lines:\n"
                    "    - {text: Across the cut, at: 1s, until: 4s}\n    - {text: After it, at: 4.5s, until: 5.5s}\n"
                    "scenes:\n  - background: navy\n    duration: 3s\n  - background: teal\n    duration: 3s\n",
                    encoding="utf-8")
    tl = prepare(path).timeline
    parts = [(o.start, o.end, o.enter.kind) for o in only(tl.overlays, "caption")]
    assert parts == [(30, 90, "pop"), (90, 120, "cut"), (135, 165, "pop")]


def test_one_caption_can_have_its_own_entrance(tmp_path):
    tl = prepare(film(tmp_path, "    captions:\n      - One\n      - {text: Two, enter: pop 0.4s}\n")).timeline
    assert [o.enter for o in only(tl.overlays, "caption")] == [LayerMotion("cut", 0), LayerMotion("pop", 12)]

"""Caption files beside every film (issue 15 §2): FILM.srt and FILM.vtt, timed to the film, written
with it or not at all."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pysubs2
import pytest

from toolkit.cli import cli
from toolkit.errors import OutputError, PolicyError
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.sidecar import drawn_text, film_cues
from toolkit.film.plan.timeline import Timeline
from toolkit.film.run.atomic import Output, atomic_outputs
from toolkit.subtitles import Cue, format_subtitles, read_subtitles

STORYBOARD = """title: Short
region: IE
caption_style: word-by-word
scenes:
  - slate: title
    text: Short
  - background: '#2a9d8f'
    duration: 3s
    captions: [Some days are heavy & slow, I talk to someone]
  - background: '#264653'
    duration: 2s
    transition: {type: fade, duration: 0.5s}
    captions: And it helps.
"""


def write(folder: Path, text: str = STORYBOARD, name: str = "short.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def ms(frame: int, fps: Fraction) -> int:
    return round(Fraction(frame) * 1000 / fps)


def caption_spans(timeline: Timeline) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) of each caption, word overlays of one caption taken together."""
    groups: dict[str, list] = {}
    for o in timeline.overlays:
        if o.kind == "caption":
            groups.setdefault(re.sub(r"-w\d+$", "", o.id), []).append(o)
    fps = timeline.canvas.fps
    return sorted((ms(min(o.start for o in g), fps), ms(max(o.end for o in g), fps), drawn_text(g[0]))
                  for g in groups.values())


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ the cues (pure)


def test_a_word_by_word_caption_is_one_cue_and_the_end_card_is_the_last(tmp_path):
    timeline = prepare(write(tmp_path), width=DRAFT_WIDTH).timeline
    cues = film_cues(timeline)
    # the lines as drawn (the film's own line breaks)
    assert [c.text for c in cues[:-1]] == ["Some days are\nheavy & slow", "I talk to someone", "And it helps."]
    words = [o for o in timeline.overlays if o.kind == "caption"]
    assert len(words) > len(cues)  # drawn one overlay per highlighted word
    card = next(o for o in timeline.overlays if o.kind == "end_card")
    assert (cues[-1].start, cues[-1].end) == (Fraction(card.start) / 30, Fraction(card.end) / 30)
    assert "116 123" in cues[-1].text.replace("\xa0", " ")
    assert cues[-1].text.startswith(drawn_text(card).splitlines()[0])
    assert "Short" not in {c.text for c in cues}  # the title slate is not a caption
    assert [c.number for c in cues] == [1, 2, 3, 4]


def test_the_cue_text_is_the_drawn_text_after_merge_fields(tmp_path):
    sb = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                         "    captions: \"Hello {{ name }}\"\n")
    timeline = prepare(sb, fields={"name": "Sam"}).timeline
    assert film_cues(timeline)[0].text == "Hello Sam"


def test_subtitle_text_survives_what_the_formats_treat_as_markup():
    text = "a {b} <i>c</i> & d --> e \\N f\n\nsecond line"
    cues = (Cue(Fraction(1, 30), Fraction(2), text), Cue(Fraction(2), Fraction(3), "x"))
    srt = pysubs2.SSAFile.from_string(format_subtitles(cues, "srt"), keep_html_tags=True)
    assert srt[0].text.replace("\\N", "\n").replace("\u2060", "") == "a {b} <i>c</i> & d --> e \\N f\nsecond line"
    arrows = [line for line in format_subtitles(cues, "srt").splitlines() if "-->" in line]
    assert arrows == ["00:00:00,033 --> 00:00:02,000", "00:00:02,000 --> 00:00:03,000"]  # the timing lines only
    vtt = format_subtitles(cues, "vtt")
    assert "a {b} &lt;i&gt;c&lt;/i&gt; &amp; d --&gt; e" in vtt
    assert [(e.start, e.end) for e in pysubs2.SSAFile.from_string(vtt)] == [(33, 2000), (2000, 3000)]


# ------------------------------------------------------------------ the render writes them


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("sidecars")
    sb = write(folder)
    result = CliRunner().invoke(cli, ["render", str(sb), "--draft", "-q"])
    assert result.exit_code == 0, result.output
    assert "captions in short.draft.srt, short.draft.vtt" in result.output
    return sb


@pytest.mark.render
def test_the_sidecars_of_a_render_parse_and_match_the_captions_to_the_millisecond(rendered):
    timeline = prepare(rendered, width=DRAFT_WIDTH).timeline
    expected = caption_spans(timeline)
    card = next(o for o in timeline.overlays if o.kind == "end_card")
    for suffix in (".srt", ".vtt"):
        subs = pysubs2.load(str(rendered.with_name("short.draft" + suffix)))
        got = [(e.start, e.end, e.plaintext.replace("&amp;", "&")) for e in subs]
        assert got[:-1] == expected, suffix
        assert got[-1][:2] == (ms(card.start, Fraction(30)), ms(card.end, Fraction(30)))
    assert files(rendered.parent) == ["short.draft.mp4", "short.draft.reel.json", "short.draft.srt", "short.draft.vtt",
                                      "short.yaml"]


@pytest.mark.render
def test_an_existing_caption_file_is_refused_before_rendering_and_force_replaces_it(runner, tmp_path):
    sb = write(tmp_path)
    srt = tmp_path / "short.srt"
    srt.write_text("mine", encoding="utf-8")
    refused = runner.invoke(cli, ["render", str(sb), "-q"])
    assert refused.exit_code == 1
    assert (f"Error: {srt} already exists: Reel writes the film's captions there, beside short.mp4; use --force to "
            "replace it, or choose another name for the film") in refused.output
    assert files(tmp_path) == ["short.srt", "short.yaml"] and srt.read_text() == "mine"
    forced = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(tmp_path / "short.mp4"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert read_subtitles(srt)[0].text == "Some days are\nheavy & slow"


@pytest.mark.render
def test_a_draft_replaces_its_own_caption_files_but_not_edited_ones(runner, rendered):
    srt = rendered.with_name("short.draft.srt")
    again = runner.invoke(cli, ["render", str(rendered), "--draft", "-q"])
    assert again.exit_code == 0, again.output  # the previous draft's captions go with it
    srt.write_text(srt.read_text(encoding="utf-8").replace("heavy", "light"), encoding="utf-8")
    edited = srt.read_bytes()
    refused = runner.invoke(cli, ["render", str(rendered), "--draft", "-q"])
    assert refused.exit_code == 1 and f"{srt} already exists" in refused.output
    assert srt.read_bytes() == edited
    srt.unlink()  # leave the module's film as the fixture made it
    assert runner.invoke(cli, ["render", str(rendered), "--draft", "-q", "--force"]).exit_code == 0


@pytest.mark.render
def test_a_film_refused_at_the_end_card_or_interrupted_leaves_no_caption_file(tmp_path, monkeypatch):
    from toolkit.film import render

    sb = write(tmp_path)
    prepared = prepare(sb, width=DRAFT_WIDTH)

    def refuse(*args, **kwargs):
        raise PolicyError([], summary="the end card could not be read back")

    monkeypatch.setattr(render, "check_card", refuse)
    with pytest.raises(PolicyError):
        render.render_film(prepared, tmp_path / "film.mp4", draft=True)
    assert files(tmp_path) == ["short.yaml"]

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "run_render", interrupt)
    monkeypatch.setattr(render, "render_pieces", interrupt)  # a draft renders in pieces (run.draft_pieces)
    with pytest.raises(KeyboardInterrupt):
        render.render_film(prepared, tmp_path / "film.mp4", draft=True)
    assert files(tmp_path) == ["short.yaml"]


def test_a_group_is_placed_together_and_taken_back_when_the_last_cannot_be(tmp_path):
    srt, film = tmp_path / "film.srt", tmp_path / "film.mp4"
    with pytest.raises(OutputError) as caught, \
            atomic_outputs([Output(srt, "captions"), Output(film, "film")], force=False, inputs=()) as temps:
        for temp in temps:
            temp.write_bytes(b"new")
        film.write_bytes(b"theirs")  # another program finished first
    assert str(caught.value).startswith(f"{film} appeared while this was rendering")
    assert files(tmp_path) == ["film.mp4"] and film.read_bytes() == b"theirs"
    with atomic_outputs([Output(srt, "captions"), Output(film, "film")], force=True, inputs=()) as temps:
        for temp in temps:
            temp.write_bytes(b"mine")
    assert srt.read_bytes() == film.read_bytes() == b"mine" and files(tmp_path) == ["film.mp4", "film.srt"]


def test_a_caption_file_that_is_an_input_of_the_film_is_refused(tmp_path):
    sub = tmp_path / "film.srt"
    sub.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"film\.srt is also an input of this film"), \
            atomic_outputs([Output(sub, "captions"), Output(tmp_path / "film.mp4", "film")], force=True,
                           inputs=[sub]):
        pass


def test_dry_run_lists_the_caption_files(runner, tmp_path):
    sb = write(tmp_path)
    result = runner.invoke(cli, ["render", str(sb), "--dry-run"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("# step") and "captions —" in line]
    assert f"4 cues (each caption, then the helpline end card) timed to the film -> {tmp_path / 'short.srt'}, " \
           f"{tmp_path / 'short.vtt'}" in line
    assert files(tmp_path) == ["short.yaml"]


def validate_sidecars(film: Path, timeline: Timeline) -> None:
    """A film's caption files parse, run forwards without overlap inside the film, and say something."""
    length = round(timeline.duration * 1000)
    for suffix in (".srt", ".vtt"):
        subs = pysubs2.load(str(film.with_suffix(suffix)))
        assert len(subs) >= 1, suffix
        previous = 0
        for event in subs:
            assert previous <= event.start < event.end <= length, (suffix, event)
            assert event.plaintext.strip(), (suffix, event)
            previous = event.end
        assert "\n".join(e.plaintext for e in subs).count("\n") >= 1


def test_a_caption_file_the_film_reads_is_never_its_sidecar_even_with_force(runner, tmp_path):
    # a subtitle file named like the storyboard: film.yaml reads film.srt, film.mp4 would write it
    srt = tmp_path / "film.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello there.\n", encoding="utf-8")
    sb = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 2s\n"
                         "    captions: {file: film.srt}\n", name="film.yaml")
    result = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(tmp_path / "film.mp4"), "--force"])
    assert result.exit_code == 1
    assert (f"Error: {srt} is a file this film reads, and Reel writes the film's captions there, beside film.mp4: "
            "give the film another name (-o), or rename that file") in result.output
    assert files(tmp_path) == ["film.srt", "film.yaml"]

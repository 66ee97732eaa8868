"""The film's own script timed by its speech (issue 15 §2, "or the aligned script"): a top-level
`captions:` list without times is aligned to the film's voiceover (or the scenes' speech), then cut
at the scenes like any film caption.

Speech comes from espeak-ng with known timing (tests/speech_factory.py): each sentence synthesised on
its own and joined with known silences, so every sentence's onset is exact.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
import speech_factory as sf

from toolkit.cli import cli
from toolkit.errors import SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.sidecar import film_cues
from toolkit.media import align as align_module

ROOT = Path(__file__).resolve().parent.parent
HEAD = "title: T\nregion: UK\n"
FIRST = "I stopped answering my phone for weeks."
SECOND = "Talking to my sister helped me more than I expected."
THIRD = "Now I call her every Sunday."
OTHER = "The garden was full of yellow roses."
TOLERANCE = 0.15  # seconds from the spoken onset, in film time


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "reel" / "align"


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> sf.Spoken:
    sf.require_espeak()
    return sf.join(tmp_path_factory.mktemp("vo") / "vo.wav", [FIRST, SECOND, THIRD], gap=0.8)


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> sf.Spoken:
    sf.require_espeak()
    pieces = [*FIRST.split(), *SECOND.split()]
    gaps = [0.12] * len(pieces)
    gaps[len(FIRST.split()) - 1] = 0.8
    return sf.join(tmp_path_factory.mktemp("words") / "words.wav", pieces, gap=0.12, gaps=gaps)


def cut_in(voice: sf.Spoken, line: int) -> float:
    """A cut 1 s into the spoken line `line`, on a whole frame (30 fps)."""
    return round((voice.onsets[line] + 1.0) * 30) / 30


def film(folder: Path, lines: list[str], voice: sf.Spoken | None, cut: float, *, style: str = "",
         total: float = 10.0) -> Path:
    """Two scenes cut at `cut` s, the film's voiceover (when given) and its script as `captions:`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = HEAD
    if voice is not None:
        (folder / "vo.wav").write_bytes(voice.path.read_bytes())
        text += "voiceover: vo.wav\n"
    if style:
        text += f"caption_style: {style}\n"
    text += "captions:\n" + "".join(f"  - {line}\n" for line in lines)
    text += (f"scenes:\n  - background: navy\n    duration: {cut:.4f}s\n"
             f"  - background: teal\n    duration: {total - cut:.4f}s\n")
    path = folder / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def captions(prepared) -> list:
    return [o for o in prepared.timeline.overlays if o.kind == "caption"]


def seconds(frame: int) -> float:
    return frame / 30


def test_each_line_starts_when_it_is_spoken_and_one_said_across_the_cut_is_split_there(
        tmp_path: Path, voice: sf.Spoken) -> None:
    cut = cut_in(voice, 1)
    prepared = prepare(film(tmp_path / "f", [FIRST, SECOND, THIRD], voice, cut))
    shown = captions(prepared)
    assert [o.loc for o in shown] == [("captions", "lines", 0), ("captions", "lines", 1), ("captions", "lines", 1),
                                      ("captions", "lines", 2)]
    first, second_a, second_b, third = shown
    assert abs(seconds(first.start) - voice.onsets[0]) <= TOLERANCE
    assert abs(seconds(second_a.start) - voice.onsets[1]) <= TOLERANCE
    assert abs(seconds(third.start) - voice.onsets[2]) <= TOLERANCE
    # the second sentence runs over the cut: one part on each side of it, drawn in each scene
    cut_frame = prepared.timeline.segments[1].start
    assert cut_frame == round(cut * 30) and second_a.end == cut_frame == second_b.start
    assert first.end == second_a.start and second_b.end == third.start
    # the last line holds 1.5 s after its speech ends (BBC §5.2), before the end card
    assert abs(seconds(third.end) - min(voice.ends[2] + 1.5, 10.0)) <= TOLERANCE
    # the caption files hold the same parts
    cues = film_cues(prepared.timeline)
    assert [c.text.replace("\n", " ") for c in cues[:4]] == [FIRST, SECOND, SECOND, THIRD]
    assert cues[1].end == cues[2].start == Fraction(cut_frame, 30)
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not"))]


def test_word_by_word_highlight_follows_the_voice_across_the_cut(tmp_path: Path, words: sf.Spoken) -> None:
    second = len(FIRST.split())  # the piece where the second sentence starts
    cut = round((words.onsets[second + 4] - 0.05) * 30) / 30  # just before "helped"
    prepared = prepare(film(tmp_path / "f", [FIRST, SECOND], words, cut, style="word-by-word"))
    texts = [FIRST.split(), SECOND.split()]
    scenes = {seg.index for seg in prepared.timeline.segments if seg.kind == "scene"}
    # "answering" (scene 1), "sister" (scene 1, before the cut), "expected." (scene 2, after it)
    for piece, segment in ((2, 0), (second + 3, 0), (second + 9, 1)):
        mid = (words.onsets[piece] + words.ends[piece]) / 2
        frame = round(mid * 30)
        [lit] = [o for o in captions(prepared) if o.start <= frame < o.end]
        _, seg, _, w = lit.id.split("-")  # cap-SEGMENT-CAPTION-wWORD
        assert int(seg) == segment and int(seg) in scenes, f"at {mid:.2f}s"
        assert texts[lit.loc[-1]][int(w[1:])] == words.pieces[piece], f"at {mid:.2f}s"


def test_a_line_not_spoken_is_a_located_warning_and_reads_between_its_neighbours(
        tmp_path: Path, voice: sf.Spoken) -> None:
    cut = cut_in(voice, 1)
    prepared = prepare(film(tmp_path / "f", [FIRST, OTHER, SECOND, THIRD], voice, cut))
    [warning] = [w for w in prepared.warnings if w.code == "caption-not-spoken"]
    assert (warning.line, warning.col, warning.path, warning.severity) == (6, 5, "captions[1]", "warning")
    heard = round(voice.duration * 30) / 30  # the voiceover's cue: whole frames of the 30 fps film
    assert warning.message == (f"the words “{OTHER}” were not found in the speech (searched `vo.wav` "
                               f"0:00.000–0:{heard:06.3f}); this caption is timed by reading speed between its "
                               "neighbours instead")
    first, other, second = captions(prepared)[:3]
    assert other.loc == ("captions", "lines", 1)
    # it shows from the end of the first sentence to the start of the second
    assert abs(seconds(other.start) - voice.ends[0]) <= TOLERANCE and other.end == second.start
    assert abs(seconds(first.start) - voice.onsets[0]) <= TOLERANCE
    assert abs(seconds(second.start) - voice.onsets[1]) <= TOLERANCE


def test_the_second_plan_reads_the_cache_and_decodes_nothing(tmp_path: Path, voice: sf.Spoken, cache: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = film(tmp_path / "f", [FIRST, SECOND, THIRD], voice, cut_in(voice, 1))
    before = [(o.start, o.end, o.loc) for o in captions(prepare(path))]
    assert len(list(cache.glob("*.json"))) == 1, "one run of speech (the film's voiceover): one search"

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although the alignment is cached")

    monkeypatch.setattr(align_module, "_decode", no_decoding)
    monkeypatch.setattr(align_module, "_search", no_decoding)
    assert [(o.start, o.end, o.loc) for o in captions(prepare(path))] == before


def test_a_script_whose_lines_all_have_times_is_placed_as_written(tmp_path: Path, voice: sf.Spoken,
                                                                   cache: Path) -> None:
    lines = ["{text: '" + FIRST + "', at: 0s, until: 2s}", "{text: '" + SECOND + "', at: 2s, until: 5s}",
             "{text: '" + THIRD + "', at: 5s}"]
    with_voice = prepare(film(tmp_path / "a", lines, voice, 3.0))
    silent = prepare(film(tmp_path / "b", lines, None, 3.0))
    card = with_voice.timeline.segments[-1].start
    assert [(o.start, o.end) for o in captions(with_voice)] == [(0, 60), (60, 90), (90, 150), (150, card)]
    assert [(o.start, o.end, o.loc) for o in captions(with_voice)] == \
        [(o.start, o.end, o.loc) for o in captions(silent)]
    assert not cache.exists(), "nothing is aligned when the lines have times"


def test_without_speech_an_untimed_script_is_the_error_it_was(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(SpecError) as caught:
        prepare(film(tmp_path / "f", [FIRST, SECOND], None, 3.0))
    [error] = [i for i in caught.value.issues if i.severity == "error"]
    assert (error.line, error.col, error.path) == (5, 5, "captions[1]")
    assert error.message.startswith("a caption of the film's track without `at:` starts when the previous one ends")
    assert not cache.exists()


def test_scene_voiceovers_carry_the_script_scene_by_scene(tmp_path: Path, voice: sf.Spoken) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "vo.wav").write_bytes(voice.path.read_bytes())
    # scene 1 says the first sentence, scene 2 the third (from 0.5 s before it in the file)
    from_ = voice.onsets[2] - 0.5
    text = (HEAD + f"captions:\n  - {FIRST}\n  - {THIRD}\n"
            "scenes:\n  - background: navy\n    duration: 3s\n    voiceover: {file: vo.wav, to: 2.9s}\n"
            "  - background: teal\n    duration: 3s\n    voiceover: {file: vo.wav, from: " + f"{from_:.3f}s" + "}\n")
    (folder / "film.yaml").write_text(text, encoding="utf-8")
    prepared = prepare(folder / "film.yaml")
    first, held, third = captions(prepared)  # the first line holds, over the cut, until the next is said
    assert abs(seconds(first.start) - voice.onsets[0]) <= TOLERANCE
    assert (first.loc, held.loc, third.loc) == (("captions", "lines", 0),) * 2 + (("captions", "lines", 1),)
    assert first.end == held.start == 90 and held.end == third.start
    assert abs(seconds(third.start) - 3.5) <= TOLERANCE  # 0.5 s into the second scene
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not"))]


def test_reel_captions_align_shows_the_films_lines(tmp_path: Path, runner, voice: sf.Spoken) -> None:
    cut = cut_in(voice, 1)
    path = film(tmp_path / "f", [FIRST, SECOND, THIRD], voice, cut)
    result = runner.invoke(cli, ["captions", "align", str(path)])
    assert result.exit_code == 0, result.output
    assert "captions (the film's, seconds from the film's start) — vo.wav 0.00s" in result.output
    assert f"[speech] {SECOND}  (scenes[0], scenes[1])" in result.output
    result = runner.invoke(cli, ["captions", "align", "--json", str(path)])
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schema" / "captions-align.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["scenes"] == []
    lines = data["film"]["captions"]
    assert [c["timed_by"] for c in lines] == ["speech"] * 3 and lines[1]["scenes"] == [0, 1]
    assert abs(lines[2]["words"][0]["start"] - voice.onsets[2]) <= TOLERANCE
    assert abs(lines[1]["start"] - voice.onsets[1]) <= TOLERANCE


def test_a_language_without_a_model_spreads_the_script_over_the_film_with_one_info_line(
        tmp_path: Path, voice: sf.Spoken) -> None:
    path = film(tmp_path / "f", [FIRST, SECOND], voice, 4.0)
    path.write_text(path.read_text(encoding="utf-8").replace(HEAD, HEAD + "language: cy\n"), encoding="utf-8")
    prepared = prepare(path)
    [info] = [w for w in prepared.warnings if w.code == "align-no-model"]  # once, for the film
    assert (info.severity, info.path) == ("info", "language")
    seven, ten = len(FIRST.split()), len(SECOND.split())
    first_a, first_b, second = captions(prepared)  # by word count over the film, cut at the scenes
    assert (first_a.start, first_a.end, first_b.start) == (0, 120, 120)
    assert first_b.end == second.start == round(300 * seven / (seven + ten)) and second.end == 300
    assert [o.loc[-1] for o in (first_a, first_b, second)] == [0, 0, 1]


def test_a_scene_with_its_own_captions_keeps_its_speech_and_the_script_ends_before_it(
        tmp_path: Path, voice: sf.Spoken) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "vo.wav").write_bytes(voice.path.read_bytes())
    # the film's voiceover under both scenes; the second scene writes its own (the second sentence)
    text = (HEAD + f"voiceover: vo.wav\ncaptions:\n  - {FIRST}\n"
            "scenes:\n  - background: navy\n    duration: 3s\n"
            f"  - background: teal\n    duration: 4s\n    captions:\n      - {SECOND}\n")
    (folder / "film.yaml").write_text(text, encoding="utf-8")
    prepared = prepare(folder / "film.yaml")
    first, second = captions(prepared)
    assert first.loc == ("captions", "lines", 0) and second.loc == ("scenes", 1, "captions", "lines", 0)
    assert abs(seconds(first.start) - voice.onsets[0]) <= TOLERANCE
    assert first.end == 90, "the film's line holds up to the scene with its own captions, not into it"
    assert abs(seconds(second.start) - voice.onsets[1]) <= TOLERANCE  # that scene's words, aligned there
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not"))]


def test_silence_under_the_film_warns_once_at_the_captions_and_spreads_the_script(tmp_path: Path) -> None:
    import media_factory as mf

    sound = tmp_path / "silence.wav"
    mf.ffmpeg("-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "10", str(sound))
    silent = sf.Spoken(sound, (), (), (), 10.0)
    prepared = prepare(film(tmp_path / "f", [FIRST, SECOND], silent, 4.0))
    [warned] = [w for w in prepared.warnings if w.code == "caption-not-spoken"]  # once, for the track
    assert (warned.path, warned.line, warned.severity) == ("captions", 5, "warning")  # where the list starts
    assert warned.message.startswith("none of the film's captions were found in the speech (searched `vo.wav` "
                                     "0:00.000–0:10.000; music, silence")
    shown = captions(prepared)
    assert shown[0].start == 0 and shown[-1].end == 300  # reading speed over the film before the end card


def test_reels_placeholder_voice_is_one_info_line_for_the_script(tmp_path: Path, cache: Path) -> None:
    from toolkit.media.synth import speech_tone

    tone = speech_tone(tmp_path / "tone.m4a", seconds=10)
    prepared = prepare(film(tmp_path / "f", [FIRST, SECOND], sf.Spoken(tone, (), (), (), 10.0), 4.0))
    [info] = [w for w in prepared.warnings if w.code == "align-placeholder"]
    assert (info.severity, info.path, info.line) == ("info", "captions", 5)
    assert info.message.startswith("`vo.wav` is Reel's placeholder voice")
    assert not [w for w in prepared.warnings if w.severity == "warning"] and not cache.exists()
    assert [o.loc[-1] for o in captions(prepared)] == [0, 0, 1]  # spread by word count, cut at the scene


@pytest.mark.render
def test_a_film_with_an_aligned_script_renders_and_its_caption_file_follows_the_voice(
        tmp_path: Path, runner, voice: sf.Spoken) -> None:
    import pysubs2

    cut = cut_in(voice, 1)
    path = film(tmp_path / "f", [FIRST, SECOND, THIRD], voice, cut)
    result = runner.invoke(cli, ["render", str(path), "--draft", "-q"])
    assert result.exit_code == 0, result.output
    cues = [(e.start / 1000, e.end / 1000, e.plaintext.replace("\n", " "))
            for e in pysubs2.load(str(tmp_path / "f" / "film.draft.srt"))]
    assert [text for _, _, text in cues[:4]] == [FIRST, SECOND, SECOND, THIRD]
    for (start, _, _), onset in zip((cues[0], cues[1], cues[3]), voice.onsets, strict=True):
        assert abs(start - onset) <= TOLERANCE
    assert abs(cues[1][1] - cut) < 0.001 and cues[2][0] == cues[1][1]  # split at the cut

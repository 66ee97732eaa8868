"""Captions timed by the speech (issue 15 §1): untimed captions are aligned to the voice.

Speech comes from espeak-ng with known timing (tests/speech_factory.py): pieces synthesised one by
one and joined with known silences, so every piece's onset is exact.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import jsonschema
import media_factory as mf
import pytest
import speech_factory as sf

from toolkit.cli import cli
from toolkit.errors import AlignError
from toolkit.film.pipeline import prepare
from toolkit.media import align as align_module
from toolkit.media.align import align, spoken_words
from toolkit.media.synth import footage

ROOT = Path(__file__).resolve().parent.parent
HEAD = "title: T\nregion: UK\n"
FIRST = "I stopped answering my phone for weeks."
SECOND = "Talking to my sister helped me more than I expected."
TOLERANCE = 0.15  # seconds: the 95th percentile is 0.25 s, its median 0.1 s


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "reel" / "align"


@pytest.fixture(scope="module")
def face(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return footage(tmp_path_factory.mktemp("face") / "face.mp4", seconds=12, width=108, height=192, sound=False)


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> sf.Spoken:
    sf.require_espeak()
    return sf.join(tmp_path_factory.mktemp("vo") / "vo.wav", [FIRST, SECOND], gap=0.8)


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> sf.Spoken:
    sf.require_espeak()
    pieces = FIRST.split() + SECOND.split()
    gaps = [0.12] * len(pieces)
    gaps[len(FIRST.split()) - 1] = 0.8  # the pause between the sentences
    return sf.join(tmp_path_factory.mktemp("words") / "words.wav", pieces, gap=0.12, gaps=gaps)


def film(folder: Path, body: str, *, vo: Path | None, face: Path | None = None, head: str = HEAD) -> Path:
    """A storyboard in `folder` with the voiceover (and footage) copied beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    if vo is not None:
        (folder / "vo.wav").write_bytes(vo.read_bytes())
    if face is not None:
        (folder / "face.mp4").write_bytes(face.read_bytes())
    path = folder / "film.yaml"
    path.write_text(head + ("voiceover: vo.wav\n" if vo is not None else "") + body, encoding="utf-8")
    return path


def talking_head(style: str = "word-by-word", lines: tuple[str, ...] = (FIRST, SECOND)) -> str:
    return ("scenes:\n  - background: face.mp4\n    captions:\n      style: " + style + "\n      lines:\n"
            + "".join(f"        - {line}\n" for line in lines))


def captions(prepared) -> list:
    return [o for o in prepared.timeline.overlays if o.kind == "caption"]


def test_word_by_word_highlight_is_on_the_spoken_word_at_three_instants(tmp_path: Path, words: sf.Spoken,
                                                                        face: Path) -> None:
    prepared = prepare(film(tmp_path / "f", talking_head(), vo=words.path, face=face))
    fps = prepared.timeline.canvas.fps
    texts = [FIRST.split(), SECOND.split()]
    # "answering" (first sentence), "sister" and "expected." (second): the middle of each spoken word
    for piece in (2, 10, 16):
        mid = (words.onsets[piece] + words.ends[piece]) / 2
        frame = round(mid * fps)
        [shown] = [o for o in captions(prepared) if o.start <= frame < o.end]
        _, _, k, w = shown.id.split("-")
        assert texts[int(k)][int(w[1:])] == words.pieces[piece], f"at {mid:.2f}s"


def test_block_captions_start_when_their_sentences_are_spoken(tmp_path: Path, sentences: sf.Spoken,
                                                              face: Path) -> None:
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=sentences.path, face=face))
    fps = prepared.timeline.canvas.fps
    first, second = captions(prepared)
    assert abs(float(Fraction(first.start) / fps) - sentences.onsets[0]) <= TOLERANCE
    assert abs(float(Fraction(second.start) / fps) - sentences.onsets[1]) <= TOLERANCE
    assert first.end == second.start
    # the last caption stays 1.5 s after the speech ends, within the scene
    hold = min(sentences.ends[1] + 1.5, 12.0)
    assert abs(float(Fraction(second.end) / fps) - hold) <= TOLERANCE
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not"))]


def test_explicit_times_win(tmp_path: Path, sentences: sf.Spoken, face: Path, cache: Path) -> None:
    body = ("scenes:\n  - background: face.mp4\n    captions:\n      - {text: '" + FIRST + "', at: 0s, until: 4s}\n"
            "      - {text: '" + SECOND + "', at: 4s}\n")
    prepared = prepare(film(tmp_path / "f", body, vo=sentences.path, face=face))
    assert [(o.start, o.end) for o in captions(prepared)] == [(0, 120), (120, 360)]
    assert not cache.exists(), "nothing is aligned when the captions have times"


def test_a_caption_not_spoken_is_reported_where_it_is_and_keeps_reading_speed(tmp_path: Path, sentences: sf.Spoken,
                                                                             face: Path) -> None:
    other = "The garden was full of yellow roses."
    prepared = prepare(film(tmp_path / "f", talking_head("block", (FIRST, other, SECOND)), vo=sentences.path,
                            face=face))
    [warning] = [w for w in prepared.warnings if w.code == "caption-not-spoken"]
    assert (warning.line, warning.col, warning.path, warning.severity) == (10, 11, "scenes[0].captions.lines[1]",
                                                                          "warning")
    heard = round(sentences.duration * 30) / 30  # the voiceover's cue: whole frames of the 30 fps film
    assert warning.message == (f"the words “{other}” were not found in the speech (searched `vo.wav` "
                               f"0:00.000–0:{heard:06.3f}); this caption is timed by reading speed instead")
    fps = prepared.timeline.canvas.fps
    first, middle, last = captions(prepared)
    assert abs(float(Fraction(first.start) / fps) - sentences.onsets[0]) <= TOLERANCE
    assert abs(float(Fraction(last.start) / fps) - sentences.onsets[1]) <= TOLERANCE
    # the unspoken caption shows between the end of the first sentence and the start of the second
    assert abs(float(Fraction(middle.start) / fps) - sentences.ends[0]) <= TOLERANCE
    assert middle.end == last.start


def test_a_language_without_a_model_falls_back_with_one_info_line(tmp_path: Path, sentences: sf.Spoken,
                                                                  face: Path) -> None:
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=sentences.path, face=face,
                            head=HEAD + "language: cy\n"))
    [info] = [w for w in prepared.warnings if w.code == "align-no-model"]
    assert info.severity == "info" and info.path == "language"
    assert "no alignment model for `cy`" in info.message
    first, second = captions(prepared)
    assert first.start == 0 and first.end == second.start  # today's spread by word count


def test_without_speech_captions_are_spread_as_before(tmp_path: Path, face: Path, cache: Path) -> None:
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=None, face=face))
    first, second = captions(prepared)
    seven, ten = len(FIRST.split()), len(SECOND.split())
    assert (first.start, second.end) == (0, 360) and second.start == round(360 * seven / (seven + ten))
    assert not cache.exists() and not [w for w in prepared.warnings if w.code.startswith("align")]


@pytest.mark.parametrize("kind", ["silence", "music"])
def test_sound_without_the_words_warns_once_for_the_scene(tmp_path: Path, face: Path, kind: str) -> None:
    sound = tmp_path / "sound.wav"
    if kind == "music":
        mf.ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.2*sin(2*PI*220*t)+0.15*sin(2*PI*330*t)*sin(2*PI*2*t):s=22050:d=8",
                  str(sound))
    else:
        mf.ffmpeg("-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "8", str(sound))
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=sound, face=face))
    [warned] = [w for w in prepared.warnings if w.code == "caption-not-spoken"]  # once for the scene
    assert (warned.path, warned.line, warned.severity) == ("scenes[0].captions", 7, "warning")
    assert warned.message.startswith("none of the captions' words were found in the speech (searched `vo.wav` "
                                     "0:00.000–0:08.000; music, silence, a placeholder, or another language?)")
    first, second = captions(prepared)
    assert first.start == 0 and second.end == 360  # reading-speed spread over the scene


def test_the_second_plan_reads_the_cache_and_decodes_nothing(tmp_path: Path, sentences: sf.Spoken, face: Path,
                                                             cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = film(tmp_path / "f", talking_head("block"), vo=sentences.path, face=face)
    before = [(o.start, o.end) for o in captions(prepare(path))]
    assert len(list(cache.glob("*.json"))) == 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although the alignment is cached")

    monkeypatch.setattr(align_module, "_decode", no_decoding)
    monkeypatch.setattr(align_module, "_search", no_decoding)
    assert [(o.start, o.end) for o in captions(prepare(path))] == before


def test_a_ten_minute_voiceover_is_searched_only_under_the_scene(tmp_path: Path, face: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    long = tmp_path / "long.wav"
    mf.ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "600", str(long))
    spans = []
    real = align_module._decode

    def decode(path, start, end):
        spans.append((start, end))
        return real(path, start, end)

    monkeypatch.setattr(align_module, "_decode", decode)
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=long, face=face))
    assert spans == [(0.0, 12.0)], "only the scene's 12 s of the 600 s file are decoded"
    assert [w for w in prepared.warnings if w.code == "caption-not-spoken"]
    with pytest.raises(AlignError, match="at most 180s is aligned at once"):
        align(long, [FIRST], start=0.0, end=600.0)


def test_a_span_is_refused_for_a_language_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="no speech-alignment model for language `ar`"):
        align(tmp_path / "none.wav", [FIRST], language="ar")


def test_tokens_are_said_as_words() -> None:
    assert spoken_words("Don’t,") == ["don't"]
    assert spoken_words("116") == ["one", "one", "six"]
    assert spoken_words("self-harm.") == ["self", "harm"]
    assert spoken_words("🙂") == []


def test_words_not_in_the_dictionary_and_emoji_keep_their_neighbours_timed(tmp_path: Path,
                                                                          sentences: sf.Spoken) -> None:
    result = align(sentences.path, [FIRST + " 🙂", SECOND.replace("sister", "Siobhán")])
    first, second = result.captions
    assert first.placed and second.placed
    assert first.words[-1].start is None  # the emoji has no time
    assert abs(first.words[0].start - sentences.onsets[0]) <= TOLERANCE
    assert abs(second.words[0].start - sentences.onsets[1]) <= TOLERANCE


def test_reel_captions_align_prints_and_writes_json(tmp_path: Path, runner, sentences: sf.Spoken,
                                                    face: Path) -> None:
    path = film(tmp_path / "f", talking_head("block"), vo=sentences.path, face=face)
    result = runner.invoke(cli, ["captions", "align", str(path)])
    assert result.exit_code == 0, result.output
    assert "scenes[0] — vo.wav 0.00s" in result.output and "[speech] " + FIRST in result.output
    result = runner.invoke(cli, ["captions", "align", "--json", str(path)])
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schema" / "captions-align.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    [scene] = data["scenes"]
    assert [c["timed_by"] for c in scene["captions"]] == ["speech", "speech"]
    assert abs(scene["captions"][1]["words"][0]["start"] - sentences.onsets[1]) <= TOLERANCE
    plan = runner.invoke(cli, ["plan", str(path)])
    assert "caption  scenes[0].captions.lines[1]" in plan.output


def test_the_model_is_inside_the_installed_wheel() -> None:
    import pocketsphinx

    model = Path(pocketsphinx.get_model_path())
    assert model.is_relative_to(Path(pocketsphinx.__file__).parent), "the model ships in the package, not fetched"
    assert (model / "en-us" / "en-us").is_dir() and (model / "en-us" / "cmudict-en-us.dict").is_file()


def test_kept_footage_sound_is_followed_through_its_trim(tmp_path: Path, sentences: sf.Spoken, face: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    mf.ffmpeg("-i", str(face), "-i", str(sentences.path), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
              "-shortest", str(folder / "talk.mp4"))
    body = ("scenes:\n  - background: {video: talk.mp4, from: 0.4s}\n    captions:\n"
            f"      - {FIRST}\n      - {SECOND}\n")
    prepared = prepare(film(folder, body, vo=None))
    fps = prepared.timeline.canvas.fps
    first, second = captions(prepared)
    # the picture (and its sound) starts 0.4 s into the file: every word 0.4 s earlier in the scene
    assert abs(float(Fraction(first.start) / fps) - (sentences.onsets[0] - 0.4)) <= TOLERANCE
    assert abs(float(Fraction(second.start) / fps) - (sentences.onsets[1] - 0.4)) <= TOLERANCE


def test_a_scene_voiceover_is_followed_through_its_trim(tmp_path: Path, sentences: sf.Spoken, face: Path) -> None:
    from_ = sentences.onsets[1] - 0.5  # the second sentence only, starting 0.5 s into the scene
    body = ("scenes:\n  - background: face.mp4\n    voiceover: {file: vo.wav, from: " + f"{from_:.3f}s" + "}\n"
            f"    captions:\n      - {SECOND}\n")
    prepared = _scene_vo(tmp_path / "f", body, sentences.path, face)
    fps = prepared.timeline.canvas.fps
    [only] = captions(prepared)
    assert abs(float(Fraction(only.start) / fps) - 0.5) <= TOLERANCE


def _scene_vo(folder: Path, body: str, vo: Path, face: Path):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vo.wav").write_bytes(vo.read_bytes())
    (folder / "face.mp4").write_bytes(face.read_bytes())
    (folder / "film.yaml").write_text(HEAD + body, encoding="utf-8")
    return prepare(folder / "film.yaml")


def test_a_j_cut_lead_moves_the_words_earlier_in_the_scene(tmp_path: Path, sentences: sf.Spoken, face: Path) -> None:
    from_ = sentences.onsets[1] - 0.8  # heard 0.8 s after the voice starts, which is 0.5 s before the picture
    body = ("scenes:\n  - background: navy\n    duration: 2s\n  - background: face.mp4\n    audio: {lead: 0.5s}\n"
            "    voiceover: {file: vo.wav, from: " + f"{from_:.3f}s" + "}\n"
            f"    captions:\n      - {SECOND}\n")
    prepared = _scene_vo(tmp_path / "f", body, sentences.path, face)
    fps = prepared.timeline.canvas.fps
    [only] = captions(prepared)
    scene = prepared.timeline.segments[1]
    assert abs(float(Fraction(only.start - scene.start) / fps) - 0.3) <= TOLERANCE


def test_reels_placeholder_voice_is_said_once_per_scene_as_information(tmp_path: Path, face: Path,
                                                                       cache: Path) -> None:
    from toolkit.media.synth import speech_tone

    tone = speech_tone(tmp_path / "tone.m4a", seconds=8)
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=tone, face=face))
    [info] = [w for w in prepared.warnings if w.code == "align-placeholder"]
    assert (info.severity, info.path, info.line) == ("info", "scenes[0].captions", 7)
    assert info.message.startswith("`vo.wav` is Reel's placeholder voice")
    assert not [w for w in prepared.warnings if w.severity == "warning"] and not cache.exists()


def test_reel_captions_align_on_a_broken_storyboard_names_the_place_and_exits_1(tmp_path: Path, runner) -> None:
    path = tmp_path / "film.yaml"
    path.write_text(HEAD + "scenes:\n  - background: navy\n    duration: 2s\n    captoins: Hello.\n", encoding="utf-8")
    result = runner.invoke(cli, ["captions", "align", str(path)])
    assert result.exit_code == 1
    assert "film.yaml:6:5: scenes[0].captoins: unknown key `captoins`" in result.output


def test_a_caption_whose_speech_is_cut_off_by_the_scene_end_is_not_forced_onto_other_words(
        tmp_path: Path, words: sf.Spoken, face: Path) -> None:
    # the scene ends at 7 s, inside the second sentence: its caption must not be stretched over the first
    body = ("scenes:\n  - background: face.mp4\n    duration: 7s\n    captions:\n"
            f"      - {FIRST}\n      - {SECOND}\n")
    prepared = prepare(film(tmp_path / "f", body, vo=words.path, face=face))
    fps = prepared.timeline.canvas.fps
    first, second = captions(prepared)
    assert abs(float(Fraction(first.start) / fps) - words.onsets[0]) <= TOLERANCE
    [warning] = [w for w in prepared.warnings if w.code == "caption-not-spoken"]
    assert warning.path == "scenes[0].captions[1]"  # `lines` is not written: the list is the captions
    assert first.end == second.start and second.end == 210  # it reads from the first sentence's end to 7 s


def test_without_the_aligner_installed_the_captions_fall_back_with_a_warning(tmp_path: Path, sentences: sf.Spoken,
                                                                           face: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # `import pocketsphinx` raises ImportError
    prepared = prepare(film(tmp_path / "f", talking_head("block"), vo=sentences.path, face=face))
    [warning] = [w for w in prepared.warnings if w.code == "align-failed"]
    assert warning.path == "scenes[0].captions" and "pocketsphinx) is not installed" in warning.message
    first, second = captions(prepared)
    assert first.start == 0 and second.end == 360

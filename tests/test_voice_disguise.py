"""Voice disguise (issue 16 §2, `anonymise: {voice: disguise}`): measured from the sound Reel makes.

Speech is espeak-ng (tests/speech_factory.py), its onsets known by construction; the voice is measured
by tests/voice_measure.py (pitch, LPC formants, mel-cepstral envelope on voiced frames). The chain under
test is Reel's own: the film's compiled mix (`compile.audio.build_mix`) or a whole draft render.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import numpy as np
import pytest
import speech_factory as sf
import voice_measure as vm

from toolkit.errors import IssuesError
from toolkit.film.compile import audio
from toolkit.film.compile.disguise import FORMANT, PITCH
from toolkit.film.compile.nodes import Graph
from toolkit.film.pipeline import prepare
from toolkit.film.plan.describe import describe
from toolkit.film.plan.timeline import Timeline
from toolkit.settings import Settings

TODAY = date(2026, 6, 1)
FIRST = "I stopped answering my phone for weeks."
SECOND = "Talking to my sister helped me more than I expected."
TOLERANCE = 0.15  # seconds, as tests/test_align.py: caption onsets against the known speech onsets
CONTRIBUTORS = """\
contributors:
  - id: sam
    name: Samuel Reid
    shown_as: Alex
    consent: CF-2026-014
    given: 2026-01-10
    expires: 2027-01-10
    platforms: [tiktok]
    show: {face: yes, voice: anonymised, name: no, location: no}
"""


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sf.require_espeak()
    folder = tmp_path_factory.mktemp("disguise")
    sf.join(folder / "other.wav", [FIRST, SECOND], gap=0.6, lead=0.3, voice="en-us+m3")  # another speaker
    for name in ("a.mp4", "b.mp4"):
        mf.make_video(folder / name, size=(108, 192), seconds=2.0, tone=440)
    mf.make_video(folder / "silent.mp4", size=(108, 192), seconds=2.0, audio=False)
    return folder


@pytest.fixture(scope="module")
def spoken(media: Path) -> sf.Spoken:
    return sf.join(media / "vo.wav", [FIRST, SECOND], gap=0.6, lead=0.3)


def storyboard(folder: Path, body: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text("title: T\nregion: UK\nplatform: tiktok\n" + CONTRIBUTORS + body, encoding="utf-8")
    return path


def mix(timeline: Timeline, out: Path) -> np.ndarray:
    """The film's compiled mix (Reel's own audio graph) as mono samples at `vm.RATE`."""
    graph = Graph()
    mixed = audio.build_mix(timeline, graph)
    assert mixed is not None
    mf.ffmpeg(*graph.argv([mixed], out)[:-1], "-ac", "1", "-ar", str(vm.RATE), "-c:a", "pcm_s16le", str(out))
    return vm.read(out)


def shifted(src: Path, out: Path, pitch: float, *, formant: bool) -> np.ndarray:
    """The attack: `src` pitch-shifted by `pitch` with rubberband (formants kept or moved with it)."""
    mf.ffmpeg("-i", str(src), "-af", f"rubberband=pitch={pitch:.6f}" + (":formant=preserved" if formant else ""),
              str(out))
    return vm.read(out)


def peak_hz(x: np.ndarray, a: float, b: float) -> float:
    part = x[int(a * vm.RATE):int(b * vm.RATE)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    return float(np.fft.rfftfreq(len(part), 1 / vm.RATE)[np.argmax(spectrum)])


# ------------------------------------------------------------------ the chain, measured


def test_pitch_and_formants_move_apart_and_shifting_the_pitch_back_does_not_undo_it(
        media: Path, spoken: sf.Spoken, tmp_path: Path) -> None:
    prepared = prepare(storyboard(media, "voiceover: {file: vo.wav, contributor: sam, anonymise: {voice: disguise}}\n"
                                  "scenes:\n  - {background: navy, duration: 6s}\n", "narrated.yaml"),
                       today=TODAY, width=108)
    [voice] = [c for c in prepared.timeline.audio if c.role == "voice"]
    assert voice.disguise and ", disguised\n" in describe(prepared.timeline)
    original = vm.measure(vm.read(media / "vo.wav"))
    disguised_samples = mix(prepared.timeline, tmp_path / "disguised.wav")
    disguised = vm.measure(disguised_samples)
    # the pitch falls by PITCH (−2.8 semitones), the formants rise (F2, F3 by about FORMANT)
    assert vm.semitones(original.pitch, disguised.pitch) == pytest.approx(12 * np.log2(PITCH), abs=0.7)
    for before, after in zip(original.formants[1:], disguised.formants[1:], strict=True):
        assert after / before > 1 + (FORMANT - 1) / 2, (original.formants, disguised.formants)

    # the attack: shift the pitch back by 1/PITCH, keeping the formants where they are or moving them too
    kept = vm.measure(shifted(tmp_path / "disguised.wav", tmp_path / "kept.wav", 1 / PITCH, formant=True))
    moved = vm.measure(shifted(tmp_path / "disguised.wav", tmp_path / "moved.wav", 1 / PITCH, formant=False))
    # a plain pitch shift by PITCH, which the same attack does undo
    shifted(media / "vo.wav", tmp_path / "plain.wav", PITCH, formant=False)
    undone = vm.measure(shifted(tmp_path / "plain.wav", tmp_path / "undone.wav", 1 / PITCH, formant=False))
    other = vm.measure(vm.read(media / "other.wav"))

    assert abs(vm.semitones(original.pitch, kept.pitch)) < 0.5, "the attack does restore the pitch"
    reference = vm.envelope_distance(original, other)  # a different speaker saying the same words
    back = vm.envelope_distance(original, undone)
    for attacked in (kept, moved):
        distance = vm.envelope_distance(original, attacked)
        assert distance > 3 * back, (distance, back)
        assert distance > reference, (distance, reference)
    assert back < reference, "the plain shift is undone: closer to the original than another speaker"


# ------------------------------------------------------------------ the film, end to end


def test_a_disguised_film_renders_passes_consent_and_its_captions_land(media: Path, spoken: sf.Spoken,
                                                                       tmp_path: Path) -> None:
    from toolkit.film.render import render_film

    body = ("scenes:\n"
            "  - {background: a.mp4}\n"  # footage sound kept, nobody's voice: left as it is
            "  - background: {video: b.mp4, contributor: sam, anonymise: {voice: disguise}}\n"
            "  - background: navy\n"
            "    voiceover: {file: vo.wav, contributor: sam, anonymise: {voice: disguise}}\n"
            "    captions:\n      style: block\n      lines:\n        - " + FIRST + "\n        - " + SECOND + "\n")
    prepared = prepare(storyboard(media, body), today=TODAY)  # the card check reads a draft (540 px) or wider
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not", "disguise"))]
    cues = {(c.role, c.path.name): c.disguise for c in prepared.timeline.audio}
    assert cues == {("source", "a.mp4"): False, ("source", "b.mp4"): True, ("voice", "vo.wav"): True}

    fps = prepared.timeline.canvas.fps
    first, second, third = (float(Fraction(s.start) / fps) for s in prepared.timeline.segments[:3])
    captions = [o for o in prepared.timeline.overlays if o.kind == "caption"]
    for caption, onset in zip(captions, spoken.onsets, strict=True):
        assert abs(float(Fraction(caption.start) / fps) - third - onset) <= TOLERANCE

    result = render_film(prepared, tmp_path / "film.mp4", draft=True)
    sound = vm.read(result.output)
    assert peak_hz(sound, first + 0.3, second - 0.3) == pytest.approx(440, abs=6), "not asked: not disguised"
    assert peak_hz(sound, second + 0.3, third - 0.3) == pytest.approx(440 * PITCH, abs=6), "disguised as asked"

    original = vm.read(media / "vo.wav")
    heard = sound[int(third * vm.RATE):int(third * vm.RATE) + len(original)]
    before, after = vm.measure(original), vm.measure(heard)
    assert after.pitch < before.pitch * (1 + PITCH) / 2 and after.formants[1] > before.formants[1] * 1.08
    # in sync with the picture and the captions: the loudness contours line up within 10 ms
    assert abs(_lag(original, heard)) <= 0.010


def _lag(a: np.ndarray, b: np.ndarray) -> float:
    """Seconds `b`'s loudness contour lags `a`'s (best of ±0.1 s, at 1 ms)."""
    def contour(x: np.ndarray) -> np.ndarray:
        return np.convolve(np.abs(x), np.hanning(vm.RATE // 50), "same")
    ca, cb = contour(a), contour(b)
    n, reach = min(len(ca), len(cb)), vm.RATE // 10
    shifts = range(-reach, reach + 1, vm.RATE // 1000)
    scores = [float(np.dot(ca[reach:n - reach], cb[reach + s:n - reach + s])) for s in shifts]
    return shifts[int(np.argmax(scores))] / vm.RATE


# ------------------------------------------------------------------ consent and misuse


def test_anonymised_voice_passes_only_where_disguised(media: Path) -> None:
    heard = "  - background: {video: a.mp4, contributor: sam}\n"
    with pytest.raises(IssuesError) as refused:
        prepare(storyboard(media, "scenes:\n" + heard, "bare.yaml"), today=TODAY, width=108)
    [error] = [i for i in refused.value.issues if i.severity == "error"]
    assert (error.line, error.path) == (14, "scenes[0].background.contributor")
    assert "their voice may only be heard disguised (show.voice: anonymised)" in error.message
    prepared = prepare(storyboard(media, "scenes:\n  - background: {video: a.mp4, contributor: sam, anonymise: "
                                  "{voice: disguise}}\n", "covered.yaml"), today=TODAY, width=108)
    assert [c.disguise for c in prepared.timeline.audio] == [True]
    assert "  sound of a.mp4 from frame 0 for 60f, disguised\n" in describe(prepared.timeline)


@pytest.mark.parametrize(("scene", "col", "why"), [
    ("  - background: {video: a.mp4, anonymise: {voice: disguise}}\n    audio: mute\n", 51,
     "its sound is not played (audio: mute)"),
    ("  - background: {video: silent.mp4, anonymise: {voice: disguise}}\n", 56, "it has no sound track"),
])
def test_disguise_where_no_sound_is_heard_is_a_located_warning(media: Path, scene: str, col: int, why: str) -> None:
    prepared = prepare(storyboard(media, "scenes:\n" + scene, "muted.yaml"), today=TODAY, width=108)
    [note] = [w for w in prepared.warnings if w.code == "disguise-nothing-heard"]
    assert (note.severity, note.line, note.col, note.path) == ("warning", 14, col,
                                                               "scenes[0].background.anonymise.voice")
    assert note.message == (f"`voice: disguise` does nothing here: {why}, so no voice is heard to disguise. "
                            "Remove it, or keep the sound to hear it disguised")
    assert not prepared.timeline.audio or not any(c.disguise for c in prepared.timeline.audio)


def test_disguise_on_a_muted_video_layer_is_a_located_warning(media: Path) -> None:
    body = ("scenes:\n  - background: navy\n    duration: 2s\n    layers:\n"
            "      - {video: a.mp4, audio: mute, anonymise: {voice: disguise}}\n")
    prepared = prepare(storyboard(media, body, "layer.yaml"), today=TODAY, width=108)
    [note] = [w for w in prepared.warnings if w.code == "disguise-nothing-heard"]
    assert (note.line, note.col, note.path) == (17, 56, "scenes[0].layers[0].anonymise.voice")
    assert "its sound is not played (audio: mute)" in note.message


def test_the_disguise_is_deterministic_and_never_runs_python_per_sample() -> None:
    from toolkit.film.compile.disguise import disguise
    graphs = []
    for _ in range(2):
        graph = Graph()
        out = disguise(graph.input("/media/voice.wav")["a"], 48000)
        graphs.append(graph.argv([out], "out.wav"))
    assert graphs[0] == graphs[1]
    chain = graphs[0][graphs[0].index("-filter_complex") + 1]
    assert re.findall(r"\[(?:s\d+|0:a)\]([a-z]+)=", chain) == [
        "aformat", "aresample", "asetrate", "aresample", "rubberband", "apad", "afftfilt", "atrim", "asetpts",
        "aresample"]
    assert subprocess.run([Settings().ffmpeg, "-hide_banner", "-h", "filter=rubberband"], capture_output=True,
                          text=True).stdout.count("formant") >= 1


def test_the_films_script_is_timed_by_the_original_under_a_disguised_voiceover(media: Path,
                                                                              spoken: sf.Spoken) -> None:
    body = ("voiceover: {file: vo.wav, contributor: sam, anonymise: {voice: disguise}}\n"
            f"captions:\n  - {FIRST}\n  - {SECOND}\n"
            "scenes:\n  - {background: navy, duration: 3s}\n  - {background: teal, duration: 3.5s}\n")
    prepared = prepare(storyboard(media, body, "script.yaml"), today=TODAY, width=108)
    assert [c.disguise for c in prepared.timeline.audio if c.role == "voice"] == [True]
    fps = prepared.timeline.canvas.fps
    shown = [o for o in prepared.timeline.overlays if o.kind == "caption"]
    starts = sorted({o.loc: float(Fraction(o.start) / fps) for o in reversed(shown)}.values())
    assert [abs(s - o) <= TOLERANCE for s, o in zip(starts, spoken.onsets, strict=True)] == [True, True]
    assert not [w for w in prepared.warnings if w.code.startswith(("align", "caption-not"))]


@pytest.mark.parametrize(("where", "anonymise", "at", "message"), [
    ("photo", "{voice: disguise}", "14:48: scenes[0].background.anonymise.voice",
     "unknown key `voice`; `voice` belongs in `voiceover.anonymise`"),
    ("voiceover", "{voice: blur}", "15:50: scenes[0].voiceover.anonymise.voice", "'blur' is not one of 'disguise'"),
    ("voiceover", "{}", "15:42: scenes[0].voiceover.anonymise.voice", "required: add `voice:`"),
])
def test_misused_disguise_is_a_located_error(media: Path, where: str, anonymise: str, at: str, message: str) -> None:
    if not (media / "photo.jpg").exists():
        mf.make_image(media / "photo.jpg", size=(64, 96))
    scene = ("  - background: {image: photo.jpg, anonymise: " + anonymise + "}\n    duration: 2s\n" if where == "photo"
             else "  - background: navy\n    voiceover: {file: vo.wav, anonymise: " + anonymise + "}\n")
    path = storyboard(media, "scenes:\n" + scene, "misused.yaml")
    with pytest.raises(IssuesError) as refused:
        prepare(path, today=TODAY, width=108)
    errors = [i.format() for i in refused.value.issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:{at}: ") and message in errors[0], errors

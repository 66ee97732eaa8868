"""Sound design: music cues with in-points and fades, sound effects, trimmed scene voiceovers, J and L
cuts, ducking under every speech source, and the silent-film warning.

Plan-level tests read the cues the planner places; render tests mix tiny sine tones through the
compiler's own audio graph (`compile.audio.build_mix`, as the render does) into a WAV and measure
it with numpy: each source has its own frequency, so its level is read from its band.
"""

from __future__ import annotations

import json
import os
import wave
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import numpy as np
import pytest

from toolkit.errors import ReelError
from toolkit.film.compile import audio
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.nodes import Graph
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.pipeline import Prepared, prepare
from toolkit.film.plan.timeline import AudioCue, AudioMix, Box, ColorSource, Timeline, Transition
from toolkit.film.scaffold import scaffold

RATE = 48000
FPS = 30
HEAD = "title: Sound\nregion: UK\n"
MUSIC_LOW, MUSIC_HIGH, VOICE, PING, CLIP_A, CLIP_B = 330, 660, 1000, 2000, 500, 800


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sound")
    # music whose first 3 s are 330 Hz and last 3 s 660 Hz: the band says where in the file we are
    mf.ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.1*sin(2*PI*if(lt(t\\,3)\\,330\\,660)*t):s=48000:d=6",
              "-c:a", "pcm_s16le", str(folder / "music.wav"))
    mf.make_tone(folder / "vo.wav", seconds=3, freq=VOICE)
    mf.make_tone(folder / "ping.wav", seconds=0.3, freq=PING, level_db=-12)
    mf.make_video(folder / "a.mp4", seconds=3, tone=CLIP_A, size=(64, 114))
    mf.make_video(folder / "b.mp4", seconds=3, tone=CLIP_B, size=(64, 114))
    mf.make_video(folder / "quiet.mp4", seconds=3, audio=False, size=(64, 114))
    return folder


def film(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cues(prepared: Prepared, role: str) -> list[AudioCue]:
    return [c for c in prepared.timeline.audio if c.role == role]


def problems(path: Path) -> list:
    """The located errors planning or validating `path` raises."""
    with pytest.raises(ReelError) as exc:
        prepare(path)
    return [i for i in exc.value.issues if i.severity == "error"]


# ------------------------------------------------------------------ plan: music


def test_a_music_string_is_the_bed_it_always_was(media: Path) -> None:
    prepared = prepare(film(media, HEAD + "music: music.wav\nscenes:\n  - {background: navy, duration: 3s}\n"))
    [music] = cues(prepared, "music")
    total = prepared.timeline.frames
    assert (music.start, music.length, music.source_start, music.loop, music.source_end) == (0, total, 0, True, None)
    assert (music.fade_in, music.fade_out, music.volume, music.duck) == (15, 30, 0.3, True)
    assert prepared.timeline.mix.duck_music


def test_music_cues_start_at_their_time_from_their_in_point(media: Path) -> None:
    text = HEAD + ("music:\n  - file: music.wav\n    fade_out: 0.5s\n"
                   "  - {file: music.wav, at: 3s, from: 3.5s, fade_in: 250ms, for: 2s, loop: no, volume: 0.5}\n"
                   "scenes:\n  - {background: navy, duration: 6s}\n")
    first, second = cues(prepare(film(media, text)), "music")
    # the first plays until the next starts
    assert (first.start, first.length, first.fade_out, first.fade_in) == (0, 90, 15, 15)
    assert (second.start, second.length, second.source_start) == (90, 60, Fraction(7, 2))
    assert (second.fade_in, second.fade_out, second.volume, second.loop) == (8, 15, 0.5, False)


def test_an_in_point_with_loop_repeats_from_the_in_point(media: Path) -> None:
    text = HEAD + "music: {file: music.wav, from: 4s}\nscenes:\n  - {background: navy, duration: 6s}\n"
    [music] = cues(prepare(film(media, text)), "music")
    # 2 s of file after the in-point under a 14 s film: the span 4–6 s plays round and round
    assert (music.source_start, music.source_end, music.loop) == (4, 6, True)
    short = HEAD + "music: {file: music.wav, from: 1s, until: 2s}\nscenes:\n  - {background: navy, duration: 6s}\n"
    [once] = cues(prepare(film(media, short)), "music")
    assert (once.source_start, once.source_end, once.loop, once.length) == (1, None, False, 60)


def test_overlapping_music_cues_crossfade_over_the_overlap(media: Path) -> None:
    text = HEAD + ("music:\n  - {file: music.wav, until: 5s}\n  - {file: music.wav, at: 4s, from: 3s}\n"
                   "scenes:\n  - {background: navy, duration: 6s}\n")
    first, second = cues(prepare(film(media, text)), "music")
    assert first.start + first.length - second.start == 30
    assert first.fade_out == 30 and second.fade_in == 30


def test_duck_is_per_cue_and_effects_never_duck(media: Path) -> None:
    text = HEAD + ("voiceover: vo.wav\nmusic:\n  - {file: music.wav, until: 2s}\n"
                   "  - {file: music.wav, at: 2s, duck: no}\nsounds:\n  - {file: ping.wav, at: 1s}\n"
                   "scenes:\n  - {background: navy, duration: 4s}\n")
    prepared = prepare(film(media, text))
    assert [c.duck for c in cues(prepared, "music")] == [True, False]
    graph = _filter_complex(prepared.timeline)
    # one compressor, keyed by the speech bus only: the un-ducked cue and the ping go round it
    assert graph.count("sidechaincompress") == 1
    assert audio.EFFECT_ROLES == ("effect",) and "effect" not in audio.SPEECH_ROLES + audio.MUSIC_ROLES


# ------------------------------------------------------------------ plan: effects, voiceover, edges


def test_sounds_land_at_film_and_scene_times(media: Path) -> None:
    text = HEAD + ("sounds:\n  - {file: ping.wav, at: 1.5s, volume: 0.7}\n  - {asset: whoosh, at: 0s}\n"
                   "scenes:\n  - {background: navy, duration: 2s}\n"
                   "  - background: teal\n    duration: 2s\n    sounds:\n      - {file: ping.wav, at: 0.5s}\n")
    effects = cues(prepare(film(media, text)), "effect")
    assert [(c.path.name, c.start, c.volume) for c in effects] == [("ping.wav", 45, 0.7), ("whoosh.wav", 0, 1.0),
                                                                    ("ping.wav", 75, 1.0)]
    assert effects[0].length == 9


def test_a_scene_voiceover_is_trimmed_and_sets_the_scene_length(media: Path) -> None:
    text = HEAD + "scenes:\n  - background: navy\n    voiceover: {file: vo.wav, from: 0.5s, to: 2s, volume: 0.6}\n"
    prepared = prepare(film(media, text))
    [voice] = cues(prepared, "voice")
    assert prepared.timeline.segments[0].length == 45
    assert (voice.start, voice.length, voice.source_start, voice.source_end, voice.volume) == (0, 45, Fraction(1, 2),
                                                                                              2, 0.6)
    # the string form is still a scene voiceover from the file's start
    [plain] = cues(prepare(film(media, HEAD + "scenes:\n  - background: navy\n    voiceover: vo.wav\n")), "voice")
    assert (plain.source_start, plain.length, plain.volume) == (0, 90, 1.0)


def test_kept_footage_sound_fades_at_cuts_and_crossfades_under_transitions(media: Path) -> None:
    text = HEAD + ("scenes:\n  - background: a.mp4\n  - background: b.mp4\n    transition: fade\n"
                   "  - {background: navy, duration: 2s}\n")
    a, b = cues(prepare(film(media, text)), "source")
    assert (a.fade_in, a.fade_out) == (1, 1), "a hard cut never clicks"
    assert (b.fade_in, b.fade_out) == (1, 15), "the fade transition's overlap is the crossfade"


def test_j_and_l_cuts_carry_sound_under_the_neighbours_inside_the_trim(media: Path) -> None:
    text = HEAD + ("scenes:\n  - background: a.mp4\n    audio: {tail: 0.5s}\n"
                   "  - background: {video: b.mp4, from: 0.5s}\n    audio: {lead: 0.5s}\n"
                   "  - {background: navy, duration: 2s}\n")
    prepared = prepare(film(media, text))
    first, second = prepared.timeline.segments[:2]
    a, b = cues(prepared, "source")
    # L cut: scene 1's 3 s trim is 2.5 s of picture; its sound runs 0.5 s on under scene 2
    assert (first.length, a.start, a.length, a.source_start) == (75, 0, 90, 0)
    # J cut: scene 2's sound starts 0.5 s before its picture, from `from`; the picture starts 0.5 s in
    assert second.source.start == 1 and (b.start, b.source_start) == (second.start - 15, Fraction(1, 2))
    assert second.length == 60 and b.length == 75  # 2.5 s trim: 2 s seen, all 2.5 s heard


def test_a_tail_past_the_trim_stops_at_to_and_says_so(media: Path) -> None:
    text = HEAD + ("scenes:\n  - background: {video: a.mp4, to: 2s}\n    duration: 2s\n    audio: {tail: 0.5s}\n"
                   "  - {background: navy, duration: 2s}\n")
    prepared = prepare(film(media, text))
    [a] = cues(prepared, "source")
    assert a.source_end == 2 and a.length == 75
    [note] = [w for w in prepared.warnings if w.code == "tail-past-trim"]
    assert (note.line, note.path) == (6, "scenes[0].audio.tail")
    assert note.message.startswith("the footage sound stops at the trim's end (`to`), 0s into the 0.5s tail")


# ------------------------------------------------------------------ silent films


def test_a_silent_film_is_warned_with_the_consequence_and_the_fix(media: Path) -> None:
    prepared = prepare(film(media, HEAD + "scenes:\n  - {background: quiet.mp4}\n"))
    [silent] = [w for w in prepared.warnings if w.code == "silent-film"]
    assert silent.severity == "warning" and silent.line == 1
    assert silent.message == ("this film has no sound at all (no music, voiceover, sound effect or footage sound): "
                              "the default TikTok rubric fails silent clips (`audio-present`) and viewers take a "
                              "silent film for a broken one; add a music bed, e.g. `music: media/music.m4a`")
    sounding = prepare(film(media, HEAD + "sounds: [{file: ping.wav, at: 1s}]\nscenes:\n  - {background: quiet.mp4}\n"))
    assert not [w for w in sounding.warnings if w.code == "silent-film"]


def test_the_text_story_scaffold_has_music_and_is_not_silent(tmp_path: Path) -> None:
    path = scaffold(tmp_path / "story", "text-story")
    assert (tmp_path / "story" / "media" / "music.m4a").is_file()
    prepared = prepare(path)
    assert cues(prepared, "music") and not [w for w in prepared.warnings if w.code == "silent-film"]


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("text", "line", "where", "message"), [
    ("music: {file: music.wav, from: 7s}\n", 3, "music.from",
     "`from` (7s) is past the end of `music.wav` (6.00s long)"),
    ("music:\n  - music.wav\n  - {file: music.wav, at: 30s}\n", 5, "music[1].at",
     "the music cue starts at 30s, after the film ends (12s long, end card included)"),
    ("sounds:\n  - {file: ping.wav, at: 20s}\n", 4, "sounds[0].at",
     "the sound starts at 20s, after the film ends; the film is 12s long, end card included"),
    ("music: {file: music.wav, at: 3s, until: 2s}\n", 3, "music.until", "`until` (2s) must be after `at` (3s)"),
    ("music:\n  - {file: music.wav, until: 6s}\n  - {file: music.wav, at: 1s, until: 6s}\n"
     "  - {file: music.wav, at: 2s}\n", 6, "music[2].at",
     "three music cues would play at once at 2s: end the earlier ones first (`until:`), two at a time crossfade"),
    ("music:\n  - {file: music.wav, at: 2s}\n  - {file: music.wav, at: 1s}\n", 5, "music[1].at",
     "music cues are listed in the order they start: this one starts at 1s, before the cue above it (2s)"),
    ("music: {file: music.wav, fade_in: 3s, fade_out: 10s}\n", 3, "music.fade_out",
     "`fade_in` and `fade_out` together (13s) are longer than the cue (12s)"),
])
def test_bad_music_and_sounds_are_located(media: Path, text: str, line: int, where: str, message: str) -> None:
    [issue] = problems(film(media, HEAD + text + "scenes:\n  - {background: navy, duration: 4s}\n"))
    assert (issue.line, issue.path, issue.message) == (line, where, message)


@pytest.mark.parametrize(("scene", "line", "where", "message"), [
    ("    voiceover: {file: vo.wav, from: 4s}\n", 6, "scenes[0].voiceover.from",
     "`from` (4s) is past the end of `vo.wav` (3.00s long)"),
    ("    voiceover: {file: vo.wav, to: 5s}\n", 6, "scenes[0].voiceover.to",
     "`to` (5s) is past the end of `vo.wav` (3.00s long)"),
    ("    voiceover: {file: vo.wav, from: 2s, to: 1s}\n", 6, "scenes[0].voiceover.to",
     "`to` (1s) must be after `from` (2s)"),
    ("    sounds: [{file: ping.wav, at: 5s}]\n", 6, "scenes[0].sounds[0].at",
     "the sound starts at 5s, after the scene ends (it is 4s long)"),
    ("    sounds: [{asset: pnig}]\n", 6, "scenes[0].sounds[0].asset",
     "no asset called `pnig` in the library; did you mean `ping`? (`reel assets list` shows them all)"),
    ("    sounds: [{file: ping.wav, volume: -0.5}]\n", 6, "scenes[0].sounds[0].volume", "must be at least 0.0"),
    ("    audio: {lead: 1s}\n", 6, "scenes[0].audio.lead",
     "the lead (1s) would start the scene's sound before the film starts (the scene starts at 0s)"),
])
def test_bad_scene_sound_is_located(media: Path, scene: str, line: int, where: str, message: str) -> None:
    text = HEAD + "scenes:\n  - background: navy\n    duration: 4s\n" + scene
    [issue] = problems(film(media, text))
    assert (issue.line, issue.path, issue.message) == (line, where, message)


# ------------------------------------------------------------------ golden argv


GOLDEN = Path(__file__).parent / "goldens" / "compile" / "sound-design-final.json"


def _designed() -> Timeline:
    """Two music cues (the second from an in-point, looped, not ducked), a voice, a ping."""
    clip, voice, music, ping = (Path(f"/media/{n}") for n in ("walk.mp4", "voice.wav", "music.mp3", "ping.wav"))
    return mf.timeline(
        [(ColorSource("#203040"), 40, Transition("cut", 0)), (ColorSource("#304050"), 40, Transition("cut", 0))],
        audio=(AudioCue("source", clip, 0, 45, Fraction(1), 1.0, fade_in=1, fade_out=1, source_end=Fraction(6)),
               AudioCue("voice", voice, 35, 40, Fraction(1, 2), 0.8, fade_out=1, source_end=Fraction(9, 2)),
               AudioCue("music", music, 0, 40, Fraction(0), 0.3, fade_in=5, fade_out=10, loop=True),
               AudioCue("music", music, 30, 70, Fraction(12), 0.3, fade_in=10, fade_out=10, loop=True,
                        source_end=Fraction(16), duck=False),
               AudioCue("effect", ping, 38, 4, Fraction(0), 0.7)))


def test_sound_design_argv_matches_its_golden() -> None:
    raster = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), ())
    argv = compile_render(_designed(), raster, output=Path("/out/.film.reel-tmp-0000.mp4"),
                          encode=EncodeSettings.final(), gain=None).to_dict()
    if os.environ.get("REEL_UPDATE_GOLDENS") == "1" or not GOLDEN.exists():
        if os.environ.get("REEL_UPDATE_GOLDENS") != "1":
            pytest.fail(f"{GOLDEN} is missing: run with REEL_UPDATE_GOLDENS=1 to create it")
        GOLDEN.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest "
                                      "tests/test_sound_design.py", "argv": argv}, indent=1) + "\n")
    assert argv == json.loads(GOLDEN.read_text())["argv"]


def _filter_complex(timeline: Timeline) -> str:
    graph = Graph()
    mixed = audio.build_mix(timeline, graph)
    assert mixed is not None
    argv = graph.argv([mixed], "out.wav")
    return argv[argv.index("-filter_complex") + 1]


# ------------------------------------------------------------------ render: measured


def render_mix(timeline: Timeline, out: Path) -> np.ndarray:
    """The film's mix (the compiler's graph, before loudness normalisation) as mono float samples."""
    graph = Graph()
    mixed = audio.build_mix(timeline, graph)
    assert mixed is not None
    total = audio.samples(timeline.frames, timeline.canvas.fps)
    mixed = mixed.filter("apad").filter("atrim", end_sample=total)
    mf.ffmpeg(*graph.argv([mixed], out)[:-1], "-ac", "1", "-c:a", "pcm_s16le", str(out))
    with wave.open(str(out)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768


def band(sound: np.ndarray, a: float, b: float, hz: float) -> float:
    """RMS of the `hz` component between seconds `a` and `b`."""
    part = sound[int(a * RATE):int(b * RATE)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part)))) / len(part)
    freqs = np.fft.rfftfreq(len(part), 1 / RATE)
    return float(np.sqrt((spectrum[(freqs > hz - 40) & (freqs < hz + 40)] ** 2).sum()))


def test_music_enters_at_its_time_from_its_in_point_with_its_fades(media: Path, tmp_path: Path) -> None:
    text = HEAD + ("music: {file: music.wav, at: 1s, from: 3s, fade_in: 1s, fade_out: 1s, until: 5s, volume: 1}\n"
                   "scenes:\n  - {background: navy, duration: 6s}\n")
    sound = render_mix(prepare(film(media, text)).timeline, tmp_path / "mix.wav")
    before = band(sound, 0.1, 0.9, MUSIC_HIGH)
    full = band(sound, 2.2, 3.8, MUSIC_HIGH)
    assert before < 0.001 * full, "nothing before `at`"
    assert band(sound, 2.2, 3.8, MUSIC_LOW) < 0.05 * full, "from the in-point (660 Hz), not the file's start"
    rising = [band(sound, 1.0 + k * 0.25, 1.25 + k * 0.25, MUSIC_HIGH) for k in range(4)]
    assert rising == sorted(rising) and rising[0] < 0.5 * full, "fades in over 1 s"
    falling = [band(sound, 4.0 + k * 0.25, 4.25 + k * 0.25, MUSIC_HIGH) for k in range(4)]
    assert falling == sorted(falling, reverse=True) and falling[-1] < 0.5 * full, "fades out before `until`"
    assert band(sound, 5.1, 5.9, MUSIC_HIGH) < 0.001 * full, "silent after `until`"


def test_an_effect_lands_at_its_time(media: Path, tmp_path: Path) -> None:
    text = HEAD + "sounds: [{file: ping.wav, at: 1.5s}]\nscenes:\n  - {background: navy, duration: 3s}\n"
    sound = render_mix(prepare(film(media, text)).timeline, tmp_path / "mix.wav")
    envelope = np.abs(sound)
    onset = int(np.argmax(envelope > 0.5 * envelope.max())) / RATE
    assert 1.5 <= onset < 1.5 + 1 / FPS
    assert band(sound, 1.55, 1.75, PING) > 100 * band(sound, 0.5, 1.4, PING)


@pytest.mark.parametrize("speech", ["film voiceover", "scene voiceover", "footage sound"])
def test_music_is_lower_while_any_speech_plays(media: Path, tmp_path: Path, speech: str) -> None:
    scene = {"film voiceover": "  - {background: navy, duration: 6s}\n",
             "scene voiceover": "  - {background: navy, duration: 6s, voiceover: vo.wav}\n",
             "footage sound": "  - background: {video: a.mp4, hold: last-frame}\n    duration: 6s\n"}[speech]
    extra = "voiceover: vo.wav\n" if speech == "film voiceover" else ""
    text = HEAD + extra + "music: {file: music.wav, from: 3s, fade_in: 0s}\n" + "scenes:\n" + scene
    prepared = prepare(film(media, text))
    assert prepared.timeline.mix.duck_music
    sound = render_mix(prepared.timeline, tmp_path / "mix.wav")
    under = band(sound, 1.0, 2.5, MUSIC_HIGH)  # speech plays 0–3 s
    alone = band(sound, 4.0, 5.5, MUSIC_HIGH)  # music alone after it
    assert under < 0.5 * alone, f"ducked by {20 * np.log10(under / alone):.1f} dB only"
    # an effect does not duck the music
    text = HEAD + "music: {file: music.wav, from: 3s, fade_in: 0s}\nsounds: [{file: ping.wav, at: 1s}]\n" \
        "scenes:\n  - {background: navy, duration: 6s}\n"
    sound = render_mix(prepare(film(media, text, "fx.yaml")).timeline, tmp_path / "fx.wav")
    assert band(sound, 1.0, 1.3, MUSIC_HIGH) > 0.9 * band(sound, 4.0, 4.3, MUSIC_HIGH)


def test_j_and_l_cut_sound_overlaps_the_neighbouring_picture(media: Path, tmp_path: Path) -> None:
    text = HEAD + ("scenes:\n  - background: a.mp4\n    audio: {tail: 0.5s}\n"
                   "  - background: b.mp4\n    audio: {lead: 0.5s}\n  - {background: navy, duration: 2s}\n")
    prepared = prepare(film(media, text))
    cut = prepared.timeline.segments[1].start / FPS  # 2.5 s: scene 1's picture ends, scene 2's begins
    sound = render_mix(prepared.timeline, tmp_path / "mix.wav")
    # under the end of scene 1's picture, scene 2's sound has begun (J); under the start of scene 2's
    # picture, scene 1's sound carries on (L)
    assert band(sound, cut - 0.4, cut - 0.05, CLIP_B) > 0.5 * band(sound, cut + 0.6, cut + 1.5, CLIP_B)
    assert band(sound, cut + 0.05, cut + 0.4, CLIP_A) > 0.5 * band(sound, 1.0, 2.0, CLIP_A)
    assert band(sound, cut - 1.5, cut - 0.6, CLIP_B) < 0.01 * band(sound, cut + 0.6, cut + 1.5, CLIP_B)
    assert band(sound, cut + 0.6, cut + 1.5, CLIP_A) < 0.01 * band(sound, 1.0, 2.0, CLIP_A)


def test_storyboards_keep_a_single_music_cue_unchanged(repo_root: Path) -> None:
    # the example with `music: {file, volume, duck}` plans the same one looped, ducked bed
    prepared = prepare(repo_root / "storyboards" / "psychosis-three-things.yaml")
    [music] = cues(prepared, "music")
    assert (music.start, music.length, music.loop, music.source_start, music.duck) == (
        0, prepared.timeline.frames, True, 0, True)
    assert prepared.timeline.mix == AudioMix(duck_music=True, target_lufs=-14.0, true_peak=-1.0)


def test_reel_plan_lists_music_cues_and_effects(media: Path, runner) -> None:
    from toolkit.cli import cli

    text = HEAD + ("music:\n  - {file: music.wav, until: 2s}\n  - {file: music.wav, at: 2s, from: 3.5s}\n"
                   "sounds: [{file: ping.wav, at: 1s}]\nscenes:\n  - {background: navy, duration: 4s}\n")
    result = runner.invoke(cli, ["plan", str(film(media, text))])
    assert result.exit_code == 0, result.output
    assert "  music music.wav from frame 0 (0.00s) for 60f\n" in result.output
    assert "  music music.wav from frame 60 (2.00s) for 300f, from 3.5s of the file\n" in result.output
    assert "  effect ping.wav from frame 30 (1.00s) for 9f\n" in result.output


def test_a_designed_film_renders_end_to_end(media: Path, tmp_path: Path, monkeypatch) -> None:
    """Two music cues, a library whoosh, a trimmed scene voiceover and a J/L cut through the real
    render (draft, loudness pass, checks): the whoosh is heard at its time in the decoded film."""
    import av

    from toolkit.film.render import render_film

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    text = HEAD + ("music:\n  - {file: music.wav, until: 3s, fade_out: 0.5s}\n"
                   "  - {file: music.wav, at: 3s, from: 3s, duck: no}\n"
                   "sounds:\n  - {file: ping.wav, at: 4s}\n"
                   "scenes:\n  - background: a.mp4\n    audio: {tail: 0.5s}\n"
                   "  - background: b.mp4\n    audio: {lead: 0.5s}\n"
                   "    voiceover: {file: vo.wav, from: 0.5s, to: 2s, volume: 0.8}\n")
    prepared = prepare(film(media, text, "designed.yaml"))
    result = render_film(prepared, tmp_path / "designed.mp4", draft=True)
    with av.open(str(result.output)) as container:
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    assert len(sound) == pytest.approx(prepared.timeline.frames / FPS * RATE, abs=RATE // FPS)
    assert band(sound, 4.02, 4.25, PING) > 20 * band(sound, 3.5, 3.95, PING), "the ping lands at 4 s"


def test_a_lead_moves_the_scene_voiceover_too_and_is_checked_against_the_warning(media: Path) -> None:
    text = HEAD + ("topics: [self-harm]\nscenes:\n  - background: navy\n    duration: 3s\n"
                   "    voiceover: vo.wav\n    audio: {lead: 0.5s}\n")
    prepared = prepare(film(media, text))
    warning, scene = prepared.timeline.segments[:2]
    [voice] = cues(prepared, "voice")
    assert voice.start == scene.start - 15 < warning.end
    [note] = [w for w in prepared.warnings if w.code == "narration-under-warning"]
    assert (note.severity, note.line, note.path) == ("warning", 8, "scenes[0].audio.lead")
    assert note.message.startswith("the lead starts this scene's sound under the content-warning slate")


def test_a_j_or_l_cut_on_looped_footage_is_an_error(media: Path) -> None:
    text = HEAD + ("scenes:\n  - {background: navy, duration: 2s}\n"
                   "  - background: {video: a.mp4, to: 1s, hold: loop}\n    duration: 3s\n    audio: {lead: 0.5s}\n")
    [issue] = problems(film(media, text))
    assert (issue.line, issue.path) == (7, "scenes[1].audio.lead")
    assert issue.message == ("a J or L cut (`lead`/`tail`) needs footage that plays once, forwards: not with "
                             "`hold: loop` or `reverse`")


def test_a_cue_with_duck_no_keeps_its_level_under_speech(media: Path, tmp_path: Path) -> None:
    text = HEAD + "voiceover: vo.wav\nmusic: {file: music.wav, from: 3s, fade_in: 0s, duck: no}\n" \
        "scenes:\n  - {background: navy, duration: 6s}\n"
    sound = render_mix(prepare(film(media, text)).timeline, tmp_path / "mix.wav")
    assert band(sound, 1.0, 2.5, MUSIC_HIGH) == pytest.approx(band(sound, 4.0, 5.5, MUSIC_HIGH), rel=0.05)


def test_sound_effects_and_music_cues_are_bounded(media: Path) -> None:
    many = "".join(f"  - {{file: ping.wav, at: {i % 40 / 10}s}}\n" for i in range(101))
    [issue] = problems(film(media, HEAD + "sounds:\n" + many + "scenes:\n  - {background: navy, duration: 4s}\n"))
    assert (issue.line, issue.path) == (104, "sounds[100]")
    assert issue.message == ("a film may have at most 100 sound effects (each is one more file the render opens); "
                             "this list has 101")
    cues_ = "".join(f"  - {{file: music.wav, at: {i / 10}s}}\n" for i in range(21))
    [issue] = problems(film(media, HEAD + "music:\n" + cues_ + "scenes:\n  - {background: navy, duration: 4s}\n"))
    assert (issue.line, issue.path) == (24, "music[20]")
    assert issue.message == "a film may have at most 20 music cues (each is one more file the render opens); this " \
                            "list has 21"
    film_sounds = "".join(f"  - {{file: ping.wav, at: {i / 20}s}}\n" for i in range(60))
    scene_sounds = "".join(f"      - {{file: ping.wav, at: {i / 20}s}}\n" for i in range(41))
    text = HEAD + "sounds:\n" + film_sounds + "scenes:\n  - background: navy\n    duration: 4s\n    sounds:\n" \
        + scene_sounds
    [issue] = problems(film(media, text))
    assert (issue.line, issue.path) == (108, "scenes[0].sounds[40]")
    assert issue.message.endswith("this is the 101st")


def test_j_and_l_cuts_at_another_speed_stay_inside_the_trim(media: Path) -> None:
    text = HEAD + ("scenes:\n  - {background: navy, duration: 2s}\n  - background: {video: a.mp4, speed: 2}\n"
                   "    audio: {tempo: true, lead: 0.25s, tail: 0.25s}\n  - {background: navy, duration: 2s}\n")
    prepared = prepare(film(media, text))
    scene = prepared.timeline.segments[1]
    [sound] = cues(prepared, "source")
    # 3 s of footage at 2x is 45 frames: 8 heard before the picture, 29 seen, 8 heard after
    assert (scene.length, scene.source.start) == (29, Fraction(8, 15))
    assert (sound.start, sound.length, sound.source_start, sound.speed) == (scene.start - 8, 45, 0, 2)

"""Golden argv for small hand-built Timelines, determinism, and compile-time guarantees.

No ffmpeg runs here. Goldens live in tests/goldens/compile/<case>.json. After an intended change
to the compiler, regenerate them and review the diff:

    REEL_UPDATE_GOLDENS=1 python -m pytest tests/test_compile_golden.py
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest

from toolkit.film.compile.graph import compile_loudness_pass, compile_render
from toolkit.film.compile.loudness import AudioGain, LoudnessMeasurement
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.plan.timeline import (
    AudioCue,
    AudioMix,
    Box,
    ColorSource,
    GradientSource,
    ImageSource,
    Overlay,
    Transition,
    VideoSource,
)
from toolkit.film.run.runner import parse_ebur128

GOLDENS = Path(__file__).parent / "goldens" / "compile"
UPDATE = os.environ.get("REEL_UPDATE_GOLDENS") == "1"
RASTER = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), ())
OUT = Path("/out/.film.reel-tmp-0000.mp4")
CLIP = Path("/media/walk.mp4")
PHOTO = Path("/media/photo.jpg")
VOICE = Path("/media/voice.wav")
MUSIC = Path("/media/music.mp3")


def _slates():
    return mf.timeline([(ColorSource("#cc3333"), 30, Transition("cut", 0)),
                        (ColorSource("#3333cc"), 30, Transition("cut", 0))])


def _mixed():
    return mf.timeline(
        [(VideoSource(CLIP, Fraction(3, 2), "cover", 1920, 1080, True), 40, Transition("cut", 0)),
         (ImageSource(PHOTO, "contain", "zoom-in", 3000, 4000), 30, Transition("fade", 5)),
         (ColorSource("#222222"), 20, Transition("slide-left", 4))],
        end_transition=Transition("dip-to-black", 6),
        audio=(AudioCue("source", CLIP, 0, 40, Fraction(3, 2), 0.8, fade_out=5),
               AudioCue("voice", VOICE, 10, 60, Fraction(0), 1.0),
               AudioCue("music", MUSIC, 0, 105, Fraction(0), 0.3, fade_in=10, fade_out=10, loop=True)),
        metadata=(("title", "test film"), ("reel_region", "GB"), ("reel_reviewed_exception", "a"),
                  ("reel_reviewed_exception", "b")))


def _blur_fill():
    return mf.timeline(
        [(VideoSource(CLIP, Fraction(0), "blur-fill", 1921, 1081, False), 30, Transition("cut", 0)),
         (GradientSource(("#000000", "#ffffff"), "diagonal"), 20, Transition("slide-up", 5)),
         (ImageSource(PHOTO, "blur-fill", "pan-left", 4000, 3000), 25, Transition("cut", 0))],
        mix=AudioMix(duck_music=False))


def _holds():
    """Trimmed footage: a held last frame, a loop fading out, and their sound (the trims end both)."""
    held = VideoSource(CLIP, Fraction(1), "cover", 1920, 1080, True, end=Fraction(3, 2), hold="last-frame")
    looped = VideoSource(CLIP, Fraction(2), "contain", 1920, 1080, True, end=Fraction(5, 2), hold="loop")
    return mf.timeline(
        [(held, 40, Transition("cut", 0)), (looped, 35, Transition("fade", 5)),
         (ColorSource("#222222"), 20, Transition("cut", 0))],
        audio=(AudioCue("source", CLIP, 0, 40, Fraction(1), 1.0, source_end=Fraction(3, 2)),
               AudioCue("source", CLIP, 40, 35, Fraction(2), 1.0, loop=True, source_end=Fraction(5, 2))))


def _disguised():
    """A disguised voiceover over footage whose own sound is left as it is: only the voice's chain changes."""
    return mf.timeline(
        [(VideoSource(CLIP, Fraction(0), "cover", 1920, 1080, True), 30, Transition("cut", 0)),
         (ColorSource("#222222"), 20, Transition("fade", 5))],
        audio=(AudioCue("source", CLIP, 0, 30, Fraction(0), 0.5, fade_out=5),
               AudioCue("voice", VOICE, 5, 40, Fraction(1, 2), 1.0, source_end=Fraction(5), disguise=True)))


def _encoder(timeline, **options) -> list[str]:
    """The render's encoder command (the whole render for films that fit in one chunk)."""
    options = {"encode": EncodeSettings.final(), "gain": None} | options
    return list(compile_render(timeline, RASTER, output=OUT, **options).encoder)


CASES = {
    "slates-silent-final": lambda: compile_render(_slates(), RASTER, output=OUT, encode=EncodeSettings.final(),
                                                  gain=None).to_dict(),
    "mixed-final-limited": lambda: compile_render(_mixed(), RASTER, output=OUT, encode=EncodeSettings.final(2),
                                                  gain=AudioGain(7.25, -1.5)).to_dict(),
    "mixed-loudness-pass": lambda: compile_loudness_pass(_mixed()),
    "blur-fill-draft": lambda: compile_render(_blur_fill(), RASTER, output=OUT, encode=EncodeSettings.draft(),
                                              gain=None).to_dict(),
    "holds-chunked-draft": lambda: compile_render(_holds(), RASTER, output=OUT, encode=EncodeSettings.draft(),
                                                  gain=None, max_segments=2).to_dict(),
    "disguised-voice-final": lambda: compile_render(_disguised(), RASTER, output=OUT,
                                                    encode=EncodeSettings.final(), gain=None).to_dict(),
    "mixed-chunked-draft": lambda: compile_render(_mixed(), RASTER, output=OUT, encode=EncodeSettings.draft(),
                                                  gain=None, max_segments=2).to_dict(),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_argv_matches_golden(case: str) -> None:
    argv = CASES[case]()
    path = GOLDENS / f"{case}.json"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} is missing: run with REEL_UPDATE_GOLDENS=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest "
                                    "tests/test_compile_golden.py", "argv": argv}, indent=1) + "\n")
    assert argv == json.loads(path.read_text())["argv"]


def test_compiling_twice_gives_identical_argv() -> None:
    for build in CASES.values():
        assert build() == build()


def test_argv_does_not_depend_on_python_hash_seed() -> None:
    # ffmpeg-python hashes stream labels with Python's (per-process randomised) str hash.
    script = ("import json,sys; sys.path.insert(0, 'tests'); import test_compile_golden as t; "
              "print(json.dumps({k: v() for k, v in sorted(t.CASES.items())}))")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                              cwd=Path(__file__).parent.parent, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_caption_text_never_reaches_the_command() -> None:
    nasty = "it's [ok]: really; 100% fine, \\ no\nmore 😀"
    caption = Overlay("cap", "caption", 0, 10, (mf.text_block(nasty, Box(30, 200, 150, 24)),))
    timeline = mf.timeline([(ColorSource("#000000"), 20, Transition("cut", 0))], overlays=(caption,))
    for chunk in (4, 2):
        commands = compile_render(timeline, RASTER, output=OUT, encode=EncodeSettings.final(), gain=None,
                                  max_segments=chunk)
        argv = [a for command in (*commands.producers, commands.encoder) for a in command]
        assert not any("really" in arg or "😀" in arg for arg in argv)


def test_identical_segments_get_their_own_inputs() -> None:
    # ffmpeg-python merges equal nodes; a merged input would be consumed twice (or buffered).
    timeline = mf.timeline([(ColorSource("#123456"), 10, Transition("cut", 0)),
                            (ColorSource("#123456"), 10, Transition("cut", 0))])
    argv = _encoder(timeline)
    sources = [argv[i + 1] for i, a in enumerate(argv) if a == "-i" and argv[i + 1].startswith("color=c=0x123456")]
    assert len(sources) == 2


def test_only_the_overlapping_frames_go_through_xfade() -> None:
    graph = _filter_complex(_encoder(_mixed()))
    # fade of 5 frames, slide of 4, dip to black of 6 (at 10 fps); each blends just its overlap
    assert "xfade=duration=0.5:offset=0:transition=fade" in graph
    assert "xfade=duration=0.4:offset=0:transition=slideleft" in graph
    assert "xfade=duration=0.6:offset=0:transition=fadeblack" in graph
    # the clip's 40 frames: 35 shown alone, then its last 5 blended with the picture's first 5
    assert "trim=end_frame=35" in graph and "trim=end_frame=40:start_frame=35" in graph
    assert "concat=a=0:n=7:v=1" in graph  # 4 bodies and 3 transitions


def test_a_long_film_renders_in_chunks_piped_into_one_encoder() -> None:
    timeline = _mixed()
    commands = compile_render(timeline, RASTER, output=OUT, encode=EncodeSettings.final(), gain=None,
                              max_segments=2)
    assert len(commands.producers) == 3
    frames = [int(dict(itertools.pairwise(p))["-frames:v"]) for p in commands.producers]
    assert sum(frames) == timeline.frames
    for producer in commands.producers:
        assert producer[-1] == "pipe:1" and "-progress" not in producer
        opened = [producer[i + 1] for i, a in enumerate(producer) if a == "-i"]
        assert len(opened) <= 2
    encoder = " ".join(commands.encoder)
    assert "-f rawvideo -video_size 216x384 -framerate 10 -pix_fmt yuv420p -i pipe:0" in encoder
    assert f"-frames:v {timeline.frames} " in encoder
    assert commands.shell().startswith("{ ffmpeg ") and " ; } | ffmpeg " in commands.shell()


def test_output_meets_the_house_spec() -> None:
    timeline = _mixed()
    argv = _encoder(timeline)
    pairs = dict(itertools.pairwise(argv))
    assert pairs["-c:v"] == "libx264" and pairs["-profile:v"] == "high" and pairs["-pix_fmt"] == "yuv420p"
    assert pairs["-frames:v"] == str(timeline.frames) and pairs["-fps_mode"] == "cfr" and pairs["-r"] == "10"
    assert pairs["-g"] == "20" and pairs["-sc_threshold"] == "0"
    assert pairs["-c:a"] == "aac" and pairs["-ar"] == "48000" and pairs["-ac"] == "2" and pairs["-b:a"] == "192k"
    assert "+faststart" in pairs["-movflags"] and pairs["-map_metadata"] == "-1"
    for tag in ("-color_primaries", "-color_trc", "-colorspace"):
        assert pairs[tag] == "bt709"
    assert argv[-1] == str(OUT)


def test_repeated_metadata_keys_are_all_kept() -> None:
    argv = _encoder(_mixed())
    metadata = [argv[i + 1] for i, a in enumerate(argv) if a == "-metadata"]
    assert metadata == ["title=test film", "reel_region=GB", "reel_reviewed_exception=a",
                        "reel_reviewed_exception_2=b"]


def test_music_is_ducked_by_the_speech_bus_only_when_asked() -> None:
    ducked = _filter_complex(_encoder(_mixed()))
    assert "sidechaincompress" in ducked and "amix" in ducked
    plain = mf.timeline([(ColorSource("#000000"), 20, Transition("cut", 0))], mix=AudioMix(duck_music=False),
                        audio=(AudioCue("voice", VOICE, 0, 20, Fraction(0), 1.0),
                               AudioCue("music", MUSIC, 0, 40, Fraction(0), 0.3, loop=True)))
    assert "sidechaincompress" not in _filter_complex(_encoder(plain))


def test_a_film_without_audio_has_no_loudness_pass_and_a_silent_track() -> None:
    assert compile_loudness_pass(_slates()) is None
    graph = _filter_complex(_encoder(_slates()))
    # 80 frames at 10 fps: 8 s of silence at 48 kHz, less what the AAC encoder primes it with
    assert "atrim=end_sample=382976" in graph
    argv = _encoder(_slates())
    assert any(a.startswith("anullsrc=") for a in argv)


def test_gain_needs_a_limiter_only_when_the_peak_would_exceed_the_ceiling() -> None:
    mix = AudioMix(target_lufs=-14.0, true_peak=-1.0)
    quiet_speech = LoudnessMeasurement(integrated=-30.0, true_peak=-8.0, lra=6.0, threshold=-40.0)
    assert AudioGain.for_target(quiet_speech, mix) == AudioGain(16.0, -2.5)
    gentle = LoudnessMeasurement(integrated=-20.0, true_peak=-12.0, lra=3.0, threshold=-30.0)
    assert AudioGain.for_target(gentle, mix) == AudioGain(6.0, None)
    silence = LoudnessMeasurement(integrated=-70.0, true_peak=float("-inf"), lra=0.0, threshold=-80.0)
    assert AudioGain.for_target(silence, mix) == AudioGain(0.0, None)


def test_a_mix_too_quiet_for_the_largest_gain_says_how_far_short_it_lands() -> None:
    mix = AudioMix(target_lufs=-14.0, true_peak=-1.0)
    whisper = LoudnessMeasurement(integrated=-50.0, true_peak=-40.0, lra=3.0, threshold=-60.0)
    assert AudioGain.for_target(whisper, mix) == AudioGain(30.0, None, short_db=6.0)
    after = LoudnessMeasurement(integrated=-21.0, true_peak=-1.5, lra=3.0, threshold=-31.0)
    assert AudioGain(28.0, -1.5).corrected(after, mix) == AudioGain(30.0, -1.5, short_db=5.0)


def test_the_ebur128_summary_is_read_from_the_log() -> None:
    log = ("[Parsed_ebur128_5 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -28.2 LUFS\n"
           "    Threshold: -38.2 LUFS\n\n  Loudness range:\n    LRA:         6.0 LU\n    Threshold: -50.1 LUFS\n"
           "    LRA low:   -32.7 LUFS\n    LRA high:  -26.8 LUFS\n\n  True peak:\n    Peak:       -inf dBFS\n")
    measured = parse_ebur128(log)
    assert (measured.integrated, measured.threshold, measured.lra) == (-28.2, -38.2, 6.0)
    assert measured.true_peak == float("-inf")


def _filter_complex(argv: list[str]) -> str:
    return argv[argv.index("-filter_complex") + 1]

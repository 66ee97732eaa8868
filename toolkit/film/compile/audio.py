"""The audio graph: cues placed on the film's timeline, music ducked under speech, one stereo mix.

Every cue is resampled to 48 kHz stereo, cut to exactly its length in samples (padded with
silence if the file is short, looped first if it is a music bed), faded, set to its volume and
delayed to its start; a voice or footage sound that asks for it is disguised first
(`compile.disguise`). Voice and source sound form the speech bus, music the music bus, sound
effects their own; when the mix asks for ducking, the music cues that duck go through a real
`sidechaincompress` keyed by the speech bus (effects never key it and are never ducked).
`amix normalize=0` sums without the level changes amix makes by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from toolkit.film.compile.disguise import disguise
from toolkit.film.compile.loudness import LIMITER_OVERSAMPLE, AudioGain
from toolkit.film.compile.nodes import Graph, Stream, lavfi, seconds
from toolkit.film.plan.timeline import AudioCue, AudioRole, Timeline

SAMPLE_RATE = 48000
AAC_PRIMING = 1024  # samples FFmpeg's AAC encoder puts before the first real one (its delay)

# Roles that form the speech bus (the ducking key) and the music bus. Effects are their own bus:
# they neither duck the music (a ping is no speech) nor are ducked (it must be heard over a voice).
SPEECH_ROLES: tuple[AudioRole, ...] = ("voice", "source")
MUSIC_ROLES: tuple[AudioRole, ...] = ("music",)
EFFECT_ROLES: tuple[AudioRole, ...] = ("effect",)

# Ducking key: the speech bus levelled by dynaudnorm (peaks to −6 dBFS within ~0.5 s, at most
# +26 dB, nothing below −50 dBFS raised), so the music ducks by the same depth whether the voice
# was recorded loud or quiet. Only the key is levelled; the speech itself is untouched.
KEY_LEVELLER = {"f": 100, "g": 5, "p": 0.5, "m": 20, "t": 0.003}
# RMS of the key above −34 dBFS pulls the music down at 4:1: levelled speech ducks it by about
# 10–14 dB; 20 ms in, 350 ms out, so it breathes between phrases without pumping on syllables.
DUCKING = {"threshold": 0.02, "ratio": 4, "attack": 20, "release": 350, "knee": 2.8}

_MARGIN_SECONDS = Fraction(1, 2)


def samples(frames: int, fps: Fraction) -> int:
    """Frames on the film's timeline → a whole number of samples at 48 kHz."""
    return round(Fraction(frames) * SAMPLE_RATE / Fraction(fps))


def build_mix(timeline: Timeline, graph: Graph) -> Stream | None:
    """The film's mixed audio before loudness normalisation, or None when it has no cues."""
    if not timeline.audio:
        return None
    fps = timeline.canvas.fps
    cues = timeline.audio
    speech = _sum([_place(c, fps, graph) for c in cues if c.role in SPEECH_ROLES], graph)
    ducks = timeline.mix.duck_music and speech is not None
    music = _sum([_place(c, fps, graph) for c in cues if c.role in MUSIC_ROLES and (c.duck or not ducks)], graph)
    free = _sum([_place(c, fps, graph) for c in cues if c.role in MUSIC_ROLES and not c.duck and ducks], graph)
    effects = _sum([_place(c, fps, graph) for c in cues if c.role in EFFECT_ROLES], graph)
    if speech is not None and music is not None and ducks:
        key, speech = graph.split(speech, 2, audio=True)
        # apad: sidechaincompress stops when its key ends, which would cut the music at the
        # end of the last speech cue.
        key = key.filter("dynaudnorm", **KEY_LEVELLER).filter("apad")
        music = graph.filter([music, key], "sidechaincompress", **DUCKING)
    return _sum([s for s in (speech, music, free, effects) if s is not None], graph)


def finish(mix: Stream | None, timeline: Timeline, gain: AudioGain | None, graph: Graph) -> Stream:
    """Normalised, 48 kHz stereo audio for the encoder (silence when there is no mix).

    The film's MP4 has no edit list (house spec), so nothing tells a player to skip the AAC
    encoder's `AAC_PRIMING` samples: every decoder plays them first. The mix therefore starts
    that many samples in (the first 21 ms, under the opening slate) and the decoded sound lines
    up with the picture, exactly as long as the film.
    """
    total = samples(timeline.frames, timeline.canvas.fps)
    if mix is None:
        silent = graph.source(lavfi("anullsrc", r=SAMPLE_RATE, cl="stereo"))
        return silent.filter("atrim", end_sample=total - AAC_PRIMING)
    if gain is not None:
        mix = apply_gain(mix, gain)
    mix = mix.filter("aresample", SAMPLE_RATE).filter("aformat", **_FORMAT)
    return (mix.filter("apad").filter("atrim", start_sample=AAC_PRIMING, end_sample=total)
            .filter("asetpts", "PTS-STARTPTS"))


def measure(mix: Stream, timeline: Timeline) -> Stream:
    """The mix as pass 1 measures it: padded to the film's length, then through the ebur128 meter.

    The meter prints its summary (integrated loudness, range, true peak) when the pass ends.
    """
    total = samples(timeline.frames, timeline.canvas.fps)
    mix = mix.filter("apad").filter("atrim", end_sample=total)
    return mix.filter("ebur128", peak="true", framelog="quiet")


def apply_gain(mix: Stream, gain: AudioGain) -> Stream:
    """Linear gain, plus an oversampled limiter when the gain alone would exceed the ceiling."""
    mix = mix.filter("volume", volume=f"{gain.gain_db:.2f}dB")
    if gain.limit_db is None:
        return mix
    ceiling = 10 ** (gain.limit_db / 20)
    # alimiter is a sample-peak limiter; at 4× the rate its sample peaks are the true peaks.
    return (mix.filter("aresample", SAMPLE_RATE * LIMITER_OVERSAMPLE)
            .filter("alimiter", limit=f"{ceiling:.4f}", attack=5, release=50, level=0)
            .filter("aresample", SAMPLE_RATE))


_FORMAT = {"sample_fmts": "fltp", "sample_rates": SAMPLE_RATE, "channel_layouts": "stereo"}


def _place(cue: AudioCue, fps: Fraction, graph: Graph) -> Stream:
    """One cue as a stream that is silent until its start and exactly long enough after it."""
    length = samples(cue.length, fps)
    options: dict[str, object] = {"ss": seconds(cue.source_start)}
    span = None if cue.source_end is None else max(cue.source_end - cue.source_start, Fraction(0))
    played = Fraction(cue.length) / fps * cue.speed  # seconds of the file the cue plays
    if cue.loop and span is None:
        options["stream_loop"] = -1
    elif span is not None and (cue.loop or span < played + _MARGIN_SECONDS):
        # A trimmed cue never plays past its trim's end.
        options["t"] = seconds(span)
    else:
        options["t"] = seconds(played + _MARGIN_SECONDS)
    stream = graph.input(cue.path, **options)["a"]
    stream = stream.filter("aresample", SAMPLE_RATE).filter("aformat", **_FORMAT)
    for factor in tempo_factors(cue.speed):
        stream = stream.filter("atempo", factor)
    if cue.disguise:
        # before the loop, trim and fades: the same length comes out, in sync, and the fades stay clean
        stream = disguise(stream, SAMPLE_RATE).filter("aformat", **_FORMAT)
    if cue.loop and span is not None:
        # The trimmed span, exactly, played round and round (a few seconds of samples in memory).
        size = max(1, round(span / cue.speed * SAMPLE_RATE))
        stream = stream.filter("apad").filter("atrim", end_sample=size)
        stream = stream.filter("aloop", loop=-(-length // size) - 1, size=size)
    # A file shorter than its cue ends in silence; end_sample counts samples, so the cut is exact.
    stream = stream.filter("apad").filter("atrim", end_sample=length)
    fade_in, fade_out = samples(cue.fade_in, fps), samples(cue.fade_out, fps)
    if fade_in:
        stream = stream.filter("afade", type="in", start_sample=0, nb_samples=fade_in)
    if fade_out:
        stream = stream.filter("afade", type="out", start_sample=max(length - fade_out, 0),
                               nb_samples=fade_out)
    if cue.volume != 1:
        stream = stream.filter("volume", volume=f"{cue.volume:.4f}")
    start = samples(cue.start, fps)
    if start:
        stream = stream.filter("adelay", delays=f"{start}S", all=1)
    return stream


def tempo_factors(speed: Fraction) -> list[str]:
    """`atempo` factors whose product is `speed` (none at 1): each at least 0.5, the lowest
    `atempo` keeps pitch well at, so 0.25 is 0.5 × 0.5."""
    factors: list[str] = []
    speed = Fraction(speed)
    while speed < Fraction(1, 2):
        factors.append("0.5")
        speed *= 2
    if speed != 1:
        factors.append(f"{float(speed):.9g}")
    return factors


def _sum(streams: Sequence[Stream], graph: Graph) -> Stream | None:
    if not streams:
        return None
    if len(streams) == 1:
        return streams[0]
    return graph.filter(list(streams), "amix", inputs=len(streams), normalize=0, duration="longest",
                        dropout_transition=0)


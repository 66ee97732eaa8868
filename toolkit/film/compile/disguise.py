"""Voice disguise (`anonymise: {voice: disguise}`): the voice changed inside the filtergraph.

Three steps, each a stock ffmpeg filter (no per-sample Python):

1. `asetrate` + `aresample` play the sound `FORMANT` times faster and back at 48 kHz: pitch AND
   formants (the vocal tract's resonances, most of what makes a voice someone's) rise by `FORMANT`,
   and the speech is `FORMANT` times shorter.
2. `rubberband` stretches the tempo back (×1/`FORMANT`) and moves the pitch by `PITCH`/`FORMANT`
   with `formant=preserved`: the resonances stay where step 1 put them, so formants end up moved by
   `FORMANT` and pitch by `PITCH`, independently, and in opposite directions. Shifting the pitch back
   by 1/`PITCH` returns the pitch but leaves the resonances moved (and shifting with formants too
   moves them further away, by `FORMANT`/`PITCH`).
3. `afftfilt` smears the spectrum: each bin's magnitude is averaged with its `SMEAR_BINS`
   neighbours either side (±94 Hz), and its phase is jittered by up to `PHASE_JITTER`
   radians (a fixed hash of bin and time, so renders stay byte-identical). The fine harmonic structure
   and its small cycle-to-cycle irregularities, which no pitch shift restores, are blurred.

The numbers were chosen by measurement (bench/voice_disguise.py, README "Voice disguise"): the
disguised voice, and the same voice pitch-shifted back, stay further from the original than a
different synthetic speaker, while the speech recogniser still places every word.

The disguise runs on one channel at `WORK_RATE` (a voice is mono and lives below 12 kHz; the stereo
48 kHz mix is made from it again after), which halves the smear's cost: about 0.08–0.25 s of processing
per second of disguised sound on a 2-core machine (bench/voice_disguise.py). The smear's delay (its
window less one hop) is taken out again; rubberband's own is about 5 ms (a sixth of a frame at 30 fps),
so the disguised sound stays in sync with the picture and the captions.
"""

from __future__ import annotations

from toolkit.film.compile.nodes import Stream

FORMANT = 1.18  # formants (and, before step 2, pitch) raised by this factor: +18 %
PITCH = 0.85  # pitch lowered to this factor: about −2.8 semitones
SMEAR_BINS = 2  # magnitude averaged over 2·2 + 1 bins of 46.9 Hz
PHASE_JITTER = 0.8  # radians, at most, either way
WORK_RATE = 24000  # Hz: the disguise's own sample rate (speech up to 12 kHz)
WINDOW = 512  # FFT size of the smear, samples (21.3 ms at WORK_RATE; bins of 46.9 Hz)
_OVERLAP = 0.75  # afftfilt's default; its output is delayed by WINDOW·OVERLAP samples
DELAY = round(WINDOW * _OVERLAP)


def _smear() -> tuple[str, str]:
    """afftfilt's real and imaginary expressions: neighbour-averaged magnitude, jittered phase."""
    def mag(i: int) -> str:
        return "hypot(re,im)" if i == 0 else f"hypot(real(b{i:+d},ch),imag(b{i:+d},ch))"
    scale = ("(" + "+".join(mag(i) for i in range(-SMEAR_BINS, SMEAR_BINS + 1))
             + f")/{2 * SMEAR_BINS + 1}/(hypot(re,im)+1e-9)")
    # a fixed pseudo-random number in [-1, 1) per bin and frame: the fractional part of a large sine
    jitter = f"{PHASE_JITTER}*(2*mod(abs(sin(b*12.9898+pts*78.233))*43758.5453,1)-1)"
    head = f"st(0,{scale});st(1,{jitter});ld(0)*"
    return (head + "(re*cos(ld(1))-im*sin(ld(1)))", head + "(re*sin(ld(1))+im*cos(ld(1)))")


def disguise(stream: Stream, sample_rate: int) -> Stream:
    """`stream` (any layout, at `sample_rate`) with its voice disguised, mono, same rate and length."""
    stream = stream.filter("aformat", channel_layouts="mono").filter("aresample", WORK_RATE)
    stream = stream.filter("asetrate", round(WORK_RATE * FORMANT)).filter("aresample", WORK_RATE)
    stream = stream.filter("rubberband", tempo=f"{1 / FORMANT:.6f}", pitch=f"{PITCH / FORMANT:.6f}",
                           formant="preserved")
    real, imag = _smear()
    # padded by the delay first and trimmed by it after: the last samples come out, the first are on time
    stream = stream.filter("apad", pad_len=DELAY)
    stream = stream.filter("afftfilt", real=real, imag=imag, win_size=WINDOW)
    stream = stream.filter("atrim", start_sample=DELAY).filter("asetpts", "PTS-STARTPTS")
    return stream.filter("aresample", sample_rate)

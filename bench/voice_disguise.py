"""Voice disguise (`anonymise: {voice: disguise}`, issue 16 §2): how far it moves a voice, whether
shifting the pitch back undoes it, whether the words survive, and what it costs.

Speakers are espeak-ng voices saying the same script (tests/speech_factory.py joins the sentences
with known pauses, so every sentence onset is exact). Each is disguised through Reel's own compiled
mix (a storyboard with a disguised voiceover, `prepare`, `compile.audio.build_mix`), then attacked:

- `back, formants kept`: rubberband pitch ×1/PITCH, formant=preserved (the pitch is restored);
- `back, formants moved`: rubberband pitch ×1/PITCH, formants moved with it;
- `inverse chain`: the disguise's own steps run backwards (asetrate ×1/FORMANT, rubberband back),
  i.e. an attacker who knows Reel's numbers;
- `best inverse`: the same with the formant factor searched (0.70–1.00, pitch restored), keeping the
  one closest to the original: a determined attacker with the original to compare against.

and compared with a plain pitch shift (rubberband pitch ×PITCH, formants moved with it) and the
same attack on it. Distances are between mean mel-cepstra on voiced frames (tests/voice_measure.py), periodicity is how
clearly periodic the voice stays (what the smear blurs);
`other speaker` is the distance from each original to the nearest other espeak voice saying the same
words: a reversal that stays further away than that is no closer to the original than a different
person. Words: the disguised sound aligned to the script (toolkit.media.align), sentence onsets
against the known ones. Cost: seconds of processing per second of speech for the compiled mix with and
without the disguise (ffmpeg to `-f null`, wall time, this machine).

    .venv/bin/python bench/voice_disguise.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import speech_factory as sf  # noqa: E402
import voice_measure as vm  # noqa: E402

from toolkit.film.compile import audio  # noqa: E402
from toolkit.film.compile.disguise import FORMANT, PITCH  # noqa: E402
from toolkit.film.compile.nodes import Graph  # noqa: E402
from toolkit.film.pipeline import prepare  # noqa: E402
from toolkit.media.align import align  # noqa: E402
from toolkit.settings import Settings  # noqa: E402

SCRIPT = [
    "I stopped answering my phone for weeks.",
    "Talking to my sister helped me more than I expected.",
    "Some mornings the smallest thing felt impossible.",
    "Now I try to tell someone when it gets heavy.",
]
SPEAKERS = ["en-us", "en-us+f3", "en-us+Andy", "en-us+Annie"]
FF = Settings().ffmpeg


def _ffmpeg(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)
    return time.perf_counter() - start


def _disguise_with_reel(folder: Path, voice: Path, *, disguise: bool = True) -> tuple[Graph, object]:
    """Reel's compiled mix of a film whose only sound is `voice` as a (disguised) voiceover."""
    seconds = vm.read(voice).size / vm.RATE
    anon = ", anonymise: {voice: disguise}" if disguise else ""
    sb = folder / f"{voice.stem}-{int(disguise)}.yaml"
    sb.write_text(f"title: Bench\nregion: UK\nvoiceover: {{file: {voice.name}{anon}}}\n"
                  f"scenes:\n  - {{background: navy, duration: {seconds + 0.5:.2f}s}}\n", encoding="utf-8")
    timeline = prepare(sb, width=108).timeline
    graph = Graph()
    mixed = audio.build_mix(timeline, graph)
    return graph, mixed


def _render(folder: Path, voice: Path, out: Path) -> None:
    graph, mixed = _disguise_with_reel(folder, voice)
    _ffmpeg(*graph.argv([mixed], out)[:-1], "-ac", "1", "-c:a", "pcm_s16le", str(out))


def _rubberband(src: Path, out: Path, chain: str) -> Path:
    _ffmpeg("-i", str(src), "-af", chain, str(out))
    return out


def _inverse(formant: float) -> str:
    """The disguise's steps backwards: formants ×`formant`, pitch ×1/PITCH (at 48 kHz)."""
    return (f"aresample=48000,asetrate={round(48000 * formant)},aresample=48000,"
            f"rubberband=tempo={formant:.6f}:pitch={1 / PITCH / formant:.6f}:formant=preserved")


def _speaker(folder: Path, voice: str, onsets: list[float]) -> dict:
    orig_path = folder / f"{voice.replace('+', '_')}.wav"
    spoken = sf.join(orig_path, SCRIPT, gap=0.7, voice=voice)
    onsets[:] = list(spoken.onsets)
    original = vm.measure(vm.read(orig_path))
    periodic = round(vm.periodicity(vm.read(orig_path)), 3)
    dis_path = folder / f"{orig_path.stem}-disguised.wav"
    _render(folder, orig_path, dis_path)
    disguised = vm.measure(vm.read(dis_path))

    def far(path: Path) -> dict:
        samples = vm.read(path)
        v = vm.measure(samples)
        return {"distance": round(vm.envelope_distance(original, v), 2),
                "periodicity": round(vm.periodicity(samples), 3),
                "pitch_st": round(vm.semitones(original.pitch, v.pitch), 2),
                "formant_ratio": [round(a / b, 3) for a, b in zip(v.formants, original.formants, strict=True)]}

    row = {"voice": voice, "pitch_hz": round(original.pitch, 1), "formants_hz": [round(f) for f in original.formants],
           "periodicity": periodic,
           "disguised": far(dis_path)}
    row["back, formants kept"] = far(_rubberband(dis_path, folder / "a1.wav",
                                                 f"rubberband=pitch={1 / PITCH:.6f}:formant=preserved"))
    row["back, formants moved"] = far(_rubberband(dis_path, folder / "a2.wav", f"rubberband=pitch={1 / PITCH:.6f}"))
    row["inverse chain"] = far(_rubberband(dis_path, folder / "a3.wav", _inverse(1 / FORMANT)))
    tries = {f: far(_rubberband(dis_path, folder / "a4.wav", _inverse(f)))
             for f in np.round(np.arange(0.70, 1.001, 0.04), 2)}
    best = min(tries, key=lambda f: tries[f]["distance"])
    row["best inverse"] = {**tries[best], "formant_factor": float(best)}
    plain = _rubberband(orig_path, folder / "plain.wav", f"rubberband=pitch={PITCH:.6f}")
    row["plain shift"] = far(plain)
    row["plain shift, back"] = far(_rubberband(plain, folder / "plain-back.wav", f"rubberband=pitch={1 / PITCH:.6f}"))
    # the words: the disguised sound aligned to the script
    heard = align(dis_path, SCRIPT)
    starts = [c.words[0].start for c in heard.captions]
    errors = [abs(s - o) for s, o in zip(starts, spoken.onsets, strict=True) if s is not None]
    row["aligned_disguised"] = {"placed": f"{sum(c.placed for c in heard.captions)}/{len(SCRIPT)}",
                                "max_onset_error_s": round(max(errors), 3) if errors else None}
    row["_voice"] = original
    row["_disguised"] = disguised
    return row


def _cost(folder: Path, voice: Path, repeats: int = 5) -> dict:
    """Seconds of processing per second of speech: the compiled mix with and without the disguise."""
    long = folder / "long.wav"
    _ffmpeg("-stream_loop", str(repeats - 1), "-i", str(voice), "-c:a", "pcm_s16le", str(long))
    seconds = vm.read(long).size / vm.RATE
    out = {}
    for disguise in (False, True):
        graph, mixed = _disguise_with_reel(folder, long, disguise=disguise)
        argv = graph.argv([mixed], "-")[:-1]
        out["disguised" if disguise else "plain"] = round(min(_ffmpeg(*argv, "-f", "null", "-") for _ in range(2))
                                                          / seconds, 3)
    out["speech_seconds"] = round(seconds, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    sf.require_espeak()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        onsets: list[float] = []
        rows = [_speaker(folder, voice, onsets) for voice in SPEAKERS]
        for row in rows:
            row["other speaker"] = round(min(vm.envelope_distance(row["_voice"], other["_voice"])
                                             for other in rows if other is not row), 2)
        cost = _cost(folder, folder / f"{SPEAKERS[0]}.wav")
    print(f"disguise: formants ×{FORMANT}, pitch ×{PITCH}; distance = mean mel-cepstrum (voiced frames)")
    cases = ["disguised", "back, formants kept", "back, formants moved", "inverse chain", "best inverse",
             "plain shift", "plain shift, back"]
    print(f"{'voice':<12} {'other spk':>9} " + " ".join(f"{c[:18]:>18}" for c in cases))
    for row in rows:
        print(f"{row['voice']:<12} {row['other speaker']:>9} "
              + " ".join(f"{row[c]['distance']:>18}" for c in cases))
    print("periodicity (harmonic clarity, 1 = perfectly periodic; the original first):")
    for row in rows:
        print(f"{row['voice']:<12} {row['periodicity']:>9} " + " ".join(f"{row[c]['periodicity']:>18}" for c in cases))
    print("pitch (semitones from the original) / F1 F2 F3 ratios:")
    for row in rows:
        for c in cases:
            print(f"  {row['voice']:<12} {c:<22} {row[c]['pitch_st']:+6.2f} st  {row[c]['formant_ratio']}"
                  + (f"  (formant factor {row[c]['formant_factor']})" if c == "best inverse" else ""))
    print("words in the disguised sound (aligned to the script; sentence onsets against the known ones):")
    for row in rows:
        print(f"  {row['voice']:<12} placed {row['aligned_disguised']['placed']}, max onset error "
              f"{row['aligned_disguised']['max_onset_error_s']} s")
    print(f"cost (processing seconds per second of speech, {cost['speech_seconds']} s of speech, compiled mix "
          f"to -f null): plain {cost['plain']}, disguised {cost['disguised']}")
    if args.json:
        clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
        args.json.write_text(json.dumps({"formant": FORMANT, "pitch": PITCH, "speakers": clean, "cost": cost},
                                        indent=1) + "\n")


if __name__ == "__main__":
    main()

"""How well and how fast Reel aligns caption words to speech (issue 15 §1).

Speech is synthesised with espeak-ng (tests/speech_factory.py) at several rates, with timing known
by construction:

- `words`: every word synthesised on its own and joined with short known pauses (0.05–0.2 s,
  varied), sentences with longer ones: every word onset is exact. This is the word-onset
  measure (median and 95th percentile of |aligned − true|).
- `sentences`: natural sentences, each synthesised whole and joined with known pauses: only the
  sentence onsets (each sentence's first word) are exact, so only they are measured.

Speed: about 60 s of speech (the `words` clip at each rate, repeated to ≥ 60 s) aligned cold
(no cache), wall time, on this machine. Targets from the issue: median ≤ 0.100 s, p95 ≤ 0.250 s,
60 s of speech in ≤ 5 s.

    .venv/bin/python bench/align_accuracy.py [--rates 140 175 210] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import speech_factory as sf  # noqa: E402

from toolkit.media.align import align, model_for  # noqa: E402

SCRIPT = [
    "I stopped answering my phone for weeks.",
    "Talking to my sister helped me more than I expected.",
    "Some mornings the smallest thing felt impossible.",
    "My doctor listened and we made a plan together.",
    "Walking by the river gave my head some quiet.",
    "If you are struggling right now, you are not alone.",
    "Recovery was slow, and it was not a straight line.",
    "I still have hard days, but I know what helps.",
]


def _word_clip(folder: Path, rate: int, seed: int) -> tuple[sf.Spoken, list[str]]:
    rng = np.random.default_rng(seed)
    pieces, gaps = [], []
    for sentence in SCRIPT:
        words = sentence.split()
        pieces += words
        gaps += [float(rng.uniform(0.05, 0.2)) for _ in words[:-1]] + [float(rng.uniform(0.5, 0.9))]
    return sf.join(folder / f"words-{rate}.wav", pieces, gap=0.1, gaps=gaps, rate=rate), SCRIPT


def _sentence_clip(folder: Path, rate: int) -> sf.Spoken:
    return sf.join(folder / f"sentences-{rate}.wav", SCRIPT, gap=0.7, rate=rate)


def _errors(spoken: sf.Spoken, captions: list[str]) -> tuple[list[float], int]:
    result = align(spoken.path, captions)
    got = [w.start for c in result.captions for w in c.words]
    missing = sum(1 for g in got if g is None)
    return [abs(g - t) for g, t in zip(got, spoken.onsets, strict=True) if g is not None], missing


def _builtin_errors(spoken: sf.Spoken, captions: list[str]) -> list[float] | None:
    """The same clip aligned by PocketSphinx's own `set_align_text` (the second candidate): one
    utterance of every word, fillers on, the same noise floor. None when its search dies."""
    import re

    from pocketsphinx import Decoder

    from toolkit.media import align as module

    samples = module._with_floor(module._decode(spoken.path, 0.0, None))
    decoder = Decoder(lm=None, loglevel="FATAL")
    words = [w for c in captions for t in c.split() for w in module.spoken_words(t)]
    decoder.set_align_text(" ".join(words))
    decoder.start_utt()
    decoder.process_raw(samples.tobytes(), full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        return None
    got = [seg.start_frame * module.FRAME - module.PAD_SECONDS for seg in decoder.seg()
           if re.sub(r"\(\d+\)$", "", seg.word) not in ("<s>", "</s>", "<sil>") and not seg.word.startswith("+")]
    return [abs(g - t) for g, t in zip(got, spoken.onsets, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[140, 175, 210], help="espeak-ng words per minute")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    report: dict = {"model": model_for("en"), "rates": {}}
    all_errors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rate in args.rates:
            words, script = _word_clip(folder, rate, seed=rate)
            errors, missing = _errors(words, script)
            all_errors += errors
            builtin = _builtin_errors(words, script)
            sentences = _sentence_clip(folder, rate)
            got = align(sentences.path, SCRIPT)
            starts = [c.words[0].start for c in got.captions]
            s_err = [abs(g - t) for g, t in zip(starts, sentences.onsets, strict=True) if g is not None]
            # speed: the word clip repeated to at least 60 s, aligned cold
            reps = int(np.ceil(60 / words.duration))
            long = sf.join(folder / f"long-{rate}.wav", [p for _ in range(reps) for p in words.pieces], gap=0.1,
                           rate=rate, gaps=[0.15] * (len(words.pieces) * reps))
            t0 = time.perf_counter()
            align(long.path, [s for _ in range(reps) for s in script])
            seconds = time.perf_counter() - t0
            report["rates"][rate] = {
                "word_onsets": len(errors), "words_not_placed": missing,
                "median_s": round(float(np.median(errors)), 3), "p95_s": round(float(np.percentile(errors, 95)), 3),
                "max_s": round(float(np.max(errors)), 3),
                "sentence_onsets": len(s_err), "sentence_median_s": round(float(np.median(s_err)), 3),
                "sentence_max_s": round(float(np.max(s_err)), 3),
                "speech_s": round(long.duration, 1), "align_s": round(seconds, 2),
                "align_s_per_60s": round(seconds * 60 / long.duration, 2),
                "builtin_median_s": None if builtin is None else round(float(np.median(builtin)), 3),
                "builtin_p95_s": None if builtin is None else round(float(np.percentile(builtin, 95)), 3)}
            r = report["rates"][rate]
            print(f"{rate} wpm: words median {r['median_s']:.3f}s p95 {r['p95_s']:.3f}s max {r['max_s']:.3f}s "
                  f"({len(errors)} placed, {missing} not); sentence onsets median {r['sentence_median_s']:.3f}s "
                  f"max {r['sentence_max_s']:.3f}s; {long.duration:.0f}s of speech aligned in {seconds:.2f}s "
                  f"({r['align_s_per_60s']:.2f}s per 60s); set_align_text: median {r['builtin_median_s']}s "
                  f"p95 {r['builtin_p95_s']}s", flush=True)
    report["all"] = {"median_s": round(float(np.median(all_errors)), 3),
                     "p95_s": round(float(np.percentile(all_errors, 95)), 3), "word_onsets": len(all_errors)}
    print(f"all rates: median {report['all']['median_s']:.3f}s, p95 {report['all']['p95_s']:.3f}s over "
          f"{len(all_errors)} word onsets")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

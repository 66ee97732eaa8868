"""Forced alignment: when each word of known caption text is spoken in a span of audio.

The engine is PocketSphinx 5 (its wheel ships the US-English acoustic model and CMU dictionary;
nothing is fetched). It aligns, never transcribes: the decoder searches a grammar made of the
captions' own words, so what it returns can only be the trainee's words. The grammar is

    [silence] (caption 1 | skip) [silence] (caption 2 | skip) ... [silence]

with optional silence between words too. A caption that is not spoken is skipped as a whole
(its words stay unplaced, `CaptionTiming.placed` is False) instead of being forced onto speech
that is not its own; a caption whose words appear only in part is unplaced as well.

Words not in the dictionary get a rough letter-to-sound pronunciation (`_letters_to_phones`):
close enough to give the word its length in the audio, so its neighbours keep their times.
Digits are said one by one ("116" as "one one six"). A token with nothing to say (an emoji, a
dash) has no time; the planner places it between its neighbours.

Audio is decoded with PyAV (`toolkit.media.audio`) to 16 kHz mono, block by block, so a long file
is never held whole. Results are cached by content: the caller's digest of the file's bytes, the
span, the texts, the model and this module's algorithm version.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from toolkit.atomic import write_atomic
from toolkit.errors import AlignError
from toolkit.media.audio import iter_audio_blocks

__all__ = ["MAX_SPAN_SECONDS", "Alignment", "CaptionTiming", "WordTiming", "align", "model_for", "spoken_words"]

RATE = 16000  # the acoustic model's sample rate
FRAME = 0.01  # seconds per decoder frame (100 frames a second)
# A film is at most 180 s (the house cap, standards §2.1): no scene's speech is longer, and a
# longer span (a 10-minute voiceover under one scene) is refused rather than decoded for minutes.
MAX_SPAN_SECONDS = 180.0
# Exact digital silence (TTS, a muted stretch) has no spectrum: the acoustic model's features
# for it are degenerate and the grammar search dies. A fixed, seeded noise floor at about
# -70 dBFS (10 of 32768) is inaudible and keeps the search alive; seeded, so results repeat.
NOISE_FLOOR = 10.0
# The longest a word may be said: 0.5 s plus 0.2 s a phone (a drawn-out "so…" of 3 phones: 1.1 s;
# TTS and conversational speech run 0.06–0.12 s a phone). Longer: the word was forced onto speech
# that is not its own, and its caption is searched for again without it.
MAX_WORD_SECONDS = 0.5
MAX_PHONE_SECONDS = 0.2
# A pause inside a caption longer than this whose level is over this fraction of the caption's
# words (≈ -6 dB) is speech the search could not give to the caption's words: not a pause.
PAUSE_SECONDS = 0.6
SWALLOWED_RMS = 0.5
MAX_RETRIES = 12  # captions tried one by one when the search dies (each try is one more decode)
PAD_SECONDS = 0.5  # noise-floor padding before and after the span: silence to rest in at the edges
ALGORITHM = "fsg-skip-3"  # bump when the grammar or the matching changes: old cache entries then miss
SILENCE = "pau_"  # a dictionary word made of the model's silence phone
_NOT_WORDS = {"<s>", "</s>", "<sil>", SILENCE}

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One whitespace-separated token of a caption as written, and when it is spoken (seconds in
    the file), or None when it was not placed (not spoken, or nothing to say, like an emoji)."""

    word: str
    start: float | None
    end: float | None


@dataclass(frozen=True, slots=True)
class CaptionTiming:
    """A caption's tokens and their times. `placed`: every word it speaks was found, in order."""

    text: str
    words: tuple[WordTiming, ...]
    placed: bool


@dataclass(frozen=True, slots=True)
class Alignment:
    """The captions aligned to `start`–`end` seconds of a file, by `model`."""

    start: float
    end: float
    captions: tuple[CaptionTiming, ...]
    model: str


def model_for(language: str) -> str | None:
    """The alignment model for a storyboard language ("en", "en-GB"), or None when there is none."""
    if language.split("-")[0].lower() != "en":
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pocketsphinx-{version('pocketsphinx')}/en-us"
    except PackageNotFoundError:  # `align` says so, as an AlignError
        return "pocketsphinx-missing/en-us"


def spoken_words(token: str) -> list[str]:
    """The words a token is said as, lower case: "Don't," → ["don't"], "116" → ["one", "one", "six"],
    "self-harm" → ["self", "harm"], an emoji → []."""
    text = unicodedata.normalize("NFKC", token).lower().replace("\u2019", "'").replace("\u2018", "'")
    out: list[str] = []
    for part in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d", text):
        out.append(DIGITS[int(part)] if part.isdigit() else part)
    return out


def align(path: str | Path, texts: Sequence[str], *, start: float = 0.0, end: float | None = None,
          language: str = "en", digest: str | None = None, cache_dir: Path | None = None) -> Alignment:
    """Align the captions `texts` (in speaking order) to `start`–`end` seconds of `path`'s first
    audio stream (`end` None: the file's end).

    With `digest` (of the file's bytes) and `cache_dir`, a result is read from and saved to the
    cache, keyed by digest, span, texts, model and algorithm. Raises `AlignError` for a language
    without a model or a span over `MAX_SPAN_SECONDS`; `ProbeError`/`AssetError` for a file that
    cannot be read.
    """
    model = model_for(language)
    if model is None:
        raise AlignError(f"no speech-alignment model for language `{language}`; only English (en) has one")
    if end is not None and end - start > MAX_SPAN_SECONDS:
        raise AlignError(f"the speech to align is {end - start:.0f}s long; at most {MAX_SPAN_SECONDS:.0f}s is "
                         "aligned at once (a film is at most 180 s)")
    try:
        import pocketsphinx  # noqa: F401  (a declared dependency; an old environment may lack it)
    except ImportError:
        raise AlignError("the speech aligner (pocketsphinx) is not installed in this environment; reinstall "
                         "Reel (`pip install -e .`)") from None
    texts = list(texts)
    cached = None
    if digest is not None and cache_dir is not None:
        key = json.dumps([digest, round(start, 3), None if end is None else round(end, 3), texts, model,
                          ALGORITHM], ensure_ascii=False)
        cached = Path(cache_dir) / (hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + ".json")
        found = _read_cache(cached)
        if found is not None:
            return found
    samples = _decode(Path(path), start, end)
    result = Alignment(start, start + len(samples) / RATE, tuple(_align_samples(samples, texts, start)), model)
    if cached is not None:
        write_atomic(cached, json.dumps(_to_json(result), ensure_ascii=False))
    return result


# ------------------------------------------------------------------ audio


def _decode(path: Path, start: float, end: float | None) -> np.ndarray:
    """16 kHz mono int16 samples of `start`–`end`, decoded block by block (memory: one block)."""
    limit = None if end is None else end
    first = round(start * RATE)
    parts: list[np.ndarray] = []
    seen = 0
    for block in iter_audio_blocks(path, rate=RATE, block_seconds=10.0, max_seconds=limit):
        mono = block.samples.mean(axis=1)
        lo = max(0, first - seen)
        seen += len(mono)
        if lo < len(mono):
            parts.append(mono[lo:])
        if (seen - first) / RATE > MAX_SPAN_SECONDS + 1:
            raise AlignError(f"{path}: the speech to align runs past {MAX_SPAN_SECONDS:.0f}s; at most "
                             f"{MAX_SPAN_SECONDS:.0f}s is aligned at once (a film is at most 180 s)")
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)


def _with_floor(samples: np.ndarray) -> np.ndarray:
    pad = round(PAD_SECONDS * RATE)
    audio = np.concatenate([np.zeros(pad), samples.astype(np.float64), np.zeros(pad)])
    audio += np.random.default_rng(0).normal(0.0, NOISE_FLOOR, len(audio))
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


# ------------------------------------------------------------------ the grammar search


def _align_samples(samples: np.ndarray, texts: Sequence[str], offset: float) -> list[CaptionTiming]:
    tokens = [t.split() for t in texts]
    if len(samples) < RATE // 10 or not any(spoken_words(w) for ts in tokens for w in ts):
        return [_unplaced(text, ts) for text, ts in zip(texts, tokens, strict=True)]
    words, found = _search(samples, tokens, offset)
    if found is None:  # a mispronounced or guessed word can push the right path out of the beam
        words, found = _search(samples, tokens, offset, wide=True)
    if found is None and len(texts) <= MAX_RETRIES:
        # The search can die when a caption is not spoken at all (trials: the last of two); try
        # again without each caption in turn: the first that lets it finish is the one not spoken.
        for skip in range(len(texts)):
            fewer = [ts if k != skip else [] for k, ts in enumerate(tokens)]
            words, found = _search(samples, fewer, offset, wide=True)
            if found is not None:
                break
    result, stretched = _match(texts, tokens, words, found or [])
    suspect = sorted(set(stretched) | set(_swallowing(result, samples, offset)))
    if suspect:
        # A caption forced over speech that is not its own (the speech it belongs to is cut off,
        # or another caption is missing) has a word drawn out far past any spoken length, or
        # speech swallowed as "silence" between its words: search again without it, and leave
        # it unplaced.
        fewer = [ts if k not in suspect else [] for k, ts in enumerate(tokens)]
        words, found = _search(samples, fewer, offset, wide=True)
        again, stretched = _match(texts, tokens, words, found or [])
        doubtful = set(stretched) | set(_swallowing(again, samples, offset))
        result = _merge(result, again, suspect, doubtful)
    return result


def _merge(first: list[CaptionTiming], again: list[CaptionTiming], suspect: list[int],
           doubtful: set[int]) -> list[CaptionTiming]:
    """The first search's placements, without its suspect captions; plus the captions only the
    second search placed (not doubtful there), when they fit between the first search's
    placed neighbours. A second search never moves a caption the first placed well."""
    out = [_unplaced(c.text, [w.word for w in c.words]) if k in suspect else c for k, c in enumerate(first)]
    for k, c in enumerate(again):
        if out[k].placed or k in suspect or k in doubtful or not c.placed:
            continue
        said = [w for w in c.words if w.start is not None]
        before = [w.end for p in out[:k] if p.placed for w in p.words if w.end is not None]
        after = [w.start for p in out[k + 1:] if p.placed for w in p.words if w.start is not None]
        if (not before or said[0].start >= max(before)) and (not after or said[-1].end <= min(after)):
            out[k] = c
    return out


def _swallowing(captions: list[CaptionTiming], samples: np.ndarray, offset: float) -> list[int]:
    """Placed captions with a pause between two of their words longer than `PAUSE_SECONDS` that
    is as loud as speech (RMS over `SWALLOWED_RMS` of the caption's words): the search put speech
    there under silence, so the words around it are not where they were said."""
    def rms(start: float, end: float) -> float:
        part = samples[max(0, round((start - offset) * RATE)):max(0, round((end - offset) * RATE))]
        return float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if len(part) else 0.0

    out = []
    for k, caption in enumerate(captions):
        said = [(w.start, w.end) for w in caption.words if w.start is not None and w.end is not None]
        if not caption.placed or len(said) < 2:
            continue
        level = float(np.median([rms(a, b) for a, b in said]))
        gaps = [(a[1], b[0]) for a, b in pairwise(said) if b[0] - a[1] > PAUSE_SECONDS]
        if level > 0 and any(rms(a, b) > SWALLOWED_RMS * level for a, b in gaps):
            out.append(k)
    return out


def _search(samples: np.ndarray, tokens: list[list[str]], offset: float,
            wide: bool = False) -> tuple[list[list[str]], list[tuple] | None]:
    """The dictionary words searched for, per caption, and (word, start, end, phones) of each one
    found (None when the search died). `wide`: beams far wider than PocketSphinx's defaults
    (1e-48, 7e-29): slower, but the search survives a word said unlike its pronunciation."""
    from pocketsphinx import Decoder

    # fsgusefiller off: the filler words it inserts broke alignments in trials; the grammar's
    # own optional silence word takes their place.
    beams = {"beam": 1e-100, "wbeam": 1e-80, "pbeam": 1e-100} if wide else {}
    decoder = Decoder(lm=None, loglevel="FATAL", fsgusefiller=False, **beams)
    decoder.add_word(SILENCE, "SIL", True)
    words = [[_dictionary_word(decoder, w) for w in _speakable(ts)] for ts in tokens]
    decoder.add_fsg("align", decoder.create_fsg("align", 0, *_grammar(words)))
    decoder.activate_search("align")
    decoder.start_utt()
    decoder.process_raw(_with_floor(samples).tobytes(), full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        return words, None
    found = []
    for seg in decoder.seg():
        name = re.sub(r"\(\d+\)$", "", seg.word)
        if name not in _NOT_WORDS and not name.startswith(("+", "[")):
            found.append((name, seg.start_frame * FRAME - PAD_SECONDS + offset,
                          (seg.end_frame + 1) * FRAME - PAD_SECONDS + offset,
                          len((decoder.lookup_word(name) or "AH").split())))
    return words, found


def _speakable(tokens: Sequence[str]) -> list[str]:
    return [w for t in tokens for w in spoken_words(t)]


def _grammar(words: list[list[str]]) -> tuple[int, list[tuple]]:
    """(final state, transitions) of the grammar: each caption whole or skipped, silence anywhere
    between words."""
    arcs: list[tuple] = []
    state = 0
    for caption in words:
        if not caption:
            continue
        after = state + len(caption)
        arcs.append((state, state, 1.0, SILENCE))
        arcs.append((state, after, 1.0))  # the caption is not spoken
        for k, word in enumerate(caption):
            arcs.append((state + k, state + k + 1, 1.0, word))
            if k:
                arcs.append((state + k, state + k, 1.0, SILENCE))
        state = after
    # The padding guarantees silence at the end: ending on a silence arc (not a skip's null arc)
    # lets the search finish when the last caption is not spoken.
    arcs.append((state, state + 1, 1.0, SILENCE))
    arcs.append((state + 1, state + 1, 1.0, SILENCE))
    return state + 1, arcs


def _match(texts: Sequence[str], tokens: list[list[str]], words: list[list[str]],
           found: list[tuple]) -> tuple[list[CaptionTiming], list[int]]:
    """Each caption placed when its words are next in what the decoder found, in full; and the
    placed captions with a word drawn out longer than `MAX_WORD_SECONDS` + `MAX_PHONE_SECONDS` a phone."""
    out: list[CaptionTiming] = []
    stretched: list[int] = []
    p = 0
    for k, (text, toks, names) in enumerate(zip(texts, tokens, words, strict=True)):
        if names and [f[0] for f in found[p:p + len(names)]] == names:
            times = found[p:p + len(names)]
            p += len(names)
            if any(end - start > MAX_WORD_SECONDS + MAX_PHONE_SECONDS * phones for _, start, end, phones in times):
                stretched.append(k)
            timed, i = [], 0
            for tok in toks:
                n = len(spoken_words(tok))
                if n:
                    timed.append(WordTiming(tok, times[i][1], times[i + n - 1][2]))
                else:
                    timed.append(WordTiming(tok, None, None))
                i += n
            out.append(CaptionTiming(text, tuple(timed), True))
        else:
            out.append(_unplaced(text, toks))
    return out, stretched


def _unplaced(text: str, tokens: Sequence[str]) -> CaptionTiming:
    return CaptionTiming(text, tuple(WordTiming(t, None, None) for t in tokens), False)


# ------------------------------------------------------------------ pronunciations


def _dictionary_word(decoder, word: str) -> str:
    """The dictionary's name for `word`, added with a letter-to-sound pronunciation when missing."""
    if decoder.lookup_word(word):
        return word
    folded = _fold(word)
    if folded and decoder.lookup_word(folded):
        return folded
    name = f"{folded or 'x'}_lts"
    decoder.add_word(name, _letters_to_phones(folded) or "AH", True)
    return name


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if c.isascii() and (c.isalpha() or c == "'"))


# Longest spelling first; a rough English reading, only for words the dictionary lacks.
_SPELLINGS = (
    ("tch", "CH"), ("sch", "S K"), ("igh", "AY"), ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"),
    ("wh", "W"), ("ck", "K"), ("ng", "NG"), ("qu", "K W"), ("ee", "IY"), ("ea", "IY"), ("oo", "UW"),
    ("ou", "AW"), ("ow", "OW"), ("ai", "EY"), ("ay", "EY"), ("oi", "OY"), ("oy", "OY"), ("au", "AO"),
    ("aw", "AO"), ("ie", "IY"), ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"),
    ("g", "G"), ("h", "HH"), ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"),
    ("o", "AA"), ("p", "P"), ("q", "K"), ("r", "R"), ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"),
    ("w", "W"), ("x", "K S"), ("y", "IY"), ("z", "Z"),
)


def _letters_to_phones(word: str) -> str:
    """A rough ARPAbet reading of an out-of-dictionary word ("ziggurat" → "Z IH G AH R AE T")."""
    w = re.sub(r"(.)\1", r"\1", word.lower().replace("'", ""))  # doubled letters are one sound
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]  # a silent final e
    phones: list[str] = []
    i = 0
    while i < len(w):
        for spelling, sound in _SPELLINGS:
            if w.startswith(spelling, i):
                phones.append(sound)
                i += len(spelling)
                break
        else:
            i += 1
    return " ".join(phones)


# ------------------------------------------------------------------ cache


def _to_json(result: Alignment) -> dict:
    return {"start": result.start, "end": result.end, "model": result.model,
            "captions": [{"text": c.text, "placed": c.placed, "words": [[w.word, w.start, w.end] for w in c.words]}
                         for c in result.captions]}


def _read_cache(path: Path) -> Alignment | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        captions = tuple(CaptionTiming(c["text"], tuple(WordTiming(w, s, e) for w, s, e in c["words"]),
                                       bool(c["placed"])) for c in data["captions"])
        return Alignment(float(data["start"]), float(data["end"]), captions, str(data["model"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None

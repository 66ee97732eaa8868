"""Safe-messaging language lint (standards reference §7.2), driven by `data/phrases.yaml`.

`lint_text` returns a `LintResult` that always says whether the text was checked at all: a
language with no rules is *not checked*, which callers must not read as clean. Hits carry
character offsets into the ORIGINAL text so callers can map them to FILE:LINE:COL.

Text is matched as a viewer reads it (`care.normalise`): invisible characters, look-alike and
styled letters, accents, a right-to-left override, digits for letters, split words and one-edit
misspellings of the catalogue's key words are all seen through, and each hit names what was
disguised.

Lived-experience exception: first-person identity language ("my bipolar", "I'm a survivor") is
an info hit of its own rule, and a warning-level label framed in the first person ("I was
battling depression") is downgraded to info. Error rules are never downgraded.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from toolkit.care.characters import shown
from toolkit.care.normalise import KeyWords, Normalised, has_overrides, may_use_digits, normalise
from toolkit.care.rules import (  # noqa: F401  (re-exported: the lint's public names)
    DEFAULT_PATH,
    Examples,
    Rule,
    RuleFile,
    RuleSet,
    RuleSpec,
    TopicVocabulary,
    load_rules,
)
from toolkit.errors import Issue, Severity

# Where a clause starts, for the first-person look-back.
_CLAUSE_BREAK = re.compile(r"[.!?;:\n\"“”()]|\s[-–—]\s")
_TOKEN = re.compile(r"[\w'’]+")
_LOOKBACK_CHARS = 80
_LOOKBACK_TOKENS = 8
_FIRST_PERSON = frozenset({"i", "i'm", "im", "i've", "i'd", "i'll", "me", "myself"})
# A nearer subject or possessor means the label is about someone else ("I think she suffers...").
_OTHER_SUBJECT = frozenset({
    "he", "she", "they", "you", "we", "it", "he's", "she's", "they're", "you're", "we're", "his", "her",
    "their", "your", "our", "him", "them", "someone", "everyone", "people", "who", "the", "this", "that",
    "my",  # "my brother was battling..." ("my" directly before the match is handled first)
})


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class LintHit:
    """One flagged phrase: `text[start:end] == matched`."""

    rule_id: str
    severity: Severity
    start: int
    end: int
    matched: str
    reason: str
    suggestion: str
    downgraded_from: Severity | None = None
    disguised: tuple[str, ...] = ()  # what was written to get past the check ("invisible U+200B ...")

    @property
    def message(self) -> str:
        """The hit as one sentence: the words as written, what disguised them, the reason and a suggestion."""
        how = f" (disguised: {'; '.join(self.disguised)})" if self.disguised else ""
        return f"“{shown(self.matched)}”{how}: {self.reason} {self.suggestion}"


@dataclass(frozen=True, slots=True)
class LintResult:
    """The outcome of linting one text. `checked=False` means NO rules ran (see `reason`).

    Truth-testing a result raises TypeError on purpose: ask `.passed` (checked and no errors),
    `.checked`, or `.hits` explicitly so "not checked" can never pass as "clean".
    """

    language: str
    checked: bool
    hits: tuple[LintHit, ...] = ()
    reason: str = ""

    def __bool__(self) -> bool:
        raise TypeError("a LintResult is not a boolean: use .passed, .checked or .hits")

    @property
    def errors(self) -> tuple[LintHit, ...]:
        """Hits of severity error."""
        return tuple(h for h in self.hits if h.severity == "error")

    @property
    def warnings(self) -> tuple[LintHit, ...]:
        """Hits of severity warning."""
        return tuple(h for h in self.hits if h.severity == "warning")

    @property
    def infos(self) -> tuple[LintHit, ...]:
        """Hits of severity info (including lived-experience downgrades)."""
        return tuple(h for h in self.hits if h.severity == "info")

    @property
    def passed(self) -> bool:
        """True only if the text was checked and has no error hits."""
        return self.checked and not self.errors

    def to_issues(self, text: str, *, file: Path | None = None, path: str = "", first_line: int = 1,
                  first_col: int = 1, not_checked_severity: Severity = "warning") -> list[Issue]:
        """Located issues for `text`, which starts at `first_line`:`first_col` in `file`.

        A not-checked result becomes one issue (code `lint-not-checked`) so it is never silent.
        """
        if not self.checked:
            return [Issue(self.reason, path=path, file=file, line=first_line, col=first_col,
                          severity=not_checked_severity, code="lint-not-checked")]
        out = []
        for hit in self.hits:
            line, col = line_col(text, hit.start)
            col = col + first_col - 1 if line == 1 else col
            out.append(Issue(hit.message, path=path, file=file, line=line + first_line - 1, col=col,
                             severity=hit.severity, code=hit.rule_id))
        return out


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# ---------------------------------------------------------------- linting


def _primary(language: str) -> str:
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()


def supported_languages(rules: RuleSet | None = None) -> tuple[str, ...]:
    """Language codes the rules cover (a regional tag such as en-GB counts as its language)."""
    return (rules or load_rules()).languages


def lint_text(text: str, *, language: str = "en", rules: RuleSet | None = None) -> LintResult:
    """Lint `text` against the safe-messaging rules (§7.2).

    Pass `rules=load_rules(...)` when linting many texts; without it the shipped rules are
    loaded on each call. Hits are ordered by position, then by rule order in the file.
    """
    rules = rules or load_rules()
    if _primary(language) not in rules.languages:
        return LintResult(language, False, (), (
            f"not checked for safe-messaging language: there are no lint rules for language {language!r} "
            f"(supported: {', '.join(rules.languages)}); have a fluent reviewer check it against §7.2"))
    hits: list[tuple[int, int, int, LintHit]] = []
    taken: dict[int, list[tuple[int, int]]] = {}  # rule -> its hits' original spans, sorted, disjoint
    for reading in readings(text, rules):
        if rules.prefilter is not None and not rules.prefilter.search(reading.text):
            continue
        for order, rule in enumerate(rules.rules):
            spans = taken.setdefault(order, [])
            for start, end in _spans(rule, reading.text):
                lo, hi = reading.span(start, end)
                k = bisect.bisect_left(spans, (hi, -1))
                if k and spans[k - 1][1] > lo:
                    continue  # the same words, already found in a plainer reading
                spans.insert(k, (lo, hi))
                hits.append((lo, hi, order, _hit(rule, reading, start, end, text)))
    hits.sort(key=lambda h: h[:3])
    return LintResult(language, True, tuple(h[3] for h in hits))


def readings(text: str, rules: RuleSet) -> list[Normalised]:
    """The ways a viewer may read `text`: normalised, then also with digits inside words read as
    letters, and (under a bidi override) also in stored order. Plainest first."""
    return list(_readings(text, rules.words))


@lru_cache(maxsize=16384)
def _readings(text: str, words: KeyWords) -> tuple[Normalised, ...]:
    # cached: the lint, the cross-caption pass and topic inference all read the same texts
    out = [normalise(text, words)]
    if may_use_digits(text):
        leet = normalise(text, words, leet=True)
        if leet.text != out[0].text:
            out.append(leet)
    if has_overrides(text):
        out.append(normalise(text, words, display_order=False))
    return tuple(out)


def find_topics(text: str, rules: RuleSet, topic: str | None = None) -> list[tuple[str, int, int]]:
    """Where `text` shows a topic of the catalogue: (topic, original start, end), in order.

    Read through the same normalisation as the lint; figurative uses the catalogue lists under
    the topic's `not` ("political suicide") do not count.
    """
    found: list[tuple[str, int, int]] = []
    taken: dict[str, list[tuple[int, int]]] = {}  # topic -> original spans found, sorted, disjoint
    for reading in readings(text, rules):
        if rules.topic_prefilter is not None and not rules.topic_prefilter.search(reading.text):
            continue
        for vocab in rules.topics:
            if topic is not None and vocab.topic != topic:
                continue
            excluded = _merged((m.start(), m.end()) for p in vocab.not_ for m in p.finditer(reading.text))
            spans = taken.setdefault(vocab.topic, [])
            for p in vocab.words:
                for m in p.finditer(reading.text):
                    k = bisect.bisect_right(excluded, (m.start(), len(reading.text) + 1))
                    if m.end() == m.start() or (k and excluded[k - 1][1] > m.start()):
                        continue  # figurative: inside a `not` phrase
                    lo, hi = reading.span(m.start(), m.end())
                    k = bisect.bisect_left(spans, (hi, -1))
                    if k and spans[k - 1][1] > lo:
                        continue
                    spans.insert(k, (lo, hi))
                    found.append((vocab.topic, lo, hi))
    return sorted(found, key=lambda f: (f[1], f[0]))


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint spans covering the same characters."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _spans(rule: Rule, text: str) -> list[tuple[int, int]]:
    """Non-overlapping matches of any of the rule's patterns; the earliest, then longest, wins."""
    found = sorted((m.start(), -m.end()) for p in rule.patterns for m in p.finditer(text)
                   if m.end() > m.start())
    kept: list[tuple[int, int]] = []
    for start, neg_end in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, -neg_end))
    return kept


def _hit(rule: Rule, reading: Normalised, start: int, end: int, original: str) -> LintHit:
    lo, hi = reading.span(start, end)
    disguised = reading.disguises(lo, hi)
    if rule.downgrade_first_person and _first_person(original, lo):
        return LintHit(rule.id, "info", lo, hi, original[lo:hi],
                       "Lived-experience exception: first-person words chosen by the speaker. " + rule.reason,
                       rule.suggestion + " Keep the speaker's own words if that is their choice.",
                       downgraded_from=rule.severity, disguised=disguised)
    return LintHit(rule.id, rule.severity, lo, hi, original[lo:hi], rule.reason, rule.suggestion,
                   disguised=disguised)


def _first_person(text: str, start: int) -> bool:
    """Is the phrase at `start` said by the speaker about themself? (heuristic, same clause only)

    "I was battling depression" and "my battle with..." are; "I think she suffers from..." and
    "my brother was battling..." are not: the nearest subject before the phrase decides.
    """
    window = text[max(0, start - _LOOKBACK_CHARS):start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    raw = _TOKEN.findall(window)[-_LOOKBACK_TOKENS:]
    tokens = [t.lower().replace("’", "'") for t in raw]
    if tokens and tokens[-1] == "my":
        return True
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i] in _FIRST_PERSON:
            return True
        if tokens[i] in _OTHER_SUBJECT or (i > 0 and raw[i][0].isupper()):  # a name: "I think Sam..."
            return False
    return False


def check_examples(rules: RuleSet) -> list[str]:
    """Each rule's own examples that do not behave as declared (empty = all good).

    Useful for a private rule file: `check_examples(load_rules(path))`.
    """
    problems: list[str] = []
    for rule in rules.rules:
        single = RuleSet(rules.languages, (rule,), words=rules.words)
        for kind, texts, want in (("bad", rule.examples.bad, rule.severity),
                                  ("lived_experience", rule.examples.lived_experience, "info"),
                                  ("good", rule.examples.good, None)):
            for text in texts:
                got = {h.severity for h in lint_text(text, rules=single).hits}
                if (want is None and got) or (want is not None and want not in got):
                    problems.append(f"{rule.id}: {kind} example {text!r} gave {sorted(got) or 'no hit'}")
    return problems


def check_topic_examples(rules: RuleSet) -> list[str]:
    """Each topic's own examples that do not behave as declared (empty = all good)."""
    problems: list[str] = []
    for vocab in rules.topics:
        for text in vocab.examples.shows:
            if not find_topics(text, rules, vocab.topic):
                problems.append(f"topic {vocab.topic}: {text!r} should show it")
        for text in vocab.examples.not_:
            if find_topics(text, rules, vocab.topic):
                problems.append(f"topic {vocab.topic}: {text!r} should not show it")
    return problems

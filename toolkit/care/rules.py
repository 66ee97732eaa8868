"""The safe-messaging rule catalogue (`data/phrases.yaml`): its YAML schema, loading and compiling.

Besides the rules, the catalogue holds the words the normaliser may re-join or correct
(`key_words`) and the words that show a film covers a topic (`topics`), so the lint, topic
inference and the content-warning check all speak one vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolkit.care.normalise import KeyWords
from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.errors import Issue, Severity, SpecError

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "phrases.yaml"
LivedExperience = Literal["none", "downgrade"]

NO_KEY_WORDS = KeyWords()
_MACRO = re.compile(r"\{\{(\w+)\}\}")




class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(_Model):
    """Texts that must (bad), must not (good), or must as info (lived_experience) hit the rule."""

    bad: Annotated[tuple[str, ...], Field(min_length=1)]
    good: tuple[str, ...] = ()
    lived_experience: tuple[str, ...] = ()


class RuleSpec(_Model):
    """One rule as written in the YAML file."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    severity: Severity
    patterns: Annotated[tuple[str, ...], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=3)]
    suggestion: Annotated[str, Field(min_length=3)]
    source: Annotated[str, Field(min_length=3)]
    lived_experience: LivedExperience = "none"
    examples: Examples

    @model_validator(mode="after")
    def _check(self) -> RuleSpec:
        if self.lived_experience == "downgrade" and self.severity != "warning":
            raise ValueError("only warning rules can be downgraded for lived experience; errors never are")
        if self.examples.lived_experience and self.lived_experience != "downgrade":
            raise ValueError("`examples.lived_experience` needs `lived_experience: downgrade`")
        return self


class Extension(_Model):
    """Extra patterns for a rule defined elsewhere (e.g. a private method/means list)."""

    id: str
    patterns: Annotated[tuple[str, ...], Field(min_length=1)]


class KeyWordsSpec(_Model):
    """Words read through disguise: `fuzzy` also through one edit, `exact` only when split."""

    fuzzy: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    not_misspellings: tuple[str, ...] = ()


class TopicExamples(_Model):
    """Texts that must (`shows`) and must not (`not`) show the topic."""

    shows: Annotated[tuple[str, ...], Field(min_length=1)]
    not_: tuple[str, ...] = Field(default=(), alias="not")


class TopicSpec(_Model):
    """The words that show a film covers a topic, and figurative uses that do not."""

    words: Annotated[tuple[str, ...], Field(min_length=1)]
    not_: tuple[str, ...] = Field(default=(), alias="not")
    examples: TopicExamples


class RuleFile(_Model):
    """A whole rule file: the shipped one, or a private extra one."""

    version: Literal[1]
    languages: tuple[str, ...] = ("en",)
    vocabulary: dict[str, str] = Field(default_factory=dict)
    key_words: KeyWordsSpec = Field(default_factory=KeyWordsSpec)
    topics: dict[str, TopicSpec] = Field(default_factory=dict)
    rules: tuple[RuleSpec, ...] = ()
    extend: tuple[Extension, ...] = ()


# ---------------------------------------------------------------- compiled rules and results


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule."""

    id: str
    severity: Severity
    patterns: tuple[re.Pattern[str], ...]
    reason: str
    suggestion: str
    source: str
    downgrade_first_person: bool
    examples: Examples


@dataclass(frozen=True, slots=True)
class TopicVocabulary:
    """A compiled topic: a text shows it where a `words` pattern matches outside a `not` pattern."""

    topic: str
    words: tuple[re.Pattern[str], ...]
    not_: tuple[re.Pattern[str], ...]
    examples: TopicExamples


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Compiled rules for a set of languages. Build with `load_rules`; reuse across calls."""

    languages: tuple[str, ...]
    rules: tuple[Rule, ...]
    # One case-sensitive regex over lower-cased text that matches wherever any rule could: texts
    # it misses are skipped. CPython's IGNORECASE is ~10x slower, and most captions are clean.
    prefilter: re.Pattern[str] | None = None
    words: KeyWords = NO_KEY_WORDS
    topics: tuple[TopicVocabulary, ...] = ()
    topic_prefilter: re.Pattern[str] | None = None  # matches wherever any topic's words could

    def get(self, rule_id: str) -> Rule | None:
        """The rule with id `rule_id`, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


# ---------------------------------------------------------------- loading


def load_rules(extra_path: Path | str | None = None) -> RuleSet:
    """Load the shipped rules, plus an optional private rule file (same format).

    The extra file may add `rules:` (ids must be new), `extend:` shipped rules with more
    patterns, and add `vocabulary:` entries. Raises SpecError with located issues.
    """
    base_doc, base = _read(DEFAULT_PATH)
    specs: list[RuleSpec] = list(base.rules)
    # rule id -> its patterns, each with where it was written (for error locations)
    sources: dict[str, list[tuple[str, Document, tuple]]] = {
        r.id: [(p, base_doc, ("rules", i, "patterns", j)) for j, p in enumerate(r.patterns)]
        for i, r in enumerate(base.rules)}
    vocabulary = dict(base.vocabulary)
    extra: RuleFile | None = None
    if extra_path is not None:
        doc, extra = _read(Path(extra_path))
        issues = [doc.issue(("rules", i, "id"), f"rule id {r.id!r} already exists; use `extend:` to add "
                            "patterns to it") for i, r in enumerate(extra.rules) if r.id in sources]
        issues += [doc.issue(("extend", i, "id"), f"no rule {x.id!r} to extend")
                   for i, x in enumerate(extra.extend) if x.id not in sources and
                   all(r.id != x.id for r in extra.rules)]
        if issues:
            raise SpecError(issues)
        vocabulary.update(extra.vocabulary)
        specs += extra.rules
        for i, r in enumerate(extra.rules):
            sources[r.id] = [(p, doc, ("rules", i, "patterns", j)) for j, p in enumerate(r.patterns)]
        for i, x in enumerate(extra.extend):
            sources[x.id] += [(p, doc, ("extend", i, "patterns", j)) for j, p in enumerate(x.patterns)]
    issues = []
    compiled = [_compile(spec, sources[spec.id], vocabulary, issues) for spec in specs]
    topics = [_compile_topic(name, spec, base_doc, vocabulary, issues) for name, spec in base.topics.items()]
    if issues:
        raise SpecError(issues)
    every = [p.pattern for t in topics for p in t.words]
    return RuleSet(base.languages, tuple(compiled), _prefilter(compiled), _key_words(base, extra), tuple(topics),
                   re.compile("|".join(f"(?:{p})" for p in every), re.IGNORECASE) if every else None)


def _key_words(*files: RuleFile | None) -> KeyWords:
    fuzzy, exact, not_words = set(), set(), set()
    for f in files:
        if f is not None:
            fuzzy.update(w.lower() for w in f.key_words.fuzzy)
            exact.update(w.lower() for w in f.key_words.exact)
            not_words.update(w.lower() for w in f.key_words.not_misspellings)
    return KeyWords(frozenset(fuzzy), frozenset(exact), frozenset(not_words))


def _compile_topic(name: str, spec: TopicSpec, doc: Document, vocabulary: dict[str, str],
                   issues: list[Issue]) -> TopicVocabulary:
    compiled: dict[str, list[re.Pattern[str]]] = {"words": [], "not": []}
    for key, patterns in (("words", spec.words), ("not", spec.not_)):
        for j, raw in enumerate(patterns):
            pattern = _expand(raw, vocabulary, doc, ("topics", name, key, j), f"topic {name}", issues)
            if pattern is not None:
                compiled[key].append(pattern)
    return TopicVocabulary(name, tuple(compiled["words"]), tuple(compiled["not"]), spec.examples)


def _prefilter(rules: list[Rule]) -> re.Pattern[str] | None:
    """The combined lower-case regex, or None when lower-casing could change what matches."""
    sources = [p.pattern for r in rules for p in r.patterns]
    if any(_has_cased_non_ascii(src) or re.search(r"\\[NuUx]", src) for src in sources):
        return None
    try:
        return re.compile("|".join(f"(?:{_lower_outside_escapes(src)})" for src in sources))
    except re.error:
        return None


def _lower_outside_escapes(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


def _has_cased_non_ascii(text: str) -> bool:
    # ASCII letters lower-case exactly as IGNORECASE folds them; non-ASCII letters may not (ſ, K)
    return not text.isascii() and any(not c.isascii() and c.lower() != c.upper() for c in text)


def _read(path: Path) -> tuple[Document, RuleFile]:
    doc = load_document(path, kind="lint rule file")
    try:
        return doc, RuleFile.model_validate(doc.data)
    except ValidationError as exc:
        raise SpecError(translate_validation_error(exc, doc, root=RuleFile)) from None


def _compile(spec: RuleSpec, sources: list[tuple[str, Document, tuple]], vocabulary: dict[str, str],
             issues: list[Issue]) -> Rule:
    out = []
    for raw, doc, loc in sources:
        pattern = _expand(raw, vocabulary, doc, loc, spec.id, issues)
        if pattern is not None:
            out.append(pattern)
    return Rule(spec.id, spec.severity, tuple(out), spec.reason, spec.suggestion, spec.source,
                spec.lived_experience == "downgrade", spec.examples)




def _expand(raw: str, vocabulary: dict[str, str], doc: Document, loc: tuple, what: str,
            issues: list[Issue]) -> re.Pattern[str] | None:
    missing = [m for m in _MACRO.findall(raw) if m not in vocabulary]
    if missing:
        issues.append(doc.issue(loc, f"{what}: unknown vocabulary name {{{{{missing[0]}}}}}"))
        return None
    expanded = _MACRO.sub(lambda m: f"(?:{vocabulary[m.group(1)].strip()})", raw)
    try:
        return re.compile(expanded, re.IGNORECASE)
    except re.error as exc:
        issues.append(doc.issue(loc, f"{what}: not a valid regular expression: {exc}"))
        return None

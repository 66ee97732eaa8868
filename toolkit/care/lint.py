"""Safe-messaging language lint (standards reference §7.2), driven by `data/phrases.yaml`.

`lint_text` returns a `LintResult` that always says whether the text was checked at all: a
language with no rules is *not checked*, which callers must not read as clean. Hits carry
character offsets into the text so callers can map them to FILE:LINE:COL.

Lived-experience exception: first-person identity language ("my bipolar", "I'm a survivor") is
an info hit of its own rule, and a warning-level label framed in the first person ("I was
battling depression") is downgraded to info. Error rules are never downgraded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolkit.build.spec.loader import Document, load_document
from toolkit.errors import Issue, Severity, SpecError

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "phrases.yaml"
LivedExperience = Literal["none", "downgrade"]

_MACRO = re.compile(r"\{\{(\w+)\}\}")
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


# ---------------------------------------------------------------- the rule file (YAML boundary)


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


class RuleFile(_Model):
    """A whole rule file: the shipped one, or a private extra one."""

    version: Literal[1]
    languages: tuple[str, ...] = ("en",)
    vocabulary: dict[str, str] = Field(default_factory=dict)
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
class RuleSet:
    """Compiled rules for a set of languages. Build with `load_rules`; reuse across calls."""

    languages: tuple[str, ...]
    rules: tuple[Rule, ...]
    # One case-sensitive regex over lower-cased text that matches wherever any rule could: texts
    # it misses are skipped. CPython's IGNORECASE is ~10x slower, and most captions are clean.
    prefilter: re.Pattern[str] | None = None

    def get(self, rule_id: str) -> Rule | None:
        """The rule with id `rule_id`, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


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
            message = f"“{hit.matched}”: {hit.reason} {hit.suggestion}"
            out.append(Issue(message, path=path, file=file, line=line + first_line - 1, col=col,
                             severity=hit.severity, code=hit.rule_id))
        return out


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


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
    if issues:
        raise SpecError(issues)
    return RuleSet(base.languages, tuple(compiled), _prefilter(compiled))


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
        raise SpecError([doc.issue(e["loc"], _plain(e)) for e in exc.errors(include_url=False)]) from None


def _plain(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key `{err['loc'][-1]}`"
    if err["type"] == "value_error":
        return str((err.get("ctx") or {}).get("error", err["msg"]))
    return str(err["msg"])


def _compile(spec: RuleSpec, sources: list[tuple[str, Document, tuple]], vocabulary: dict[str, str],
             issues: list[Issue]) -> Rule:
    out = []
    for raw, doc, loc in sources:
        missing = [m for m in _MACRO.findall(raw) if m not in vocabulary]
        if missing:
            issues.append(doc.issue(loc, f"{spec.id}: unknown vocabulary name {{{{{missing[0]}}}}}"))
            continue
        expanded = _MACRO.sub(lambda m: f"(?:{vocabulary[m.group(1)].strip()})", raw)
        try:
            out.append(re.compile(expanded, re.IGNORECASE))
        except re.error as exc:
            issues.append(doc.issue(loc, f"{spec.id}: not a valid regular expression: {exc}"))
    return Rule(spec.id, spec.severity, tuple(out), spec.reason, spec.suggestion, spec.source,
                spec.lived_experience == "downgrade", spec.examples)


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
    if rules.prefilter is not None and not _has_cased_non_ascii(text) \
            and not rules.prefilter.search(text.lower()):
        return LintResult(language, True, ())
    hits: list[tuple[int, int, int, LintHit]] = []
    for order, rule in enumerate(rules.rules):
        for start, end in _spans(rule, text):
            hits.append((start, end, order, _hit(rule, text, start, end)))
    hits.sort(key=lambda h: h[:3])
    return LintResult(language, True, tuple(h[3] for h in hits))


def _spans(rule: Rule, text: str) -> list[tuple[int, int]]:
    """Non-overlapping matches of any of the rule's patterns; the earliest, then longest, wins."""
    found = sorted((m.start(), -m.end()) for p in rule.patterns for m in p.finditer(text)
                   if m.end() > m.start())
    kept: list[tuple[int, int]] = []
    for start, neg_end in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, -neg_end))
    return kept


def _hit(rule: Rule, text: str, start: int, end: int) -> LintHit:
    if rule.downgrade_first_person and _first_person(text, start):
        return LintHit(rule.id, "info", start, end, text[start:end],
                       "Lived-experience exception: first-person words chosen by the speaker. " + rule.reason,
                       rule.suggestion + " Keep the speaker's own words if that is their choice.",
                       downgraded_from=rule.severity)
    return LintHit(rule.id, rule.severity, start, end, text[start:end], rule.reason, rule.suggestion)


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
        single = RuleSet(rules.languages, (rule,))
        for kind, texts, want in (("bad", rule.examples.bad, rule.severity),
                                  ("lived_experience", rule.examples.lived_experience, "info"),
                                  ("good", rule.examples.good, None)):
            for text in texts:
                got = {h.severity for h in lint_text(text, rules=single).hits}
                if (want is None and got) or (want is not None and want not in got):
                    problems.append(f"{rule.id}: {kind} example {text!r} gave {sorted(got) or 'no hit'}")
    return problems

"""The safe-messaging lint (standards reference §7.2): rules from data, offsets, lived experience."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.care.lint import (
    Rule,
    RuleSet,
    check_examples,
    line_col,
    lint_text,
    load_rules,
    supported_languages,
)
from toolkit.errors import SpecError

# Loaded once for parametrisation: every rule's own examples become test cases.
RULES = load_rules()


def _hits(text: str, rule_id: str | None = None) -> list:
    return [h for h in lint_text(text, rules=RULES).hits if rule_id is None or h.rule_id == rule_id]


# ---------------------------------------------------------------- each rule's own examples


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_bad_examples_hit_at_the_rule_severity(rule: Rule) -> None:
    for text in rule.examples.bad:
        severities = [h.severity for h in _hits(text, rule.id)]
        assert severities == [rule.severity], f"{text!r} -> {severities}"


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_good_examples_do_not_hit(rule: Rule) -> None:
    for text in rule.examples.good:
        assert _hits(text, rule.id) == [], text


@pytest.mark.parametrize("rule", [r for r in RULES.rules if r.examples.lived_experience], ids=lambda r: r.id)
def test_lived_experience_examples_are_info(rule: Rule) -> None:
    for text in rule.examples.lived_experience:
        hits = _hits(text, rule.id)
        assert [(h.severity, h.downgraded_from) for h in hits] == [("info", "warning")], text


def test_check_examples_reports_nothing_for_the_shipped_rules() -> None:
    assert check_examples(RULES) == []


# ---------------------------------------------------------------- coverage of the reference table


# Each row of §7.2, by its first words, and the rule that implements it.
TABLE_ROWS = {
    "commit / commits / committed / committing suicide": ("committed-suicide", "error"),
    "successful suicide; completed suicide": ("successful-suicide", "error"),
    "unsuccessful suicide; failed suicide; failed attempt; suicide bid": ("failed-suicide", "error"),
    "suicide epidemic; skyrocketing; soaring; hotspot": ("sensational-rates", "warning"),
    "figurative use": ("figurative-suicide", "warning"),
    "suicide victim; victim of suicide": ("suicide-victim", "warning"),
    "without warning; inexplicable; out of nowhere": ("without-warning", "warning"),
    "single-cause constructions": ("single-cause", "warning"),
    "method or means terms": ("method-means", "error"),
    "location specifics of a death or attempt": ("death-location", "error"),
    "suicide-note content": ("suicide-note", "error"),
    "glamorising or solution framing": ("glamorising-solution", "error"),
    "self-harm imagery or descriptions": ("self-harm-description", "error"),
    "mental-illness labels used as nouns": ("label-as-noun", "warning"),
    "suffers from, battling, victim of, afflicted with": ("battle-metaphor", "warning"),
    "slurs": ("slur", "error"),
    "attention-seeking, cry for help, manipulative": ("attention-seeking", "warning"),
    "lived-experience exception": ("lived-experience-identity", "info"),
}


@pytest.mark.parametrize(("row", "expected"), TABLE_ROWS.items(), ids=list(TABLE_ROWS))
def test_every_reference_row_has_a_rule_with_its_severity(row: str, expected: tuple[str, str]) -> None:
    rule = RULES.get(expected[0])
    assert rule is not None, row
    assert rule.severity == expected[1]
    assert rule.source and rule.reason and rule.suggestion


# Hand-written sentences, not copied from the YAML, one or more per table row.
EXTERNAL = [
    ("Police said the man had committed suicide.", "committed-suicide", "error"),
    ("She commits suicide in the final act.", "committed-suicide", "error"),
    ("His completed suicide shocked the town.", "successful-suicide", "error"),
    ("It was her second failed attempt.", "failed-suicide", "error"),
    ("Teen suicide bids are rising.", "failed-suicide", "error"),
    ("the suicide epidemic among young men", "sensational-rates", "warning"),
    ("Suicide rates skyrocketed in 2020.", "sensational-rates", "warning"),
    ("Quitting now would be career suicide.", "figurative-suicide", "warning"),
    ("Families of suicide victims met today.", "suicide-victim", "warning"),
    ("His death came out of the blue.", "without-warning", "warning"),
    ("She killed herself because of exam results.", "single-cause", "warning"),
    ("He took his life after losing the farm.", "single-cause", "warning"),
    ("Reports say she took an overdose.", "method-means", "error"),
    ("He jumped off the multi-storey car park.", "method-means", "error"),
    ("She ended her life at the Clifton bridge.", "death-location", "error"),
    ("The note read like a goodbye.", "suicide-note", "error"),
    ("Now he's finally free.", "glamorising-solution", "error"),
    ("People called it a cowardly act.", "glamorising-solution", "error"),
    ("She showed me the cuts on her arms.", "self-harm-description", "error"),
    ("The schizophrenic next door was kind.", "label-as-noun", "warning"),
    ("people suffering with depression", "battle-metaphor", "warning"),
    ("She was afflicted by an eating disorder.", "battle-metaphor", "warning"),
    ("That's crazy.", "slur", "error"),
    ("They sent him to the loony bin.", "slur", "error"),
    ("She's just attention seeking.", "attention-seeking", "warning"),
    ("my OCD tells me lies", "lived-experience-identity", "info"),
]


@pytest.mark.parametrize(("text", "rule_id", "severity"), EXTERNAL, ids=[e[0] for e in EXTERNAL])
def test_external_examples_from_the_reference_rows(text: str, rule_id: str, severity: str) -> None:
    assert [h.severity for h in _hits(text, rule_id)] == [severity]


def test_safe_help_seeking_text_has_no_hits() -> None:
    text = ("He died by suicide in 2019 and we miss him every day. Looking back, there were signs. "
            "I felt hopeless for a long time, and talking to Samaritans helped me. If you are struggling, "
            "support is available 24/7: call 116 123. Recovery is possible, and a note was found.")
    result = lint_text(text, rules=RULES)
    assert result.checked and result.passed
    assert result.hits == ()


# ---------------------------------------------------------------- lived experience


@pytest.mark.parametrize(("text", "rule_id", "severity"), [
    ("I was battling depression for years.", "battle-metaphor", "info"),
    ("I’ve been suffering from anxiety.", "battle-metaphor", "info"),  # curly apostrophe
    ("“I’m a schizophrenic,” he laughed.", "label-as-noun", "info"),
    ("My brother was battling depression.", "battle-metaphor", "warning"),
    ("I think she suffers from anxiety.", "battle-metaphor", "warning"),
    ("I think Sam suffers from anxiety.", "battle-metaphor", "warning"),
    ("I told them. He was battling depression.", "battle-metaphor", "warning"),
    ("my schizophrenia is part of me", "lived-experience-identity", "info"),
    ("“I'm a survivor,” she said.", "lived-experience-identity", "info"),
])
def test_first_person_framing_is_info_and_third_person_is_not(text: str, rule_id: str, severity: str) -> None:
    assert [h.severity for h in _hits(text, rule_id)] == [severity]


def test_a_downgraded_hit_says_why() -> None:
    (hit,) = _hits("I was battling depression.")
    assert hit.downgraded_from == "warning"
    assert hit.reason.startswith("Lived-experience exception: first-person words chosen by the speaker.")


@pytest.mark.parametrize("text", ["I used to cut myself.", "I felt crazy.", "I took an overdose."])
def test_error_rules_are_never_downgraded_by_first_person(text: str) -> None:
    assert [h.severity for h in _hits(text)] == ["error"]


def test_a_rule_file_cannot_downgrade_an_error_rule(tmp_path: Path) -> None:
    extra = tmp_path / "private.yaml"
    extra.write_text("""version: 1
rules:
  - id: private-term
    severity: error
    lived_experience: downgrade
    patterns: ['\\bzzz\\b']
    reason: r-r
    suggestion: s-s
    source: private
    examples: {bad: [zzz]}
""", encoding="utf-8")
    with pytest.raises(SpecError, match="only warning rules can be downgraded for lived experience; errors "
                                        "never are"):
        load_rules(extra)


# ---------------------------------------------------------------- offsets and result shape


def test_offsets_point_into_the_text_and_map_to_line_and_column() -> None:
    text = "A calm opening line.\nThen he committed suicide, they said."
    (hit,) = lint_text(text, rules=RULES).hits
    assert (hit.rule_id, hit.severity) == ("committed-suicide", "error")
    assert text[hit.start:hit.end] == hit.matched == "committed suicide"
    assert hit.start == text.index("committed")
    assert line_col(text, hit.start) == (2, 9)
    (issue,) = lint_text(text, rules=RULES).to_issues(text, file=Path("sb.yaml"), path="scenes[0].text",
                                                       first_line=10, first_col=7)
    assert (issue.line, issue.col, issue.code) == (11, 9, "committed-suicide")
    assert issue.format().startswith("sb.yaml:11:9: scenes[0].text: “committed suicide”: \"Commit\" links")


def test_hits_are_ordered_and_one_rule_does_not_double_count_a_span() -> None:
    text = "After a failed suicide attempt she was a suicide victim."
    hits = lint_text(text, rules=RULES).hits
    assert [(h.rule_id, h.matched) for h in hits] == [("failed-suicide", "failed suicide"),
                                                      ("suicide-victim", "suicide victim")]
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_inflections_are_covered() -> None:
    for verb in ("commit", "commits", "committed", "committing"):
        assert _hits(f"to {verb} suicide", "committed-suicide"), verb


def test_an_unsupported_language_is_not_checked_rather_than_clean() -> None:
    result = lint_text("He committed suicide.", language="fr", rules=RULES)
    assert result.checked is False
    assert result.passed is False
    assert result.hits == ()
    assert result.reason.startswith("not checked for safe-messaging language: there are no lint rules for "
                                    "language 'fr' (supported: en)")
    with pytest.raises(TypeError, match="not a boolean"):
        bool(result)
    (issue,) = result.to_issues("He committed suicide.", file=Path("sb.yaml"))
    assert (issue.severity, issue.code) == ("warning", "lint-not-checked")


def test_regional_language_tags_count_as_their_language() -> None:
    assert supported_languages(RULES) == ("en",)
    assert lint_text("He committed suicide.", language="en-GB", rules=RULES).checked
    assert not lint_text("He committed suicide.", language="en-GB", rules=RULES).passed


# ---------------------------------------------------------------- private rule files


def test_a_private_file_can_extend_a_rule_and_add_one(tmp_path: Path) -> None:
    extra = tmp_path / "private.yaml"
    extra.write_text("""version: 1
vocabulary:
  thing: 'widget|gizmo'
extend:
  - id: method-means
    patterns: ['\\bexample-means-term\\b']
rules:
  - id: private-thing
    severity: warning
    patterns: ['\\b{{thing}}s?\\b']
    reason: A private reason.
    suggestion: A private suggestion.
    source: in-house review
    examples: {bad: [a gizmo], good: [a gadget]}
""", encoding="utf-8")
    rules = load_rules(extra)
    assert [h.rule_id for h in lint_text("an example-means-term here", rules=rules).hits] == ["method-means"]
    assert [h.rule_id for h in lint_text("two widgets", rules=rules).hits] == ["private-thing"]
    assert check_examples(rules) == []
    assert lint_text("an example-means-term here", rules=RULES).hits == ()


@pytest.mark.parametrize(("body", "line", "message"), [
    ("extend:\n  - id: no-such-rule\n    patterns: ['x']\n", 3, "no rule 'no-such-rule' to extend"),
    ("extend:\n  - id: slur\n    patterns: ['(unclosed']\n", 4, "slur: not a valid regular expression"),
    ("extend:\n  - id: slur\n    patterns: ['{{nope}}']\n", 4, "slur: unknown vocabulary name {{nope}}"),
    ("rules:\n  - id: slur\n    severity: error\n    patterns: [x]\n    reason: rrr\n    suggestion: sss\n"
     "    source: src\n    examples: {bad: [x]}\n", 3, "rule id 'slur' already exists; use `extend:`"),
    ("rules:\n  - id: x-rule\n    severity: fatal\n    patterns: [x]\n    reason: rrr\n    suggestion: sss\n"
     "    source: src\n    examples: {bad: [x]}\n", 4, "'fatal' is not one of 'error', 'warning' or 'info'"),
])
def test_private_file_mistakes_are_located(tmp_path: Path, body: str, line: int, message: str) -> None:
    extra = tmp_path / "private.yaml"
    extra.write_text("version: 1\n" + body, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_rules(extra)
    issue = err.value.issues[0]
    assert issue.file == extra
    assert issue.line == line
    assert message in issue.message


def test_rules_can_be_built_and_used_without_the_yaml_file() -> None:
    rule = RULES.get("slur")
    assert rule is not None
    only = RuleSet(("en",), (rule,))
    assert [h.rule_id for h in lint_text("He committed suicide, that's mad.", rules=only).hits] == ["slur"]


# ---------------------------------------------------------------- the fast path


def _every_example() -> list[str]:
    texts = [t for r in RULES.rules for t in (*r.examples.bad, *r.examples.good, *r.examples.lived_experience)]
    return texts + [e[0] for e in EXTERNAL]


def test_the_prefilter_never_changes_the_result() -> None:
    assert RULES.prefilter is not None
    full_scan = RuleSet(RULES.languages, RULES.rules)  # no prefilter
    for text in _every_example():
        for variant in (text, text.upper(), text.title(), f"“{text}” – she said"):
            assert lint_text(variant, rules=RULES) == lint_text(variant, rules=full_scan), variant


def test_cased_non_ascii_text_takes_the_full_scan() -> None:
    # U+017F LONG S matches "s" under IGNORECASE but lower-cases to itself, so the lower-case
    # prefilter would miss it: such texts must take the full scan
    text = "Rates are \u017foaring."
    assert [h.rule_id for h in lint_text(text, rules=RULES).hits] == ["sensational-rates"]

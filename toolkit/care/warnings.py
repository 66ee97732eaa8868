"""The opening content-warning slate: when it is required, what it says, how long it stays up.

Standards reference §8.1: a storyboard tagged suicide, self-harm or eating disorders opens with a
slate saying which topics appear, that help details are at the end, and that it is fine to skip.
It stays on screen for at least max(3 s, 0.3 s per word + 1 s for the label).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.care.reading import reading_time

if TYPE_CHECKING:
    from toolkit.care.rules import RuleSet

# Only the topics §8.1 names. The reference gives no basis for warning on other topics, so a
# film about depression alone gets no mandatory slate (an author may still add one).
FLAGGED_TOPICS: frozenset[str] = frozenset({"suicide", "self-harm", "eating-disorders"})

# Slate order and wording: the words a viewer reads, not the storyboard tags.
_SLATE_WORDS: tuple[tuple[str, str], ...] = (
    ("suicide", "suicide"),
    ("self-harm", "self-harm"),
    ("eating-disorders", "eating disorders"),
)

# Spellings authors use for the same tag; the storyboard vocabulary is the canonical form.
TOPIC_ALIASES: dict[str, str] = {
    "eating-disorder": "eating-disorders",
    "selfharm": "self-harm",
    "self-injury": "self-harm",
}

SLATE_MIN_SECONDS = Fraction(3)
LABEL_SECONDS = Fraction(1)


def normalize_topic(topic: str) -> str:
    """The canonical tag for `topic`: lower case, hyphens for spaces/underscores, known aliases."""
    tag = "-".join(topic.strip().lower().replace("_", " ").split())
    return TOPIC_ALIASES.get(tag, tag)


def requires_content_warning(topics: Iterable[str]) -> bool:
    """True when any topic needs an opening content-warning slate (§8.1)."""
    return any(normalize_topic(t) in FLAGGED_TOPICS for t in topics)


def content_warning_text(topics: Iterable[str]) -> str:
    """Plain, kind slate text naming the flagged topics, e.g.

    "This video talks about suicide and self-harm. Support details are at the end.
    It's OK to skip or come back later."

    Raises ValueError when none of `topics` needs a warning, so a slate is never generated
    with an empty topic list.
    """
    tags = {normalize_topic(t) for t in topics}
    words = [word for tag, word in _SLATE_WORDS if tag in tags]
    if not words:
        flagged = ", ".join(tag for tag, _ in _SLATE_WORDS)
        raise ValueError(f"none of the topics needs a content warning (the flagged topics are {flagged})")
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return (
        f"This video talks about {listed}. Support details are at the end. "
        "It's OK to skip or come back later."
    )


def min_slate_seconds(text: str) -> float:
    """Minimum time on screen for slate `text`: max(3 s, 0.3 s × words + 1 s).

    The extra second is the reading allowance for the slate's label ("Content warning").
    Computed exactly (no float drift), e.g. 20 words -> 7.0.
    """
    seconds = max(SLATE_MIN_SECONDS, reading_time(text) + LABEL_SECONDS)
    return float(seconds)


# What a slate must say besides the topics: that support details follow, and where.
_SUPPORT = re.compile(r"\b(?:support|help|helplines?|resources?|services?|numbers?|contacts?|"
                      r"someone\s+to\s+talk\s+to)\b")
_FOLLOWS = re.compile(r"\b(?:end|after(?:wards)?|below|later|follow(?:s|ing)?|last|close|finish(?:es)?)\b")
_GENERAL_TOPIC = re.compile(r"\bmental\s+(?:health|illness(?:es)?)\b")
# "This video talks about feeling low": saying what a film without flagged topics covers.
_COVERS = re.compile(r"\b(?:talks?|talking|covers?|covering|mentions?|mentioning|discuss(?:es|ing)?|includes?|"
                     r"including|contains?|deals?\s+with|explores?)\b[^.!?\n]{0,20}?\b\w{3,}")


def suggested_warning_text(topics: Iterable[str]) -> str:
    """The wording to offer when a slate's own text falls short: the generated text for the topics."""
    if requires_content_warning(topics):
        return content_warning_text(topics)
    return "This video talks about mental health. Support details are at the end. It's OK to skip or come back later."


def warning_text_problems(text: str, topics: Iterable[str], rules: RuleSet) -> str:
    """Why a content-warning slate's `text` does not do its job, or "" when it does.

    It must name each flagged topic of the film in the lint catalogue's words (a film with none
    must name one of its topics or say what it covers: "talks about feeling low"), and say that
    support details follow.
    Read through the lint's normalisation, so disguised or split words count as written.
    """
    from toolkit.care.lint import find_topics, readings

    tags = [normalize_topic(t) for t in topics]
    reading = readings(text, rules)[0].text
    missing: list[str] = []
    flagged = [t for t, _ in _SLATE_WORDS if t in tags]
    if flagged:
        missing = [word for tag, word in _SLATE_WORDS if tag in flagged and not find_topics(text, rules, tag)]
    else:
        names = [re.escape(t.replace("-", " ")) for t in tags if t != "general"]
        if not (_GENERAL_TOPIC.search(reading) or _COVERS.search(reading)
                or any(re.search(rf"\b{n}\b", reading) for n in names)):
            missing = ["its subject (e.g. “This video talks about mental health.”)"]
    problems = []
    if missing:
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        problems.append(f"it does not say the film covers {listed}")
    if not (_SUPPORT.search(reading) and _FOLLOWS.search(reading)):
        problems.append("it does not say that support details follow (e.g. “Support details are at the end.”)")
    if not problems:
        return ""
    return ("a content-warning slate must say what the film covers and that support details follow: "
            + "; ".join(problems) + f". Suggested wording: “{suggested_warning_text(tags)}”")

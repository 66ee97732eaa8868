"""The opening content-warning slate: when it is required, what it says, how long it stays up.

Standards reference §8.1: a storyboard tagged suicide, self-harm or eating disorders opens with a
slate saying which topics appear, that help details are at the end, and that it is fine to skip.
It stays on screen for at least max(3 s, 0.3 s per word + 1 s for the label).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

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
SECONDS_PER_WORD = Fraction(3, 10)
LABEL_SECONDS = Fraction(1)


def normalize_topic(topic: str) -> str:
    """The canonical tag for `topic`: lower case, hyphens for spaces/underscores, known aliases."""
    tag = "-".join(topic.strip().lower().replace("_", " ").split())
    return TOPIC_ALIASES.get(tag, tag)


def count_words(text: str) -> int:
    """Words a viewer reads: whitespace-separated tokens with at least one letter or digit."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


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
    seconds = max(SLATE_MIN_SECONDS, SECONDS_PER_WORD * count_words(text) + LABEL_SECONDS)
    return float(seconds)

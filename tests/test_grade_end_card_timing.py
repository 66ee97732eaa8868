"""The end card is timed from the card (issue 13 §1): the final block of helpline text that stays
on screen until the end. A caption that quotes a helpline number earlier in the film, even right
before the card, is reported as "helpline mentioned in the film", never as the card's start.

Each clip is 10 s at 540×960: a caption, from 3.6 s a caption quoting Samaritans' and Shout's
numbers (two services: the case that used to start the card early), from 4.2 s the card. Samples
are taken every second (`DENSE_STEP`); the start is placed on the frame the picture changed,
or, where the footage moves too much to tell, on the first sample that reads the card (at
most one step late).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from grade_clips import CardTimingClips, welsh_card_texts

from toolkit.care.cardread import custom_service
from toolkit.geometry import Box
from toolkit.grade.checks.card_timing import CardLine, find_card, find_mentions, when_changed
from toolkit.grade.context import make_context
from toolkit.grade.grader import grade, observe
from toolkit.grade.ocr import DENSE_STEP, OcrEngine
from toolkit.grade.picture import PictureStats
from toolkit.grade.results import CheckResult, Observation
from toolkit.grade.rubric import load_rubric

MENTION, CARD, SECONDS = 3.6, 4.2, 10.0
FRAME = 1 / 30
MENTION_NOTE = ("helpline mentioned in the film at {:.1f} s: Samaritans (116 123), Shout (85258) "
                "(good practice; not the end card)")
FOUND = "found: Samaritans (116 123), Shout (85258)"

CLIPS: dict[str, Callable[[CardTimingClips], Path]] = {
    "mention": lambda m: m.mention_then_card("mention.mp4", mention=(MENTION, CARD), seconds=SECONDS),
    "welsh": lambda m: m.mention_then_card("welsh.mp4", mention=(MENTION, CARD), seconds=SECONDS,
                                           card=welsh_card_texts()),
    "testsrc2": lambda m: m.mention_then_card("testsrc2.mp4", mention=(MENTION, CARD), seconds=SECONDS,
                                              background="testsrc2", card_box=True),
    "noise": lambda m: m.mention_then_card("noise.mp4", mention=(MENTION, CARD), seconds=SECONDS,
                                           background="color=c=gray,noise=alls=100:allf=t", card_box=True),
    "fade": lambda m: m.mention_then_card("fade.mp4", mention=(MENTION, CARD), seconds=SECONDS, fade=1.0),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Callable[[str], tuple[CheckResult,
                                                                                           Observation]]:
    """Grade a clip (once) for region UK: the end-card result as reported, and the check's values."""
    maker = CardTimingClips(tmp_path_factory.mktemp("card-timing"), ffmpeg)
    engine, rubric, ctx = OcrEngine(), load_rubric(), make_context(region="UK", topics=["self-harm"])
    done: dict[str, tuple[CheckResult, Observation]] = {}

    def get(name: str) -> tuple[CheckResult, Observation]:
        if name not in done:
            report = grade(CLIPS[name](maker), rubric, context=ctx, ocr=engine)
            result = report.result("end-card")
            assert result is not None
            done[name] = (result, observe(report.media, report.measurements, ctx, {"end-card"})["end-card"])
        return done[name]
    return get


# ------------------------------------------------------------------ clips


def test_a_caption_quoting_two_helplines_does_not_start_the_card(graded) -> None:
    result, obs = graded("mention")
    # before: the card was timed from the caption (3.6 s, 6.4 s on screen)
    assert obs.values["starts_at"] == pytest.approx(CARD, abs=FRAME)
    assert obs.values["seconds"] == pytest.approx(SECONDS - CARD, abs=2 * FRAME)
    assert result.spans[0].start == pytest.approx(CARD, abs=FRAME)
    assert obs.values["mentioned_at"] == pytest.approx(MENTION, abs=FRAME)
    assert result.notes[0] == FOUND
    assert MENTION_NOTE.format(MENTION) in result.notes
    assert result.status == "pass"  # the mention is good practice, never a failure


def test_a_card_in_welsh_is_timed_and_counted_by_its_numbers(graded) -> None:
    result, obs = graded("welsh")
    assert obs.values["starts_at"] == pytest.approx(CARD, abs=FRAME)
    assert (obs.values["services"], obs.values["wrong_numbers"]) == (2, 0)
    assert result.notes[0] == FOUND
    assert MENTION_NOTE.format(MENTION) in result.notes
    assert any("Ffoniwch 116 123" in text for text in result.read)


def test_a_card_over_moving_footage_starts_on_its_cut(graded) -> None:
    # testsrc2 moves every frame; the card's cut stands out from that motion
    result, obs = graded("testsrc2")
    assert obs.values["starts_at"] == pytest.approx(CARD, abs=FRAME)
    assert obs.values["services"] == 2
    assert obs.values["mentioned_at"] == pytest.approx(MENTION, abs=FRAME)
    assert result.notes[0] == FOUND


def test_a_card_over_noise_is_timed_within_one_sample_step(graded) -> None:
    # every frame of noise changes as much as the cut: the first sample that reads the card stands
    result, obs = graded("noise")
    assert CARD <= obs.values["starts_at"] <= CARD + DENSE_STEP
    assert obs.values["seconds"] >= SECONDS - CARD - DENSE_STEP
    assert MENTION <= obs.values["mentioned_at"] <= MENTION + DENSE_STEP
    assert result.notes[0] == FOUND
    assert MENTION_NOTE.format(obs.values["mentioned_at"]) in result.notes


def test_a_card_that_fades_in_counts_from_halfway_through_its_fade(graded) -> None:
    result, obs = graded("fade")  # 1 s fade from 4.2 s: read at half strength at 4.7 s
    assert obs.values["starts_at"] == pytest.approx(CARD + 0.5, abs=2 * FRAME)
    assert obs.values["seconds"] == pytest.approx(SECONDS - CARD - 0.5, abs=3 * FRAME)
    assert obs.values["mentioned_at"] == pytest.approx(MENTION, abs=FRAME)
    assert result.notes[0] == FOUND


# ------------------------------------------------------------------ the rule, on readings


SAMARITANS = custom_service("Samaritans", call="116 123")
SHOUT = custom_service("Shout", text="85258")


def line(text: str, y: int, *services) -> CardLine:
    return CardLine(text, Box(300, y, 480, 40), tuple(services))


CAPTION = (line("I called Samaritans on 116 123", 1000, SAMARITANS), line("and texted SHOUT to 85258", 1080, SHOUT))
FULL = (line("You don't have to go through this alone", 420), line("Call 116 123", 716, SAMARITANS),
        line("Text SHOUT to 85258", 962, SHOUT))


def test_the_card_is_the_last_block_and_the_caption_before_it_a_mention() -> None:
    lines = [(), CAPTION, FULL, FULL]
    assert find_card(lines) is not None and (find_card(lines).first, find_card(lines).last) == (2, 3)
    [mention] = find_mentions(lines, 2)
    assert (mention.first, mention.last, [s.name for s in mention.services]) == (1, 1, ["Samaritans", "Shout"])


def test_the_card_must_stay_until_the_end() -> None:
    thanks = (line("Thanks for watching", 900),)
    assert find_card([FULL, FULL, thanks]) is None  # other text follows: not an end card
    assert find_card([CAPTION, FULL, ()]).last == 1  # a blank (fade to black) tail is allowed
    assert find_card([FULL, FULL, FULL[:2]]).first == 0  # fading out: its own lines only
    assert find_card([(), ()]) is None


def test_a_card_read_in_part_while_it_fades_in_starts_when_two_services_are_read() -> None:
    partial = (line("Cal 116 123", 716, SAMARITANS),)  # one service readable at half strength
    misread = (line("You dont have to", 420), line("Call 116 I23", 716, SAMARITANS), line("Text SH0UT to 85258", 962,
                                                                                      SHOUT))
    card = find_card([CAPTION, partial, misread, FULL])
    assert card is not None and card.first == 2


def test_a_number_quoted_at_the_cards_place_in_other_words_is_not_the_card() -> None:
    quoted = (line("Samaritans helped me: 116 123", 716, SAMARITANS), line("so did SHOUT, text 85258", 962, SHOUT))
    assert find_card([quoted, FULL, FULL]).first == 1


# ------------------------------------------------------------------ the start, on picture changes


def stats(change: list[float], fps: int = 10) -> PictureStats:
    n = len(change)
    zeros = np.zeros(n)
    return PictureStats(np.arange(n) / fps, zeros, zeros.astype(bool), np.asarray(change, float), zeros, (), (),
                        1 / fps)


def test_a_cut_on_a_still_picture_is_its_frame() -> None:
    pic = stats([0.0] * 12 + [6.0] + [0.01] * 7)  # cut at 1.2 s, sampled at 1.0 and 1.9 s
    assert when_changed(pic, 1.0, 1.9, last=True) == pytest.approx(1.2)
    assert when_changed(pic, 0.0, 0.9, last=True) is None


def test_slow_footage_behind_a_card_is_not_taken_for_a_fade() -> None:
    # small changes every frame for 3 s (a slow pan), the card cut in at 1.5 s
    pic = stats([0.3] * 15 + [5.0] + [0.3] * 15)
    assert when_changed(pic, 1.0, 2.0, last=True) == pytest.approx(1.5)
    assert when_changed(stats([0.3] * 31), 1.0, 2.0, last=True) is None  # no cut: the sample's time stands


def test_on_moving_footage_only_a_change_that_stands_out_is_a_cut() -> None:
    assert when_changed(stats([2.0] * 15 + [9.0] + [2.0] * 15), 1.0, 2.0, last=True) == pytest.approx(1.5)
    assert when_changed(stats([40.0, 60.0] * 15), 1.0, 2.0, last=True) is None  # noise: no frame stands out

"""The end card keeps its designed sizes while its services fit, shrinks only as a last resort and
never below the smallest sizes a template may design; every variant is read back from the pixels.

Sizes are checked on the 1080×1920 plan; the renders are 540 px drafts of a 2 s film, read back
by the card check (`toolkit.film.cardcheck`) exactly as `reel render --draft` does.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest

from toolkit.care.endcard import end_card_lines, select_end_card
from toolkit.care.helplines import load_directory
from toolkit.errors import SpecError
from toolkit.film.pipeline import DRAFT_WIDTH, FontMeasurer, prepare
from toolkit.film.plan.card_layout import MIN_HEADING_SIZE, MIN_TEXT_SIZE, card_parts, fit_card
from toolkit.film.plan.inputs import EndCardContent, EndCardService, Fonts
from toolkit.film.plan.timeline import TextBlock, Timeline
from toolkit.film.render import render_film
from toolkit.film.template.loader import available_templates, load_template, resolve_font, template_folders
from toolkit.geometry import REFERENCE_SAFE

SCENE = "scenes:\n  - background: '#264653'\n    duration: 2s\n    captions: Some days are hard.\n"
HARBOUR = "    - name: Harbour Youth Line\n      call: 0800 123 4567\n      hours: Mon to Fri, 9am to 5pm\n"
HARBOUR_TEXT = "    - name: Harbour Text\n      text: '60777'\n      web: harbour.example.org\n"


def storyboard(folder: Path, head: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(f"title: Card layout\nregion: UK\n{head}{SCENE}", encoding="utf-8")
    return path


def card_text(timeline: Timeline) -> list[tuple[int, str]]:
    """(size, line) of every end-card line, in reading order."""
    card = next(o for o in timeline.overlays if o.kind == "end_card")
    return [(b.size, line.text) for b in card.blocks if isinstance(b, TextBlock) for line in b.lines]


def inside_safe_box(timeline: Timeline) -> bool:
    card = next(o for o in timeline.overlays if o.kind == "end_card")
    return all(REFERENCE_SAFE.contains(b.bounds) for b in card.blocks if isinstance(b, TextBlock))


CASES = {
    # directory services (Samaritans, Shout) + customs: 2, 3 and 4 services
    "two": ("", 2),
    "three, one custom": ("end_card:\n  custom_services:\n" + HARBOUR, 3),
    "four, two custom": ("end_card:\n  custom_services:\n" + HARBOUR + HARBOUR_TEXT, 4),
}


@pytest.mark.parametrize("case", CASES)
def test_the_card_keeps_its_designed_sizes_while_the_services_fit(tmp_path: Path, case: str) -> None:
    head, services = CASES[case]
    prepared = prepare(storyboard(tmp_path, head))
    lines = card_text(prepared.timeline)
    assert inside_safe_box(prepared.timeline)
    assert len(prepared.selection.services) + len(prepared.loaded.storyboard.end_card.custom_services) == services
    sizes = {text: size for size, text in lines}
    assert lines[0][0] == 64  # the heading
    for text in ("Samaritans", "Call 116\u00a0123", "Shout", "Text SHOUT to 85258"):
        assert sizes[text] == 50, lines  # the designed size, not the 36 px of earlier Reels
    if services >= 3:
        assert sizes["Call 0800\u00a0123\u00a04567"] == 50
        assert sizes["Mon to Fri, 9am to 5pm"] == 40  # limited hours are never left out
    infos = [w.message for w in prepared.warnings if w.severity == "info" and "Open 24/7" in w.message]
    if services == 4:  # room was found by leaving out the round-the-clock lines
        assert "Open 24/7" not in sizes
        assert infos == ["the end card leaves out “Open 24/7” under Samaritans and Shout to keep its text at its "
                         "designed size"]
    else:
        assert sizes["Open 24/7"] == 40 and not infos


@pytest.mark.render
@pytest.mark.parametrize("case", CASES)
def test_every_card_variant_is_read_back_from_the_pixels(tmp_path: Path, case: str) -> None:
    head, services = CASES[case]
    prepared = prepare(storyboard(tmp_path, head), width=DRAFT_WIDTH)
    result = render_film(prepared, tmp_path / "film.mp4", draft=True)
    assert result.card is not None and result.output.exists()
    assert len(result.card.services) == services
    assert "Samaritans" in result.card.services and "Shout" in result.card.services
    if services >= 3:
        assert "Harbour Youth Line" in result.card.services
    if services == 4:
        assert "Harbour Text" in result.card.services


@pytest.mark.render
def test_a_card_grouped_tight_keeps_its_hours_and_is_read_back(tmp_path: Path) -> None:
    # a requested line with a two-line name, two contacts and limited hours: the services' lines
    # close up (no gap inside a service) and every line keeps its designed size, "Open 24/7" too
    path = storyboard(tmp_path, "end_card:\n  services: [uk-rethink-advice]\n")
    lines = card_text(prepare(path).timeline)
    assert {size for size, _ in lines} == {64, 50, 40}
    assert [text for _, text in lines].count("Open 24/7") == 2
    result = render_film(prepare(path, width=DRAFT_WIDTH), tmp_path / "tight.mp4", draft=True)
    assert result.card is not None
    assert result.card.services == ("Samaritans", "Shout", "Rethink Mental Illness Advice Service")


@pytest.mark.render
def test_a_card_that_must_shrink_stays_readable_and_is_read_back(tmp_path: Path) -> None:
    # two crisis lines, a topic line and a requested line with two contacts, limited hours and a
    # two-line name: the fullest card the UK directory makes. It shrinks, never below the minimums.
    path = storyboard(tmp_path, "topics: [eating-disorders]\nend_card:\n  services: [uk-rethink-advice]\n")
    full = card_text(prepare(path).timeline)
    assert min(size for size, _ in full) >= 32  # hours lines, at 80 % like the designed card
    assert all(size >= MIN_TEXT_SIZE for size, text in full if any(ch.isdigit() for ch in text) and "am" not in text)
    assert [size for size, text in full if "116" in text] == [45]  # it did have to shrink, but not to 36 px
    result = render_film(prepare(path, width=DRAFT_WIDTH), tmp_path / "full.mp4", draft=True)
    assert result.card is not None and len(result.card.services) == 4


def test_a_card_that_cannot_fit_at_a_readable_size_is_a_located_error(tmp_path: Path) -> None:
    message = " ".join(["Whatever you are going through, you can talk to someone who will listen."] * 4)
    head = f"end_card:\n  message: {message}\n  custom_services:\n" + HARBOUR + HARBOUR_TEXT
    path = storyboard(tmp_path, head)
    with pytest.raises(SpecError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (4, "end_card.message")
    assert issue.message == ("the helpline end card is too long to fit inside the safe box even with its text at "
                             f"{MIN_TEXT_SIZE} px (the heading at {MIN_HEADING_SIZE} px); shorten its heading or "
                             "message, or list fewer custom services and name them in the post text")
    heading = " ".join(["You are not alone and you never have to go through any of this on your own."] * 8)
    path = storyboard(tmp_path, f"end_card:\n  heading: {heading}\n", "heading.yaml")
    with pytest.raises(SpecError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (4, "end_card.heading")
    assert issue.message.startswith("the helpline end card is too long to fit inside the safe box")


TOPICS = ("suicide", "self-harm", "eating-disorders", "psychosis", "depression", "anxiety", "medication", "bipolar",
          "trauma", "substance-use", "grief", "loneliness")


@pytest.mark.parametrize("template", available_templates())
def test_every_card_the_directory_chooses_fits_every_shipped_template(template: str) -> None:
    """Whatever region and topics a trainee picks, the chosen services fit at a readable size."""
    resolved = load_template(template)
    folders = template_folders(resolved.folder.parent, resolved.chain)
    tpl = resolved.template
    fonts = Fonts(*(resolve_font(getattr(tpl.fonts, role), *folders) for role in ("heading", "body", "captions")))
    directory, measurer, seen = load_directory(), FontMeasurer(), set()
    for region in ("UK", "IE", "US", "CA", "AU", "NZ"):
        for topics in itertools.chain.from_iterable(itertools.combinations(TOPICS, k) for k in range(3)):
            selection = select_end_card(directory, region, topics)
            if (key := tuple(e.id for e in selection.services)) in seen:
                continue
            seen.add(key)
            services = tuple(EndCardService(ln.name.nonbreaking(), tuple(c.nonbreaking() for c in ln.contacts),
                                            ln.hours.text) for ln in end_card_lines(selection))
            parts = card_parts(EndCardContent(tpl.end_card.heading, services, 5.0), tpl, fonts)
            fit = fit_card(parts, measurer, Fraction(1))
            assert fit is not None, (template, key)
            assert min(fit.sizes) >= 32 and fit.sizes[0] >= MIN_HEADING_SIZE, (template, key, fit.sizes)
    assert len(seen) > 12

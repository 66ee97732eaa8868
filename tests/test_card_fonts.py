"""OCR-after-render: Reel reads its own end card back from the pixels and refuses to save a film
whose card does not show each chosen service's exact number, whatever drew it.

Drafts at 540 px (what `reel render --draft` writes) of a 2 s film; the hostile fonts are built
from the shipped Atkinson Hyperlegible by `hostile_fonts.py`.
"""

from __future__ import annotations

from pathlib import Path

import hostile_fonts
import pytest

from toolkit.errors import PolicyError
from toolkit.film.cardcheck import card_frames
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.render import render_film

pytestmark = pytest.mark.render

SCENE = "scenes:\n  - background: '#264653'\n    duration: 2s\n    captions: Some days are hard.\n"


def storyboard(folder: Path, head: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(f"title: Card check\nregion: UK\n{head}{SCENE}", encoding="utf-8")
    return path


def refused(path: Path, tmp_path: Path) -> PolicyError:
    out = tmp_path / "out.mp4"
    with pytest.raises(PolicyError) as caught:
        render_film(prepare(path, width=DRAFT_WIDTH), out, draft=True)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "reel-tmp" in p.name]  # nothing unverified is left behind
    return caught.value


def line_of(path: Path, key: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.lstrip().startswith(key))


def test_a_normal_film_passes_and_says_what_it_read(tmp_path: Path) -> None:
    path = storyboard(tmp_path, "")
    result = render_film(prepare(path, width=DRAFT_WIDTH), tmp_path / "ok.mp4", draft=True)
    assert result.output.exists() and result.card is not None
    assert result.card.frames == card_frames(result.timeline)
    assert result.card.services == ("Samaritans", "Shout")
    read = " | ".join(result.card.lines[0])
    assert "116 123" in read and "85258" in read


def test_the_card_is_read_after_a_transition_into_it_has_finished(tmp_path: Path) -> None:
    path = tmp_path / "fade.yaml"
    path.write_text("title: Fade\nregion: UK\nscenes:\n  - background: '#264653'\n    duration: 2s\n"
                    "    transition: {type: dip-to-black, duration: 1s}\n", encoding="utf-8")
    result = render_film(prepare(path, width=DRAFT_WIDTH), tmp_path / "fade.mp4", draft=True)
    card = result.timeline.end_card
    assert card.transition_in.frames == 30
    assert result.card is not None and result.card.frames[0] == card.start + 30  # the first fully shown frame
    assert result.card.services == ("Samaritans", "Shout")


@pytest.mark.parametrize("width", [270, 360])
def test_the_card_is_read_at_low_widths_too(tmp_path: Path, width: int) -> None:
    """A quarter-size render (270×480) is upscaled before reading: a normal card still passes."""
    result = render_film(prepare(storyboard(tmp_path, ""), width=width), tmp_path / "small.mp4", draft=True)
    assert result.card is not None and result.card.services == ("Samaritans", "Shout")
    font = hostile_fonts.make("swapped", tmp_path)
    hostile = storyboard(tmp_path, f"style:\n  fonts: {{heading: {font.name}}}\n", "hostile.yaml")
    with pytest.raises(PolicyError, match=r"Samaritans: “Call 116 123” is not on the rendered end card"):
        render_film(prepare(hostile, width=width), tmp_path / "hostile.mp4", draft=True)


@pytest.mark.parametrize("kind", ["blank", "no_digits", "swapped"])
def test_a_hostile_font_is_refused_at_the_fonts(tmp_path: Path, kind: str) -> None:
    font = hostile_fonts.make(kind, tmp_path)
    path = storyboard(tmp_path, f"style:\n  fonts: {{heading: {font.name}, body: {font.name}}}\n")
    error = refused(path, tmp_path)
    messages = [i.message for i in error.issues]
    assert "exact number" in str(error).splitlines()[0]
    samaritans = next(i for i in error.issues if i.message.startswith("Samaritans"))
    assert (samaritans.file, samaritans.line, samaritans.path) == (path, line_of(path, "fonts:"), "style.fonts")
    assert "“Call 116 123” is not on the rendered end card" in samaritans.message
    assert "the font (or its colours) drew it wrongly" in samaritans.message
    assert any(m.startswith("Shout: “Text SHOUT to 85258” is not on the rendered end card") for m in messages)
    if kind == "swapped":
        assert hostile_fonts.swap_digits("116 123") == "774 759"
        assert any(m.startswith("Samaritans: 774 759 is not their number") for m in messages), messages
        assert any(m.startswith("Shout: 02520 is not their number") for m in messages), messages


def test_a_merge_field_that_writes_a_number_into_the_heading_is_refused_at_the_field(tmp_path: Path) -> None:
    path = storyboard(tmp_path, "fields:\n  hotline: Call 000 000 now\nend_card:\n  heading: '{{ hotline }}'\n")
    with pytest.raises(PolicyError) as caught:  # caught before a frame is drawn
        prepare(path, width=DRAFT_WIDTH)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert issue.message.startswith("the end card would show 000 000 (“Call 000 000 now”), which is not the "
                                    "number of any of its services or of any UK helpline")
    assert (issue.file, issue.line, issue.path) == (path, line_of(path, "hotline:"), "fields.hotline")


def test_a_heading_number_is_refused_at_the_heading_and_an_emergency_number_is_not(tmp_path: Path) -> None:
    path = storyboard(tmp_path, "end_card:\n  heading: Or ring 0800 000 0000\n")
    with pytest.raises(PolicyError) as caught:
        prepare(path, width=DRAFT_WIDTH)
    errors = [i for i in caught.value.issues if i.severity == "error"]
    assert [(i.path, i.line) for i in errors] == [("end_card.heading", line_of(path, "heading:"))]
    assert prepare(storyboard(tmp_path, "end_card:\n  heading: In an emergency call 999\n", "ok.yaml"),
                   width=DRAFT_WIDTH).timeline.frames > 0


def test_a_number_drawn_on_the_card_by_a_picture_is_refused_after_render(tmp_path: Path) -> None:
    """Text Reel did not lay out (a template logo showing a number) is only in the pixels."""
    from PIL import Image, ImageDraw, ImageFont

    root = tmp_path / "templates"
    (root / "stamped").mkdir(parents=True)
    logo = Image.new("RGB", (640, 120), "#ffffff")
    ImageDraw.Draw(logo).text((20, 15), "0800 000 0000", fill="#000000",
                              font=ImageFont.truetype(str(hostile_fonts.atkinson("Bold")), 80))
    logo.save(root / "stamped" / "logo.png")
    (root / "stamped" / "template.yaml").write_text(
        "name: stamped\nextends: default\nlogo: {file: logo.png, corner: top-left, width: 400, on: [end_card]}\n",
        encoding="utf-8")
    import shutil

    from conftest import ROOT
    shutil.copytree(ROOT / "templates" / "default", root / "default")
    path = storyboard(tmp_path, "template: stamped\n")
    out = tmp_path / "out.mp4"
    with pytest.raises(PolicyError) as caught:
        render_film(prepare(path, width=DRAFT_WIDTH, templates_root=root), out, draft=True)
    assert not out.exists()
    [issue] = [i for i in caught.value.issues if "0800 000 0000" in i.message]
    assert issue.message.startswith("0800 000 0000 is not the number of any service on the card")
    assert "a picture drawn over the card (the template's logo?)" in issue.message
    assert (issue.path, issue.line) == ("template", line_of(path, "template:"))


def test_a_custom_service_number_must_be_read_exactly(tmp_path: Path) -> None:
    head = ("end_card:\n  custom_services:\n    - name: Harbour Youth Line\n      call: 0800 123 4567\n"
            "      hours: Mon to Fri\n")
    path = storyboard(tmp_path, head)
    result = render_film(prepare(path, width=DRAFT_WIDTH), tmp_path / "ok.mp4", draft=True)
    assert result.card is not None and "Harbour Youth Line" in result.card.services
    font = hostile_fonts.make("swapped", tmp_path)
    hostile = storyboard(tmp_path, head + f"style:\n  fonts: {{heading: {font.name}}}\n", "hostile.yaml")
    error = refused(hostile, tmp_path)
    assert any(i.message.startswith("Harbour Youth Line: “Call 0800 123 4567” is not on the rendered end card")
               and i.path == "style.fonts" for i in error.issues), [i.message for i in error.issues]

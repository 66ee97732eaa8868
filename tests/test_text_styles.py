"""Caption styles from the template (issue 15 §3): outline, shadow, uppercase; the contrast check
judges outlined text against its outline, and the outline and shadow are drawn around the letters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from toolkit.errors import IssuesError
from toolkit.film.compile.raster import rasterise
from toolkit.film.pipeline import prepare
from toolkit.film.plan.timeline import TextBlock, Timeline
from toolkit.film.template.models import CaptionLook, Outline

HEAD = "title: Styles\nregion: UK\n"


def film(folder: Path, style: str, scene_extra: str = "", background: str = "navy") -> Path:
    path = folder / "film.yaml"
    path.write_text(HEAD + "style:\n  captions: " + style + "\nscenes:\n"
                    f"  - background: {background}\n    duration: 3s\n    captions: Hold on\n" + scene_extra,
                    encoding="utf-8")
    return path


def caption_block(timeline: Timeline) -> TextBlock:
    [overlay] = [o for o in timeline.overlays if o.kind == "caption"]
    block = overlay.blocks[0]
    assert isinstance(block, TextBlock)
    return block


def drawn(timeline: Timeline, folder: Path) -> np.ndarray:
    """The caption's picture as the rasteriser writes it (RGBA)."""
    plan = rasterise(timeline, folder)
    [image] = [i for i in plan.images if i.start == 0]
    with Image.open(image.path) as picture:
        return np.asarray(picture.convert("RGBA")).astype(int)


def test_an_outline_is_a_width_and_a_colour_and_a_bare_number_is_a_black_one():
    assert CaptionLook(outline=6).outline == Outline(width=6, color="#000000")
    assert CaptionLook().outline is None and CaptionLook().shadow is None and not CaptionLook().uppercase


def test_the_styles_reach_the_planned_block_at_the_output_scale(tmp_path):
    from toolkit.film.pipeline import DRAFT_WIDTH

    tl = prepare(film(tmp_path, "{box: null, outline: {width: 6, color: '#102030'}, shadow: {x: 8, y: 10, "
                                "opacity: 0.5}, uppercase: yes}"), width=DRAFT_WIDTH).timeline
    block = caption_block(tl)
    assert block.outline == (3, "#102030")  # 6 px at 1080 is 3 px in a 540 px draft
    assert block.shadow == (4, 5, "#00000080")
    assert block.lines[0].text == "HOLD ON"


def test_a_scene_can_give_its_captions_an_outline_over_the_films_look(tmp_path):
    tl = prepare(film(tmp_path, "{box: null}", "    style: {captions: {outline: {width: 5}}}\n")).timeline
    assert caption_block(tl).outline == (5, "#000000")


def test_outlined_text_is_judged_against_its_outline(tmp_path):
    path = film(tmp_path, "{box: '#000000', outline: {width: 4, color: '#ffff66'}}")
    with pytest.raises(IssuesError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.code == "contrast"]
    assert (issue.line, issue.path) == (8, "scenes[0].captions")
    assert issue.message == ("text colour #ffffff on its outline #ffff66 has a contrast ratio of 1.06:1; at least "
                             "4.5:1 is needed (WCAG 1.4.3)")


def test_a_dark_outline_makes_white_text_safe_over_footage_without_a_box(tmp_path):
    from toolkit.media import synth

    synth.footage(tmp_path / "talk.mp4", seconds=3, width=64, height=36)
    prepared = prepare(film(tmp_path, "{box: null, outline: 4}", background="talk.mp4"))
    assert not [w for w in prepared.warnings if w.code == "contrast"]  # judged 21:1 against the black outline
    bare = prepare(film(tmp_path, "{box: null}", background="talk.mp4"))
    assert [w for w in bare.warnings if w.code == "contrast"]  # no box, no outline: cannot be guaranteed


def test_the_outline_is_drawn_around_the_letters_and_the_shadow_below_right(tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    plain = drawn(prepare(film(tmp_path, "{box: null}")).timeline, tmp_path / "a")
    outlined = drawn(prepare(film(tmp_path, "{box: null, outline: {width: 6, color: '#aa0000'}}")).timeline,
                     tmp_path / "b")
    shadowed = drawn(prepare(film(tmp_path, "{box: null, shadow: {x: 12, y: 12, color: '#0000ff', opacity: 1}}"))
                     .timeline, tmp_path / "c")

    def share(picture: np.ndarray, rgb: tuple[int, int, int]) -> int:
        r, g, b, a = (picture[..., k] for k in range(4))
        return int(((a > 200) & (abs(r - rgb[0]) < 40) & (abs(g - rgb[1]) < 40) & (abs(b - rgb[2]) < 40)).sum())

    white = share(plain, (255, 255, 255))
    assert share(plain, (170, 0, 0)) == 0 and share(plain, (0, 0, 255)) == 0
    red = share(outlined, (170, 0, 0))
    assert red > 0.5 * white  # a 6 px ring around every letter of a 64 px "Hold on"
    assert abs(share(outlined, (255, 255, 255)) - white) < 0.05 * white  # the letters themselves unchanged
    blue = share(shadowed, (0, 0, 255))
    assert blue > 0.3 * white
    ys, xs = np.nonzero((shadowed[..., 2] > 200) & (shadowed[..., 0] < 60))
    ws, wx = np.nonzero((shadowed[..., 0] > 200) & (shadowed[..., 1] > 200) & (shadowed[..., 3] > 200))
    assert ys.mean() > ws.mean() + 6 and xs.mean() > wx.mean() + 6  # moved down and to the right


def test_the_template_preview_judges_outlined_captions_against_the_outline():
    from toolkit.film.template.models import Template
    from toolkit.film.template.preview import contrast_rows

    rows = dict(contrast_rows(Template(name="t", captions=CaptionLook(outline={"width": 4, "color": "#ffff66"}))))
    assert round(rows["Captions on the outline"], 2) == 1.06

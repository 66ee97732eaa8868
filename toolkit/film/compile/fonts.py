"""Fonts for the rasteriser: loading, character coverage, and per-character fallback.

A caption's font (Atkinson Hyperlegible, say) has no emoji, CJK or Arabic glyphs. Text is split
into runs that each use the first font in `[block font, *fallbacks]` that has the character, so
"Call 📞 116 123" draws the phone from Noto Emoji and the rest from the block's font. Coverage comes
from each font's `cmap` table (read here: Pillow cannot say whether a font has a glyph, and
fontTools is not a dependency). Spaces and punctuation between two runs of the same fallback font
stay in that font, so an Arabic phrase is shaped (right to left, joined) as one run.

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
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")

# Joiners, variation selectors and skin-tone modifiers belong to the character before them.
_ATTACHED = frozenset([0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400),
                       *range(0xE0020, 0xE0080)])


def default_fallbacks() -> tuple[Path, ...]:
    """The packaged Noto fallback chain, or () when `manimgx-fonts` is not installed."""
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
    return tuple(chain)


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of one text run drawn with one font (`font` None: no font has these characters)."""

    text: str
    font: Path | None


@dataclass
class FontBook:
    """Loaded fonts and their coverage, for the duration of one rasterise call (an explicit cache)."""

    fallbacks: Sequence[Path] = ()
    _faces: dict[tuple[Path, int], ImageFont.FreeTypeFont] = field(default_factory=dict)
    _coverage: dict[Path, frozenset[int]] = field(default_factory=dict)
    _digests: dict[Path, str] = field(default_factory=dict)

    def face(self, path: Path, size: int) -> ImageFont.FreeTypeFont:
        """The font at `path` at `size` pixels, loaded once."""
        key = (path, size)
        if key not in self._faces:
            try:
                self._faces[key] = ImageFont.truetype(str(path), size)
            except OSError as exc:
                raise AssetError(f"{path}: cannot load font ({exc})") from None
        return self._faces[key]

    def covers(self, path: Path, char: str) -> bool:
        """True when the font at `path` maps `char` to a glyph."""
        if path not in self._coverage:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise AssetError(f"{path}: cannot read font ({exc.strerror or exc})") from None
            self._digests[path] = hashlib.sha256(data).hexdigest()
            self._coverage[path] = cmap_codepoints(data)
        return ord(char) in self._coverage[path]

    def pieces(self, text: str, primary: Path) -> list[Piece]:
        """Split `text` into runs of one font each: the primary font wherever it has the glyph."""
        chain = [primary, *[f for f in self.fallbacks if f != primary]]
        text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
        fonts: list[Path | None] = [None] * len(text)
        for i, char in enumerate(text):
            if _neutral(char) or ord(char) in _ATTACHED or unicodedata.combining(char):
                continue
            fonts[i] = next((f for f in chain if self.covers(f, char)), None)
            if fonts[i] is None:
                fonts[i] = _MISSING
        for i, char in enumerate(text):
            if fonts[i] is not None:
                continue
            if ord(char) in _ATTACHED or unicodedata.combining(char):
                fonts[i] = _previous(fonts, i) or primary
                continue
            before, after = _previous(fonts, i), _next(fonts, i)
            if before is not None and before == after and before != _MISSING and self.covers(before, char):
                fonts[i] = before
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

    def text_width(self, text: str, font: Path, size: int) -> float:
        """Advance width of `text` as the rasteriser will draw it (with fallbacks), in pixels.

        The planner should measure with this so that line breaks match what is drawn.
        """
        return sum(self.face(p.font, size).getlength(p.text) for p in self.pieces(text, font)
                   if p.font is not None)

    def digest(self, path: Path) -> str:
        """sha256 of a font file (read once), so cached images change when a font does."""
        self.covers(path, " ")
        return self._digests[path]


_MISSING = Path("\0missing")


def _neutral(char: str) -> bool:
    return unicodedata.category(char)[0] in "ZP"


def _previous(fonts: list[Path | None], i: int) -> Path | None:
    return next((f for f in reversed(fonts[:i]) if f is not None), None)


def _next(fonts: list[Path | None], i: int) -> Path | None:
    return next((f for f in fonts[i + 1:] if f is not None), None)


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

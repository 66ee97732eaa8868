"""Every piece of text a film puts on screen, with where it was written (for the lint).

`screen_texts` lists what the storyboard writes; `template_texts` what the template adds (slate
and end-card headings), located in the template file or the storyboard's `style:` that set
them. `TextPositions` turns an offset in a text into the file line and column of the character
that produced it, for any YAML scalar style (plain, quoted with escapes, folded, literal).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from toolkit.doc.loader import Document
from toolkit.film.spec.models import Scene, Slate
from toolkit.film.spec.validate import LoadedStoryboard

if TYPE_CHECKING:
    from toolkit.film.template.loader import ResolvedTemplate

STORYBOARD = "storyboard"  # the origin a template records for values a film's `style:` set


@dataclass(frozen=True, slots=True)
class ScreenText:
    """One text and its location: `loc` in `document` (None: the storyboard), plus a note for texts
    from other files. `authored` texts are written for this film (topic inference reads them)."""

    loc: tuple[str | int, ...]
    text: str
    what: str
    source_note: str = ""
    document: Document | None = None
    authored: bool = True
    scene: int | None = None  # for captions: the scene they belong to


def screen_texts(loaded: LoadedStoryboard) -> Iterator[ScreenText]:
    """Title, slate texts, captions (inline and from .srt/.vtt files) and end-card extras."""
    sb = loaded.storyboard
    yield ScreenText(("title",), sb.title, "title")
    for i, scene in enumerate(sb.scenes):
        if isinstance(scene, Slate):
            if scene.text:
                yield ScreenText(("scenes", i, "text"), scene.text, f"{scene.slate} slate")
            continue
        assert isinstance(scene, Scene)
        yield from _track_texts(scene, ("scenes", i))
        track = scene.captions
        if track is None:
            continue
        if track.lines is not None:
            for k, cap in enumerate(track.lines):
                # "lines" is skipped when the YAML wrote the list directly under `captions:`
                yield ScreenText(("scenes", i, "captions", "lines", k, "text"), cap.text, "caption", scene=i)
        elif track.file is not None:
            cues = loaded.caption_files.get((loaded.base_dir / track.file).resolve(), ())
            for k, cue in enumerate(cues):
                yield ScreenText(("scenes", i, "captions", "file"), cue.text, "caption",
                                 f"caption {k + 1} in {track.file}", scene=i)
    yield from _track_texts(sb, ())
    film = sb.captions  # one track for the whole film, split over the scenes when planned
    if film is not None and film.lines is not None:
        for k, cap in enumerate(film.lines):
            yield ScreenText(("captions", "lines", k, "text"), cap.text, "caption")
    elif film is not None and film.file is not None:
        cues = loaded.caption_files.get((loaded.base_dir / film.file).resolve(), ())
        for k, cue in enumerate(cues):
            yield ScreenText(("captions", "file"), cue.text, "caption", f"caption {k + 1} in {film.file}")
    card = sb.end_card
    if card.heading:
        yield ScreenText(("end_card", "heading"), card.heading, "end card heading")
    if card.message:
        yield ScreenText(("end_card", "message"), card.message, "end card message")
    for k, custom in enumerate(card.custom_services):
        at = ("end_card", "custom_services", k)
        yield ScreenText((*at, "name"), custom.name, "end card service")
        contacts = [c for c in (f"Call {custom.call}" if custom.call else None,
                                f"Text {custom.text}" if custom.text else None, custom.web) if c]
        if contacts:
            key = "call" if custom.call else "text" if custom.text else "web"
            yield ScreenText((*at, key), "\n".join(contacts), "end card service contacts", authored=False)
        if custom.hours:
            yield ScreenText((*at, "hours"), custom.hours, "end card service hours", authored=False)


def _track_texts(owner: Scene | Any, at: tuple[str | int, ...]) -> Iterator[ScreenText]:
    """A scene's (or the film's) hook, lower third and texts: on screen like captions, linted like them
    (each on its own: a phrase split between a hook and a caption is not one sentence)."""
    if owner.hook is not None:
        yield ScreenText((*at, "hook", "text"), owner.hook.text, "hook")
    third = getattr(owner, "lower_third", None)
    if third is not None:
        yield ScreenText((*at, "lower_third", "name"), third.name, "lower third")
        if third.about:
            yield ScreenText((*at, "lower_third", "about"), third.about, "lower third")
    for k, item in enumerate(owner.texts):
        yield ScreenText((*at, "texts", k, "text"), item.text, "text")


def template_texts(loaded: LoadedStoryboard, resolved: ResolvedTemplate) -> Iterator[ScreenText]:
    """Headings the template draws (each slate kind's, the end card's), after merge fields are filled."""
    tpl = resolved.template
    for kind in ("content-warning", "signpost", "title"):
        heading = tpl.slates.for_kind(kind).heading  # type: ignore[arg-type]
        if heading:
            yield _template_text(loaded, resolved, f"slates.{kind}.heading", heading, f"{kind} slate heading")
    if tpl.end_card.heading and not loaded.storyboard.end_card.heading:
        yield _template_text(loaded, resolved, "end_card.heading", tpl.end_card.heading, "end card heading")


def _template_text(loaded: LoadedStoryboard, resolved: ResolvedTemplate, prop: str, text: str,
                   what: str) -> ScreenText:
    origin = resolved.origins.get(prop) or resolved.chain[0]
    if origin == STORYBOARD:
        return ScreenText(("style", *prop.split(".")), text, what, authored=True)
    doc = resolved.documents.get(origin) or resolved.documents.get(resolved.chain[0])
    return ScreenText(tuple(prop.split(".")), text, what, f"template `{origin}`", document=doc, authored=False)


def raw_text(document: Document, loc: tuple[str | int, ...]) -> str | None:
    """The text at `loc` as written in the file (merge fields not filled), or None.

    Keys the file does not have (a `lines` the YAML skipped) are passed over, and a caption
    written as a bare string stands for its own `text`.
    """
    node: Any = document.data
    for item in loc:
        indexable = isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)
        if (isinstance(node, dict) and item in node) or indexable:
            node = node[item]
        elif isinstance(node, str):
            break
    return node if isinstance(node, str) else None


# ---------------------------------------------------------------- offsets -> file positions


class TextPositions:
    """Maps offsets in the value of the scalar at `loc` to 1-based (line, col) in its file.

    The value is aligned with the scalar's source: equal characters pair up, a run of
    whitespace pairs with a run (line folding, block indentation), and characters of the
    source that produce nothing (quotes, escapes) are stepped over.
    """

    def __init__(self, document: Document, loc: tuple[str | int, ...], value: str) -> None:
        self.document, self.loc, self.value = document, loc, value
        line, col = document.text_start(loc)
        self.start = (line, col)
        self._map: list[tuple[int, int]] | None = None
        node = _node_at(document.node, loc)
        source = _source(document.path)
        if isinstance(node, yaml.ScalarNode) and source is not None and \
                node.end_mark.index <= len(source):
            self._map = _align(value, source, node.start_mark.index, node.end_mark.index)

    def at(self, offset: int) -> tuple[int | None, int | None]:
        """The file position of character `offset` of the value."""
        if self._map is not None and self._map:
            return self._map[min(max(offset, 0), len(self._map) - 1)]
        line, col = self.start
        if line is None:
            return None, None
        text = self.value
        k = text.count("\n", 0, offset)
        c = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return line + k, (c + (col or 1) - 1) if k == 0 else c


def _node_at(node: yaml.Node | None, loc: tuple[str | int, ...]) -> yaml.Node | None:
    for item in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(item, str):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == item), node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
            node = node.value[item]
    return node


@lru_cache(maxsize=32)
def _read(path: Path, stamp: tuple[int, int]) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _source(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return _read(path, (st.st_mtime_ns, st.st_size))


def _align(value: str, source: str, start: int, end: int) -> list[tuple[int, int]]:
    """(line, col) of each character of `value` (plus one past the end) in source[start:end]."""
    positions: list[int] = []
    j = start
    for n, ch in enumerate(value):
        window = min(end, j + (200 if n == 0 else 12))  # the first may follow a block indicator line
        k = j
        while k < window and not (source[k] == ch or (ch.isspace() and source[k].isspace())):
            k += 1
        if k == window:
            positions.append(j)  # written as an escape (\u200b): keep the place
            continue
        positions.append(k)
        j = k + 1
        if ch.isspace() and not value[n + 1:n + 2].isspace():
            while j < end and source[j] in " \t\r\n":
                j += 1  # the indentation of the next line, or the rest of a folded line break
    positions.append(min(j, end))
    line_starts = _line_starts(source)
    out = []
    for p in positions:
        line = _bisect(line_starts, p)
        out.append((line + 1, p - line_starts[line] + 1))
    return out


@lru_cache(maxsize=32)
def _line_starts(source: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(source) if c == "\n")
    return starts


def _bisect(starts: list[int], index: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, index) - 1

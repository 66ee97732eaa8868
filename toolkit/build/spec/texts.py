"""Every piece of text a storyboard puts on screen, with where it was written (for the lint)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from toolkit.build.spec.models import Scene, Slate
from toolkit.build.spec.validate import LoadedStoryboard


@dataclass(frozen=True, slots=True)
class ScreenText:
    """One text and its location: `loc` in the storyboard, plus a note for texts from other files."""

    loc: tuple[str | int, ...]
    text: str
    what: str
    source_note: str = ""


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
        track = scene.captions
        if track is None:
            continue
        if track.lines is not None:
            for k, cap in enumerate(track.lines):
                # "lines" is skipped when the YAML wrote the list directly under `captions:`
                yield ScreenText(("scenes", i, "captions", "lines", k, "text"), cap.text, "caption")
        elif track.file is not None:
            cues = loaded.caption_files.get((loaded.base_dir / track.file).resolve(), ())
            for k, cue in enumerate(cues):
                yield ScreenText(("scenes", i, "captions", "file"), cue.text, "caption",
                                 f"caption {k + 1} in {track.file}")
    card = sb.end_card
    if card.heading:
        yield ScreenText(("end_card", "heading"), card.heading, "end card heading")
    if card.message:
        yield ScreenText(("end_card", "message"), card.message, "end card message")
    for k, custom in enumerate(card.custom_services):
        yield ScreenText(("end_card", "custom_services", k, "name"), custom.name, "end card service")

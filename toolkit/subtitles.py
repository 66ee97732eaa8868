"""Subtitle files (.srt, .vtt): one reader, one writer and one cue type for the storyboard, `reel lint`,
the grader and the captions written beside every film.

Formats are pysubs2's job; Reel never hand-parses SRT or WebVTT. Times are exact (`Fraction`
seconds from pysubs2's milliseconds), so a cue lands on the same frame wherever it is read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from toolkit.errors import ReelError

_SSA_CODE = re.compile(r"\\([nNh])")


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: on screen from `start` to `end` seconds (from the file's, or the clip's, start).

    `number` is the cue's place in its file, counting from 1 (what a subtitle editor shows).
    `text` is what the viewer reads, styling removed, the file's line breaks kept as `\\n`.
    `markup` is the text as pysubs2 holds it, styling codes in `{…}` included: checks on what
    `text` drops (a merge field's braces) read it.
    """

    start: Fraction
    end: Fraction
    text: str
    number: int = 0
    markup: str = ""

    @property
    def clock(self) -> str:
        """The cue's start as a subtitle editor shows it, e.g. `0:00:04.200`."""
        ms = int(self.start * 1000)
        return f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def cue_label(file: object, number: int, start: Fraction) -> str:
    """How a message names one cue of a subtitle file: "`subs.srt` caption 3 (at 0:00:04.500): "."""
    ms = round(start * 1000)
    clock = f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
    return f"`{file}` caption {number} (at {clock}): "


class SubtitleError(ReelError):
    """A subtitle file that cannot be read. `reason` says why without the file's name, so a
    caller can place it (a storyboard key, a command-line argument); `empty` marks a file with
    nothing in it."""

    def __init__(self, path: Path, reason: str, *, empty: bool = False) -> None:
        super().__init__(f"{path}: has no captions in it" if empty else
                         f"{path}: cannot read subtitles: {reason}; give an .srt or .vtt file")
        self.path = path
        self.reason = reason
        self.empty = empty


def read_subtitles(path: Path | str) -> tuple[Cue, ...]:
    """The cues of an .srt or .vtt file that show any text, in file order.

    Raises `SubtitleError` when the file cannot be read, is empty, or is not a subtitle
    format pysubs2 knows. A file whose cues are all blank gives an empty tuple.
    """
    import pysubs2  # loaded on use: only commands that read subtitles pay for it

    path = Path(path)
    try:
        subs = pysubs2.load(str(path), encoding="utf-8")
    except FileNotFoundError:
        raise SubtitleError(path, "file not found") from None
    except pysubs2.exceptions.FormatAutodetectionError:
        try:
            blank = not path.read_bytes().strip()
        except OSError:
            blank = False
        if blank:
            raise SubtitleError(path, "it is empty", empty=True) from None
        raise SubtitleError(path, "not an SRT or WebVTT file") from None
    except OSError as exc:
        raise SubtitleError(path, str(exc.strerror or exc)) from None
    except Exception as exc:  # pysubs2 raises several unrelated types (ValueError, UnicodeDecodeError...)
        raise SubtitleError(path, str(exc)) from None
    events = [event for event in subs if not event.is_comment]
    return tuple(Cue(Fraction(event.start, 1000), Fraction(event.end, 1000), event.plaintext.strip(), number,
                     event.text)
                 for number, event in enumerate(events, 1) if event.plaintext.strip())


def format_subtitles(cues: Sequence[Cue], fmt: Literal["srt", "vtt"]) -> str:
    """`cues` as the text of an .srt or .vtt file, written by pysubs2 (the inverse of `read_subtitles`).

    Times are rounded to the nearest millisecond (both formats count milliseconds). A cue's
    `text` is written as it is, its line breaks kept and blank lines dropped (a blank line
    ends a cue in both formats); SSA styling codes are never read into it, so braces stay
    braces. In WebVTT, `&`, `<` and `>` are written as character references, as the format
    requires (a bare `<` starts a tag, `-->` a timing line); SubRip has no escapes, so an
    invisible word joiner goes inside a written `-->`.
    """
    import pysubs2  # loaded on use, as in read_subtitles

    subs = pysubs2.SSAFile()
    for cue in cues:
        lines = [line.strip() for line in cue.text.splitlines() if line.strip()]
        # pysubs2 reads \N, \n and \h as SSA codes even with keep_ssa_tags: an invisible word
        # joiner after a written backslash keeps such a pair as the two characters the viewer saw
        lines = [_SSA_CODE.sub("\\\\\u2060\\1", line) for line in lines]
        if fmt == "vtt":
            lines = [html.escape(line, quote=False) for line in lines]
        else:  # SubRip has no escapes; readers take a line with `-->` for a cue's timing line
            lines = [line.replace("-->", "--\u2060>") for line in lines]
        event = pysubs2.SSAEvent(start=round(cue.start * 1000), end=round(cue.end * 1000))
        event.text = "\\N".join(lines)  # pysubs2's line break; with keep_ssa_tags nothing else is rewritten
        subs.append(event)
    return subs.to_string(fmt, keep_ssa_tags=True)

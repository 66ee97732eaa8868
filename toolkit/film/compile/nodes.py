"""The one adapter over ffmpeg-python (`import ffmpeg`): graph nodes, inputs and number formatting.

ffmpeg-python builds immutable, hash-compared DAG nodes and prints them as a filtergraph with
deterministic `s0, s1, …` labels. Two of its properties shape this module:

* Nodes compare equal when their contents are equal, so two identical inputs (the same clip
  trimmed the same way, or two identical colour sources) would silently merge into one input
  with two consumers, which ffmpeg-python rejects (it does not insert `split`), and which would
  buffer a whole segment in memory if it were split. `Graph.input` therefore tags every input
  node with its own index: the tag takes part in the hash but is never printed (ffmpeg-python's
  argv builder reads only the keyword options of an input node).
* `FilterNode` needs at least one input, so source filters (`color`, `gradients`, `anullsrc`)
  cannot be written inside `-filter_complex`; they become `-f lavfi` inputs instead, whose
  option strings are built here from validated numbers and colours only (never user text).

Reused streams must be split explicitly (`Graph.split`): blur-fill uses one decoded frame for
both the background and the foreground, and the speech bus both feeds the mix and keys the
music ducker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg
from ffmpeg.nodes import FilterableStream, InputNode

Stream = FilterableStream


def seconds(value: Fraction | int) -> str:
    """A time in seconds as ffmpeg wants it: a plain decimal, microsecond precision, no exponent.

    ffmpeg parses durations to microseconds, so 6 places is exact for its purposes and
    `Fraction(1, 30)` prints as `0.033333`.
    """
    text = f"{float(Fraction(value)):.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def rate(fps: Fraction) -> str:
    """A frame rate as an exact ratio (`30`, `30000/1001`)."""
    fps = Fraction(fps)
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def timebase(fps: Fraction) -> str:
    """The time base of one frame at `fps`, for `settb`."""
    fps = Fraction(fps)
    return f"{fps.denominator}/{fps.numerator}"


def hex_color(color: str) -> str:
    """`#rrggbb` → `0xrrggbb` (the form ffmpeg's colour parser accepts without quoting)."""
    text = color.strip().lstrip("#")
    if len(text) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return "0x" + text[:6].lower()


def lavfi(name: str, **options: Any) -> str:
    """A source-filter description for `-f lavfi -i`, options in sorted order."""
    return name + "=" + ":".join(f"{k}={options[k]}" for k in sorted(options))


@dataclass
class Graph:
    """Builds one ffmpeg command: numbered inputs plus filters between them.

    Created fresh for every compile (it is the only mutable thing, and it never outlives the call).
    """

    _count: int = field(default=0)

    def input(self, filename: str | Path, **options: Any) -> Stream:
        """An `-i` input with its options (`ss`, `t`, `loop`, `f`, …), unique even if repeated."""
        node = InputNode(ffmpeg.input.__name__, args=[self._count],
                         kwargs={"filename": str(filename), **options})
        self._count += 1
        return node.stream()

    def source(self, description: str) -> Stream:
        """A lavfi source filter (`color=…`, `anullsrc=…`) as its own input."""
        return self.input(description, format="lavfi")

    @staticmethod
    def filter(streams: Stream | Sequence[Stream], name: str, *args: Any, **kwargs: Any) -> Stream:
        """Apply filter `name` to one stream or to several (in order); returns its output."""
        inputs = [streams] if isinstance(streams, FilterableStream) else list(streams)
        return ffmpeg.filter(inputs, name, *args, **kwargs)

    @staticmethod
    def split(stream: Stream, count: int, *, audio: bool = False) -> list[Stream]:
        """`count` independent copies of a stream (`split`/`asplit`); ffmpeg-python won't fan out."""
        node = stream.filter_multi_output("asplit" if audio else "split")
        return [node.stream(i) for i in range(count)]

    @staticmethod
    def argv(outputs: Sequence[Stream], filename: str | Path) -> list[str]:
        """Inputs, `-filter_complex` and `-map`s for `outputs`, ending with the output file name."""
        return ffmpeg.output(*outputs, str(filename)).get_args()

    @staticmethod
    def argv_outputs(outputs: Sequence[tuple[Sequence[Stream], str | Path, Sequence[str]]]) -> list[str]:
        """Like `argv`, for several output files `(streams, name, options)`: inputs and one
        `-filter_complex`, then each output's `-map`s, its options and its name."""
        args = ffmpeg.merge_outputs(*(ffmpeg.output(*streams, str(name)) for streams, name, _ in outputs)).get_args()
        for _, name, options in outputs:
            # ffmpeg-python ends each output with its maps and then its name (names are unique)
            at = len(args) - 1 - args[::-1].index(str(name))
            args[at:at] = list(options)
        return args

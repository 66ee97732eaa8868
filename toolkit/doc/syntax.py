"""Plain next steps for the YAML parser's own words, which name its state rather than the mistake."""

from __future__ import annotations

import re

import yaml

# The parser's words when a line is indented wrongly (or a value holds `: `): they name the
# parser's state, not the mistake, so a plain next step is added.
_LAYOUT_PROBLEMS = ("did not find expected '-' indicator", "did not find expected key", "expected <block end>",
                    "mapping values are not allowed")


def syntax_hint(problem: str, mark: yaml.Mark | None, text: str) -> str:
    """"; check the indentation of line N: …" (or put a value with `: ` in quotes) for those problems."""
    if mark is None or not problem.startswith(_LAYOUT_PROBLEMS):
        return ""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    line = lines[mark.line]
    if problem.startswith("mapping values") and re.search(r"\S:(\s|$)", line[:mark.column]):
        return "; a value that contains `: ` must be put in quotes, like `title: \"Anxiety: what helps\"`"
    column = len(line) - len(line.lstrip(" ")) + 1
    above = next(((n, ln) for n, ln in reversed(list(enumerate(lines[:mark.line])))
                  if ln.strip() and not ln.lstrip().startswith("#")), None)
    where = ""
    if above is not None:
        where = (f" (line {mark.line + 1} starts in column {column}, line {above[0] + 1} in column "
                 f"{len(above[1]) - len(above[1].lstrip(' ')) + 1})")
    return (f"; check the indentation of line {mark.line + 1}: items of one list or mapping must start in the "
            f"same column{where}")

"""YAML documents with their source positions.

`load_document` returns the plain data *and* the composed node tree, so any error found later
(by pydantic, by a probe, by the planner) can be pointed at `FILE:LINE:COL`. Used for
storyboards, templates and rubrics alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import Issue, SpecError

# A storyboard of 10,000 scenes is ~200k nodes; anything far past that is an alias bomb.
MAX_EXPANDED_NODES = 2_000_000
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A parsed YAML document: `data` for validation, `node` for locating errors."""

    path: Path
    data: Any
    node: yaml.Node | None

    def locate(self, loc: Sequence[str | int], *, key: bool = False) -> tuple[int | None, int | None, str]:
        """Line, column (1-based) and display path of the node at `loc`.

        Path items that do not exist in the document (pydantic union tags, or a missing
        field) are skipped, so the position is that of the deepest node that does exist.
        With `key=True` the position is that of the mapping key rather than its value.
        """
        node = self.node
        shown: list[str | int] = []
        key_node: yaml.Node | None = None
        for depth, item in enumerate(loc):
            if isinstance(node, yaml.MappingNode) and isinstance(item, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == item:
                        key_node, node = k, v
                        shown.append(item)
                        break
                else:
                    # a union tag (e.g. "scene") or a key that is absent: name only a final absent key
                    if depth == len(loc) - 1 and _is_field_name(item):
                        shown.append(item)
                    key_node = None
                    continue
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
                if 0 <= item < len(node.value):
                    node = node.value[item]
                    key_node = None
                    shown.append(item)
                else:
                    break
            else:
                continue
        target = key_node if (key and key_node is not None) else node
        if target is None:
            return None, None, format_path(shown)
        return target.start_mark.line + 1, target.start_mark.column + 1, format_path(shown)

    def text_start(self, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the first character of the text scalar at `loc`.

        Skips the opening quote of quoted scalars and the indicator line of block scalars, so
        offsets into the text can be turned into positions in the file.
        """
        line, col, _ = self.locate(loc)
        node = self._node_at(loc)
        if line is None or not isinstance(node, yaml.ScalarNode):
            return line, col
        if node.style in ("'", '"'):
            return line, (col or 0) + 1
        if node.style in ("|", ">"):
            return line + 1, None
        return line, col

    def _node_at(self, loc: Sequence[str | int]) -> yaml.Node | None:
        node = self.node
        for item in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(item, str):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == item), node)
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
        return node

    def issue(self, loc: Sequence[str | int], message: str, *, severity: str = "error",
              key: bool = False, code: str = "") -> Issue:
        """An `Issue` located at `loc` in this document."""
        line, col, shown = self.locate(loc, key=key)
        return Issue(message=message, path=shown, file=self.path, line=line, col=col,
                     severity=severity, code=code)  # type: ignore[arg-type]


def _is_field_name(item: str) -> bool:
    # pydantic union tags look like "function-after[...]" or our tag names in brackets
    return item.isidentifier() or item.replace("-", "_").isidentifier()


def format_path(loc: Sequence[str | int]) -> str:
    """`scenes[2].background.from` from `("scenes", 2, "background", "from")`."""
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += ("." if out else "") + str(item)
    return out


# libyaml's parser is ~16x faster than the pure-Python one (10,000 scenes: 0.5 s vs 8 s) and
# keeps the same node marks; PyYAML wheels ship it, but fall back if a build lacks it.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader; kept as a subclass so we never mutate PyYAML's global constructors."""


def load_document(path: Path, *, kind: str = "storyboard") -> Document:
    """Read and parse `path`, raising `SpecError` with located issues for anything unreadable.

    Catches: missing file, non-UTF-8 bytes, YAML syntax (including tabs), an empty file, a
    top level that is not a mapping, duplicate keys, and alias expansion bombs.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError([Issue(f"{kind} file not found", file=path)]) from None
    except IsADirectoryError:
        raise SpecError([Issue(f"expected a {kind} file, this is a folder", file=path)]) from None
    except OSError as exc:
        raise SpecError([Issue(f"cannot read {kind}: {exc.strerror}", file=path)]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError([Issue(f"{kind} is {len(raw) // 1_000_000} MB; the limit is 20 MB", file=path)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError([Issue(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            file=path, line=line, col=col)]) from None
    return parse_document(text, path, kind=kind)


def parse_document(text: str, path: Path, *, kind: str = "storyboard") -> Document:
    """Parse YAML `text` that came from `path` (see `load_document`)."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise SpecError([_reader_issue(exc, text, path)]) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_issue(exc, path, text)]) from None
    except yaml.reader.ReaderError as exc:
        raise SpecError([_reader_issue(exc, text, path)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Issue(f"not valid YAML: {exc}", file=path)]) from None
    finally:
        loader.dispose()
    if node is None:
        raise SpecError([Issue(f"the {kind} is empty; start from `reel new` or an example in storyboards/",
                               file=path, line=1, col=1)])
    issues: list[Issue] = []
    _check_nodes(node, path, issues)
    if issues:
        raise SpecError(issues)
    if not isinstance(node, yaml.MappingNode):
        m = node.start_mark
        raise SpecError([Issue(f"the top level of a {kind} must be a mapping of keys like `title:`, "
                               f"found a {_node_kind(node)}", file=path, line=m.line + 1, col=m.column + 1)])
    constructor = _Loader("")
    try:
        data = constructor.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_issue(exc, path, text)]) from None
    finally:
        constructor.dispose()
    return Document(path=path, data=data, node=node)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _reader_issue(exc: yaml.reader.ReaderError, text: str, path: Path) -> Issue:
    """A control character YAML refuses, located by its position in the text."""
    pos = exc.position
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return Issue(f"YAML syntax: the character U+{exc.character:04X} is not allowed in YAML; delete it",
                 file=path, line=line, col=col)


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    if isinstance(node, yaml.ScalarNode):
        return f"single value ({node.value!r})"[:60]
    return "mapping"


def _yaml_issue(exc: yaml.MarkedYAMLError, path: Path, text: str = "") -> Issue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "syntax error"
    if (mark is not None and _char_at(text, mark.line, mark.column) == "\t") or "'\\t'" in problem:
        problem = "a tab character; indent YAML with spaces only"
    message = f"YAML syntax: {problem}"
    if exc.context and exc.problem and exc.context != exc.problem:
        message = f"YAML syntax: {problem} ({exc.context})"
    if mark is None:
        return Issue(message, file=path)
    return Issue(message, file=path, line=mark.line + 1, col=mark.column + 1)


def _check_nodes(root: yaml.Node, path: Path, issues: list[Issue]) -> None:
    """Duplicate keys and alias bombs, found on the node graph before anything is expanded."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:  # a recursive alias
            m = node.start_mark
            issues.append(Issue("recursive YAML alias", file=path, line=m.line + 1, col=m.column + 1))
            return MAX_EXPANDED_NODES + 1
        visiting.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        first = seen[k.value].start_mark
                        issues.append(Issue(
                            f"duplicate key `{k.value}` (first written at line {first.line + 1}); "
                            "YAML keeps only the last one, so remove or rename one of them",
                            file=path, line=k.start_mark.line + 1, col=k.start_mark.column + 1))
                    else:
                        seen[k.value] = k
                total += size(k) + size(v)
                if total > MAX_EXPANDED_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v)
                if total > MAX_EXPANDED_NODES:
                    break
        visiting.discard(key)
        sizes[key] = total
        return total

    if size(root) > MAX_EXPANDED_NODES and not any("recursive" in i.message for i in issues):
        issues.append(Issue("YAML anchors/aliases expand to more than 2 million values (an alias bomb?); "
                            "write the values out instead", file=path, line=1, col=1))

"""YAML documents with their source positions.

`load_document` returns the plain data *and* the composed node tree, so any error found later
(by pydantic, by a probe, by the planner) can be pointed at `FILE:LINE:COL`. Used for
storyboards, templates and rubrics alike.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit.doc.dates import not_a_date
from toolkit.doc.nodes import check_nodes
from toolkit.doc.paths import PathProblem, check_name, shown
from toolkit.doc.syntax import syntax_hint
from toolkit.errors import Issue, SpecError

MAX_FILE_BYTES = 20 * 1024 * 1024
_YAML_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Document:
    """A parsed YAML document: `data` for validation, `node` for locating errors."""

    path: Path
    data: Any
    node: yaml.Node | None
    # key -> (key node, value node) per mapping, built on first use: looking up N issues in a
    # mapping of N keys must cost N, not N squared (40k unknown keys took 38 s).
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # the same for keys that are not plain text (`3`, `~`, `1.5`), by their value as pydantic names it
    _typed_keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def _entry(self, node: yaml.MappingNode, item: str | int) -> tuple[yaml.Node, yaml.Node] | None:
        table = self._keys.get(id(node))
        if table is None:
            table = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    table.setdefault(k.value, (k, v))
            self._keys[id(node)] = table
        found = table.get(item if isinstance(item, str) else str(item))
        if found is not None:
            return found
        typed = self._typed_keys.get(id(node))
        if typed is None:
            typed = {}
            constructor = _Constructor("")
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:str":
                    try:
                        value = constructor.construct_object(k)
                    except (yaml.YAMLError, _TagProblem):
                        continue
                    # pydantic shows a key by str() or repr(), and `true` as 1
                    for name in (str(value), repr(value), *((str(int(value)),) if isinstance(value, bool) else ())):
                        typed.setdefault(name, (k, v))
            constructor.dispose()
            self._typed_keys[id(node)] = typed
        return typed.get(str(item))

    def locate(self, loc: Sequence[str | int], *, key: bool = False) -> tuple[int | None, int | None, str]:
        """Line, column (1-based) and display path of the node at `loc`.

        Path items that do not exist in the document (pydantic union tags, or a missing
        field) are skipped, so the position is that of the deepest node that does exist.
        With `key=True` the position is that of the mapping key rather than its value.
        """
        node = self.node
        named: list[str | int] = []
        key_node: yaml.Node | None = None
        for depth, item in enumerate(loc):
            if isinstance(node, yaml.MappingNode) and isinstance(item, str | int) and not isinstance(item, bool):
                entry = self._entry(node, item)
                if entry is not None and isinstance(entry[1], yaml.ScalarNode) and depth < len(loc) - 1 \
                        and isinstance(loc[depth + 1], str | int) and self._entry(node, loc[depth + 1]) is not None:
                    # pydantic's union tag (`slate`, `video`) that is also a key here: a scalar has
                    # no keys, so the path goes on in this mapping, not inside the tag's value
                    continue
                if entry is not None:
                    key_node, node = entry
                    named.append(shown(key_node.value) if isinstance(key_node, yaml.ScalarNode) else item)  # as written
                else:
                    # a union tag (e.g. "scene") or a key that is absent: name only a final absent key
                    if depth == len(loc) - 1 and isinstance(item, str) and _is_field_name(item):
                        named.append(item)
                    key_node = None
                    continue
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
                if 0 <= item < len(node.value):
                    node = node.value[item]
                    key_node = None
                    named.append(item)
                else:
                    break
            else:
                continue
        target = key_node if (key and key_node is not None) else node
        if target is None:
            return None, None, format_path(named)
        return target.start_mark.line + 1, target.start_mark.column + 1, format_path(named)

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
                entry = self._entry(node, item)
                node = entry[1] if entry is not None else node
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
        return node

    def issue(self, loc: Sequence[str | int], message: str, *, severity: str = "error",
              key: bool = False, code: str = "") -> Issue:
        """An `Issue` located at `loc` in this document."""
        line, col, where = self.locate(loc, key=key)
        return Issue(message=message, path=where, file=self.path, line=line, col=col,
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

    Catches: a file name no file system holds, a missing file, a folder, a device or pipe
    (never read: /dev/zero has no end), a file over 20 MB, UTF-16 or binary data, non-UTF-8
    bytes, YAML syntax (including tabs), YAML tags whose value does not fit, an empty file,
    a top level that is not a mapping, duplicate keys, nesting past 40 levels and alias bombs.
    """
    path = Path(path)
    raw = _read_bounded(path, kind)
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise SpecError([Issue(f"the {kind} is saved as UTF-32 text; save it as UTF-8", file=path, line=1, col=1)])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(raw):
        raise SpecError([Issue(f"the {kind} is saved as UTF-16 text (\"Unicode\" in some editors); save it as "
                               "UTF-8", file=path, line=1, col=1)])
    if b"\0" in raw[:8192]:
        raise SpecError([Issue(f"this is binary data, not a {kind} (YAML text); check the file name",
                               file=path, line=1, col=1)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError([Issue(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            file=path, line=line, col=col)]) from None
    return parse_document(text, path, kind=kind)


def _read_bounded(path: Path, kind: str) -> bytes:
    """The file's bytes, refusing what is not a regular file of at most `MAX_FILE_BYTES`."""
    try:
        check_name(os.fspath(path))
    except PathProblem as problem:
        raise SpecError([Issue(f"cannot read the {kind} `{problem.shown}`: the path {problem.detail}")]) from None
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise SpecError([Issue(f"{kind} file not found", file=path)]) from None
    except OSError as exc:
        raise SpecError([Issue(f"cannot read {kind}: {exc.strerror or exc}", file=path)]) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError([Issue(f"expected a {kind} file, this is a folder", file=path)])
    if not stat.S_ISREG(info.st_mode):
        raise SpecError([Issue(f"expected a {kind} file, this is a device or a pipe (it would be read forever)",
                               file=path)])
    too_big = SpecError([Issue(f"the {kind} is {max(info.st_size, MAX_FILE_BYTES + 1) / 2**20:.1f} MB; the limit "
                               f"is {MAX_FILE_BYTES // 2**20} MB (a storyboard of 10,000 scenes is about 1 MB)",
                               file=path)])
    if info.st_size > MAX_FILE_BYTES:
        raise too_big
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise SpecError([Issue(f"cannot read {kind}: {exc.strerror or exc}", file=path)]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise too_big
    return raw


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII text with a NUL byte beside every character."""
    head = raw[:64]
    return len(head) >= 8 and (head[1::2].count(0) == len(head[1::2]) or head[0::2].count(0) == len(head[0::2]))


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
    check_nodes(node, path, issues, kind)
    if issues:
        raise SpecError(issues)
    if not isinstance(node, yaml.MappingNode):
        m = node.start_mark
        raise SpecError([Issue(f"the top level of a {kind} must be a mapping of keys like `title:`, "
                               f"found a {_node_kind(node)}", file=path, line=m.line + 1, col=m.column + 1)])
    constructor = _Constructor("", collect=True)
    try:
        data = constructor.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_issue(exc, path, text)]) from None
    finally:
        constructor.dispose()
    if constructor.failed:
        lines = text.split("\n")
        fields = _paths_of(node, {id(n) for n in constructor.failed})
        found = [_TagProblem(n).issue(path, lines, fields.get(id(n), "")) for n in constructor.failed]
        raise SpecError(sorted(found, key=lambda i: (i.line or 0, i.col or 0)))
    return Document(path=path, data=data, node=node)


class _TagProblem(Exception):
    """A YAML tag (`!!int abc`, `!!timestamp 2020-99-99`) whose value its type cannot hold."""

    def __init__(self, node: yaml.Node) -> None:
        super().__init__(node.tag)
        self.node = node

    def issue(self, path: Path, lines: Sequence[str], field_path: str = "") -> Issue:
        """The located issue; `lines` are the document's, `field_path` names the value (`scenes[0].duration`)."""
        tag = self.node.tag.replace(_YAML_TAG, "!!")
        kind = _TAG_KINDS.get(tag, "that type")
        value = self.node.value if isinstance(self.node, yaml.ScalarNode) else ""
        m = self.node.start_mark
        written = re.sub(r"^&\S+\s+", "", lines[m.line][m.column:] if m.line < len(lines) else "")  # past `&anchor`
        where = {"file": path, "line": m.line + 1, "col": m.column + 1, "path": field_path}
        if not written.startswith("!"):  # no tag: a date that is not one (2026-02-30), or a number over 4,300 digits
            return Issue(not_a_date(value) if tag == "!!timestamp" else f"the number `{shown(value)}` is too long to "
                         f"read ({len(value):,} characters); write a real value", **where)
        return Issue(f"the YAML tag `{tag}` cannot turn `{shown(value)}` into {kind}; remove the tag (Reel "
                     "reads values such as `2.2s` or `2020-01-31` without YAML tags)", **where)


def _paths_of(root: yaml.Node, wanted: set[int]) -> dict[int, str]:
    """The display path (`scenes[0].duration`) of each node whose id is in `wanted`: one walk."""
    found: dict[int, str] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack and len(found) < len(wanted):
        node, loc = stack.pop()
        if id(node) in seen:  # an alias: the anchor's own path is the one to show
            continue
        seen.add(id(node))
        if id(node) in wanted:
            found[id(node)] = format_path(loc)
        if isinstance(node, yaml.MappingNode):
            stack.extend((v, (*loc, shown(k.value) if isinstance(k, yaml.ScalarNode) else "?"))
                         for k, v in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, (*loc, i)) for i, v in reversed(list(enumerate(node.value))))
    return found


_TAG_KINDS = {"!!int": "a whole number", "!!float": "a number", "!!bool": "yes or no", "!!timestamp": "a date",
              "!!binary": "base64 data", "!!null": "an empty value"}


class _Constructor(_Loader):
    """Builds the data; a tagged value its type cannot hold becomes a located `_TagProblem`.

    PyYAML's safe constructors raise plain `ValueError`s for `!!int abc` or `!!float 2.2s`,
    with no position: catching them per node is the one place that still knows the node.
    """

    def __init__(self, stream: str, *, collect: bool = False) -> None:
        super().__init__(stream)
        self.collect = collect  # keep going after a bad value, so every one is reported at once
        self.failed: list[yaml.Node] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (_TagProblem, yaml.MarkedYAMLError):
            raise
        except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
            if not self.collect:
                raise _TagProblem(node) from exc
            self.failed.append(node)
            self.recursive_objects.pop(node, None)
            self.constructed_objects[node] = None  # an alias of it gets the same placeholder
            return None


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
    message += syntax_hint(problem, mark, text)
    if isinstance(exc, yaml.constructor.ConstructorError):
        if "for merging" in problem:
            message = "`<<:` (a YAML merge key) takes an anchored mapping, like `<<: *defaults`"
            mark = exc.context_mark or mark  # the mapping that has the `<<:`, not the anchor's value
        elif "unhashable key" in problem:
            message = "a list or a mapping cannot be a key; write a plain name before the `:`"
        elif problem.startswith("expected a") and " node" in problem:
            message = f"a YAML tag here does not fit its value ({problem.replace(' node', '')}); remove the tag"
    if "could not determine a constructor for the tag" in problem:
        found = re.search(r"tag '(.*)'", problem)
        tag = (found.group(1) if found else "").replace(_YAML_TAG, "!!")
        message = f"the YAML tag `{shown(tag)}` is not allowed; remove it (Reel reads plain values only)"
    if mark is None:
        return Issue(message, file=path)
    return Issue(message, file=path, line=mark.line + 1, col=mark.column + 1)

"""Checks on the YAML node graph, made before anything is built from it.

Duplicate keys (YAML keeps the last silently), nesting deeper than any document needs (the
recursive code after parsing must never meet it), recursive aliases and alias bombs (a few
lines that expand to billions of values). Iterative, so a hostile file cannot exhaust
Python's stack here either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toolkit.doc.paths import shown
from toolkit.errors import Issue, SpecError

# A storyboard of 10,000 scenes is ~200k nodes; anything far past that is an alias bomb.
MAX_EXPANDED_NODES = 2_000_000
# The deepest storyboard key (`scenes[0].style.captions.box.color`) is 7 levels down; past 40
# it is a mistake or an attack.
MAX_DEPTH = 40


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_nodes(root: yaml.Node, path: Path, issues: list[Issue], kind: str = "storyboard") -> None:
    """Append an issue for each duplicate key, recursive alias or alias bomb under `root`.

    Raises `SpecError` at once for nesting deeper than `MAX_DEPTH` (located at that node).
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    frames: list[list[Any]] = []  # [node, children, next child, size so far]
    over = MAX_EXPANDED_NODES + 1
    aliased: list[yaml.Node] = []

    def enter(node: yaml.Node) -> int | None:
        """The node's known size, or None after pushing a frame to measure it."""
        key = id(node)
        if key in sizes:
            aliased.append(node)  # met a second time: only an alias leads back to a node
            return sizes[key]
        m = node.start_mark
        if key in on_path:
            issues.append(Issue("recursive YAML alias", file=path, line=m.line + 1, col=m.column + 1))
            return over
        if len(frames) >= MAX_DEPTH:
            raise SpecError([Issue(f"values are nested more than {MAX_DEPTH} levels deep here; a {kind} needs "
                                   "fewer than 10 (an unclosed bracket?)", file=path, line=m.line + 1,
                                   col=m.column + 1)])
        if isinstance(node, yaml.MappingNode):
            _duplicates(node, path, issues)
        on_path.add(key)
        frames.append([node, _children(node), 0, 1])
        return None

    total = enter(root)
    while frames:
        frame = frames[-1]
        node, kids, i, size = frame
        if i < len(kids) and size <= MAX_EXPANDED_NODES:
            frame[2] = i + 1
            got = enter(kids[i])
            if got is not None:
                frame[3] += got
            continue
        frames.pop()
        on_path.discard(id(node))
        sizes[id(node)] = size
        if frames:
            frames[-1][3] += size
        else:
            total = size
    if (total or 0) > MAX_EXPANDED_NODES and not any("recursive" in i.message for i in issues):
        if aliased:
            issues.append(Issue("YAML anchors/aliases expand to more than 2 million values (an alias bomb?); "
                                "write the values out instead", file=path, line=1, col=1))
        else:
            issues.append(Issue(f"the {kind} holds more than 2 million values (a storyboard of 10,000 scenes has "
                                "about 200,000); check you gave the right file", file=path, line=1, col=1))


def _duplicates(node: yaml.MappingNode, path: Path, issues: list[Issue]) -> None:
    seen: dict[str, yaml.Node] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode):
            continue
        if k.value in seen:
            first = seen[k.value].start_mark
            issues.append(Issue(
                f"duplicate key `{shown(k.value)}` (first written at line {first.line + 1}); "
                "YAML keeps only the last one, so remove or rename one of them",
                file=path, line=k.start_mark.line + 1, col=k.start_mark.column + 1))
        else:
            seen[k.value] = k

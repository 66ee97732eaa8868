"""Output names for re-rendering many storyboards under one template (`reel render ... --template`).

Names are `<stem>--<template>.mp4`. Storyboards with the same stem in different folders get
just enough of their folder path to tell them apart (`week1-film--charity.mp4`,
`week2-film--charity.mp4`), decided from the paths alone, so the result does not depend on
argument order and is the same on every run. Names are compared case-insensitively, because
macOS and Windows file systems are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

SUFFIX = ".mp4"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(text: str) -> str:
    """A file-name-safe form: runs of anything but letters, digits, `.`, `_`, `-` become `-`."""
    return _UNSAFE.sub("-", text).strip("-.") or "film"


def output_names(storyboards: Sequence[Path], out_dir: Path, template: str) -> dict[Path, Path]:
    """Map each storyboard to `out_dir / "<stem>--<template>.mp4"`, unique across the batch.

    Equal stems are prefixed with as many parent-folder names as it takes to separate them;
    if that is not enough (names that differ only in unsafe characters), a short hash of the
    storyboard's absolute path is added. The same file given twice (by different spellings of
    its path) maps to the same output, so the caller can render it once.
    """
    out_dir = Path(out_dir)
    tag = _safe(template)
    files = {p: Path(p).resolve() for p in storyboards}
    distinct = sorted(set(files.values()))
    stems: dict[Path, str] = {f: _safe(f.stem) for f in distinct}
    depth: dict[Path, int] = dict.fromkeys(distinct, 0)
    while True:
        groups: dict[str, list[Path]] = {}
        for f in distinct:
            groups.setdefault(_name(f, stems[f], depth[f]).casefold(), []).append(f)
        clashes = [g for g in groups.values() if len(g) > 1]
        if not clashes:
            break
        grew = False
        for group in clashes:
            for f in group:
                if depth[f] < len(f.parent.parts) - 1:  # never use the file system root
                    depth[f] += 1
                    grew = True
        if not grew:
            break
    names = {f: _name(f, stems[f], depth[f]) for f in distinct}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    for f, name in names.items():
        if counts[name.casefold()] > 1:
            names[f] = f"{name}-{hashlib.sha1(str(f).encode()).hexdigest()[:8]}"
    return {p: out_dir / f"{names[f]}--{tag}{SUFFIX}" for p, f in files.items()}


def _name(file: Path, stem: str, depth: int) -> str:
    folders = [_safe(part) for part in file.parent.parts[len(file.parent.parts) - depth:]] if depth else []
    return "-".join([*folders, stem])

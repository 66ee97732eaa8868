"""The manifest of a rendered film: what it was made from, so a library can tell when it is out of date.

Every film Reel renders (final and draft) gets one, written two ways:

* `FILM.reel.json` beside the film (`sidecar_bytes`), written, refused and replaced with the
  film's caption files (`toolkit.film.run.sidecars`): content digests of the storyboard and of
  every file it reads, of the template's files, of the `--field` values, and of each helpline
  entry the end card shows (with its id, name, numbers and `verified_on`), the render's kind and
  size, and Reel's version;
* a compact tag in the film's own metadata (`MANIFEST_KEY`, `film_tag`): the sidecar's digest,
  the storyboard's identity (`run.drafts.draft_tag`, a hash of its path), the kind, Reel's
  version and the helpline entries' ids, dates and digests. No paths and no names go into the
  film, whose metadata is shared with it (issue 16); the sidecar holds paths relative to the
  storyboard (and the template's relative to the templates folder), never a contributor's name,
  consent record or place.

`reel library status` (`toolkit.film.library`) reads them back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.care.helplines import NUMBER_TYPES, HelplineEntry
from toolkit.film.run.drafts import draft_tag
from toolkit.media.digests import content_digest
from toolkit.settings import Settings, reel_version

if TYPE_CHECKING:  # `reel library status` reads manifests without loading the render pipeline
    from toolkit.film.pipeline import Prepared

SCHEMA_VERSION = 1
MANIFEST_KEY = "reel_manifest"
SUFFIX = ".reel.json"


def manifest_path(film: Path) -> Path:
    """The sidecar manifest of the film at `film`: `FILM.reel.json`."""
    return Path(film).with_suffix(SUFFIX)


def digest_dir() -> Path:
    """Where file digests are remembered between runs (by file identity: see `media.digests`)."""
    return Settings.cache_root() / "digests"


def text_digest(text: str) -> str:
    """How the manifest names a value it must not show (a merge field's value)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def entry_digest(entry: HelplineEntry) -> str:
    """A digest of everything a helpline entry says: any edit to it (a number, the hours, a re-verification)
    changes it."""
    return text_digest(json.dumps(entry.model_dump(mode="json"), sort_keys=True, ensure_ascii=False))


def entry_record(entry: HelplineEntry) -> dict[str, Any]:
    """What the manifest keeps of one helpline entry on the end card (public directory data only)."""
    return {"id": entry.id, "region": entry.region, "name": entry.name,
            "numbers": [c.value for c in entry.channels if c.type in NUMBER_TYPES and c.on_card],
            "verified_on": entry.verified_on.isoformat(), "digest": entry_digest(entry)}


def build_manifest(prepared: Prepared, film: Path, *, draft: bool) -> dict[str, Any]:
    """The manifest of `prepared` rendered to `film` (a draft or a final). Hashes every input
    (memoised by file identity, so an unchanged clip is not read again).

    Raises `OSError` when an input cannot be read."""
    storyboard = prepared.loaded.path.resolve()
    sb = prepared.loaded.storyboard
    base = storyboard.parent
    memo = digest_dir()
    inputs = sorted({Path(p).resolve() for p in _inputs(prepared)} - {storyboard})
    tpl = prepared.template
    root = tpl.folder.resolve().parent  # the templates folder: files are named from there
    fonts = {Path(p).resolve() for p in (prepared.inputs.fonts.heading, prepared.inputs.fonts.body,
                                         prepared.inputs.fonts.captions)}
    template_files = sorted({p for name in tpl.chain for p in _files_under(root / name)}
                            | {p for p in fonts if p.is_file()})
    return {
        "reel_manifest": SCHEMA_VERSION,
        "reel_version": reel_version(),
        "kind": "draft" if draft else "final",
        "size": {"width": prepared.timeline.canvas.width, "height": prepared.timeline.canvas.height},
        "film": Path(film).name,
        "storyboard": {"id": draft_tag(prepared.loaded.path),
                       "path": _relative(storyboard, Path(film).resolve().parent),
                       "digest": content_digest(storyboard, memo)},
        "inputs": [{"path": input_name(p, base), "digest": content_digest(p, memo)} for p in inputs],
        "template": {"name": tpl.chain[0],
                     "files": [{"path": template_name(p, root), "digest": content_digest(p, memo)}
                               for p in template_files]},
        "fields": {name: text_digest(value) for name, value in sorted(prepared.fields)},
        "helplines": [entry_record(e) for e in prepared.selection.services],
        # what the directory chose from: the status asks it again, to see a card that would now differ
        "end_card": {"region": sb.region, "topics": [str(t) for t in sb.topics],
                     "services": list(sb.end_card.services)},
    }


def sidecar_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The sidecar's contents: the manifest as indented, key-sorted UTF-8 JSON."""
    return (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def film_tag(manifest: Mapping[str, Any]) -> str:
    """The compact tag the film carries: no paths, no names (see the module's docstring)."""
    digest = "sha256:" + hashlib.sha256(sidecar_bytes(manifest)).hexdigest()[:32]
    return json.dumps({"v": SCHEMA_VERSION, "manifest": digest, "storyboard": manifest["storyboard"]["id"],
                       "kind": manifest["kind"], "reel": manifest["reel_version"],
                       "helplines": [[h["id"], h["verified_on"], h["digest"]] for h in manifest["helplines"]]},
                      separators=(",", ":"), sort_keys=True)


def template_name(path: Path, root: Path) -> str:
    """How the manifest names a template file: `templates:NAME/FILE` under the templates folder,
    `python:PACKAGE/FILE` for a file an installed package ships (the fonts), else its path
    relative to the templates folder. Never an absolute path (it could hold a user's name)."""
    for prefix, base in (("templates", root), ("python", python_root())):
        if path.is_relative_to(base):
            return f"{prefix}:{path.relative_to(base).as_posix()}"
    return _relative(path, root)


def input_name(path: Path, base: Path) -> str:
    """How the manifest names a file the film reads: `assets:FILE` for Reel's own asset library (a
    stock sound or sticker), `python:PACKAGE/FILE` for a file an installed package ships, else its
    path relative to the storyboard's folder `base` (`./` before a name that would read as one of
    those). The library's place differs between installs; the name does not."""
    for prefix, root in input_roots().items():
        if path.is_relative_to(root):
            return f"{prefix}:{path.relative_to(root).as_posix()}"
    named = _relative(path, base)
    return f"./{named}" if named.partition(":")[0] in input_roots() else named


def input_roots() -> dict[str, Path]:
    """The folders an input may be named from instead of the storyboard's (see `input_name`)."""
    from toolkit.film.assets import library_dir

    return {"assets": library_dir().resolve(), "python": python_root()}


def python_root() -> Path:
    """Where installed packages live (the fonts' packages)."""
    import sysconfig

    return Path(sysconfig.get_paths()["purelib"]).resolve()


def _inputs(prepared: Prepared) -> list[Path]:
    """Every file the film reads besides the template: media, caption files, python layers' code."""
    from toolkit.film import pylayers
    from toolkit.film.plan.timeline import ImageSource, VideoSource

    paths = [*prepared.inputs.media.keys(), *prepared.loaded.caption_files.keys()]
    paths += [layer.source.path for _, layer in pylayers.python_layers(prepared.timeline)]  # type: ignore[union-attr]
    paths += [seg.source.path for seg in prepared.timeline.segments
              if isinstance(seg.source, VideoSource | ImageSource)]
    return [p for p in paths if Path(p).is_file()]


def _files_under(folder: Path) -> list[Path]:
    """The regular files of a template folder (hidden ones skipped), resolved."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found += [Path(dirpath, f).resolve() for f in filenames if not f.startswith(".")]
    return [p for p in found if p.is_file()]


def _relative(path: Path, base: Path) -> str:
    """`path` relative to `base`, in POSIX form (`..` where it lies outside)."""
    return Path(os.path.relpath(path, base)).as_posix()

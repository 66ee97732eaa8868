"""`reel render --changed`: render again only the films whose output is missing or not up to date.

A film there is replaced without --force only when it is provably this storyboard's own earlier
render of the same kind (its manifest tag names the storyboard, `run.drafts.draft_tag`), and a
file beside it only when that film names the file's digest (`run.sidecars.CAPTIONS_KEY`):
never a file that is not that storyboard's Reel film. See `toolkit.film.library` for the statuses.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from toolkit.film.library import (
    LARGEST_MANIFEST,
    NOT_REEL,
    STALE,
    UNREADABLE,
    UP_TO_DATE,
    Checker,
    FilmStatus,
    film_tag_of,
)
from toolkit.film.manifest import manifest_path, text_digest


def own_film_status(storyboard: Path, film: Path, *, draft: bool, fields: Mapping[str, str],
                    template: str | None = None, allow_outside: bool = False) -> FilmStatus | None:
    """For `reel render --changed`: the status of the film at `film` as `storyboard`'s own
    (`draft` or final) render with these `--field` values and `--template`, or None when nothing
    is there. A file that is not this storyboard's Reel film of that kind is `not a Reel film`
    (and so never replaced without --force)."""
    if not os.path.lexists(film):
        return None
    from toolkit.film.run.drafts import draft_tag

    tag = film_tag_of(film)
    kind = "draft" if draft else "final"
    if tag is None or tag.get("storyboard") != draft_tag(storyboard) or tag.get("kind") != kind:
        return FilmStatus(Path(film), NOT_REEL, (f"{film} is not this storyboard's {kind} film",))
    sidecar = manifest_path(film)
    if os.path.lexists(sidecar) and _sidecar_digest(sidecar) != tag.get("manifest"):
        sidecar = None  # not the manifest written with this film: only its tag can be trusted
    checker = Checker(None if allow_outside else Path(storyboard).resolve().parent)
    status = checker.film(Path(film), sidecar if sidecar is not None and os.path.lexists(sidecar) else None, tag=tag)
    if status.status in (UNREADABLE, NOT_REEL):
        return status
    extra: list[str] = []
    manifest = checker.last_manifest
    if manifest is not None and manifest.get("fields", {}) != {k: text_digest(v) for k, v in sorted(fields.items())}:
        extra.append("the --field values changed")
    if manifest is not None and template is not None and manifest["template"]["name"] != template:
        extra.append(f"the template changed ({manifest['template']['name']} → {template})")
    if extra and status.status in (UP_TO_DATE, STALE):
        return FilmStatus(status.film, STALE, status.reasons + tuple(extra), status.manifest, status.kind)
    return status


def _sidecar_digest(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode) or os.lstat(path).st_size > LARGEST_MANIFEST:
            return None
        return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32]
    except OSError:
        return None


def changed_targets(targets: Mapping[Path, Path], *, draft: bool, fields: Mapping[str, str],
                    template: str | None = None, allow_outside: bool = False
                    ) -> tuple[dict[Path, Path], dict[Path, FilmStatus], set[Path]]:
    """`reel render --changed`: split storyboard → film `targets` into (those to render, those
    skipped as up to date with their status, the films there proven to be their storyboard's own
    earlier render of this kind, which the new render may replace without --force)."""
    render: dict[Path, Path] = {}
    skipped: dict[Path, FilmStatus] = {}
    own: set[Path] = set()
    for sb, film in targets.items():
        found = own_film_status(sb, film, draft=draft, fields=fields, template=template, allow_outside=allow_outside)
        if found is not None and found.status == UP_TO_DATE:
            skipped[sb] = found
            continue
        render[sb] = film
        if found is not None and found.status != NOT_REEL:
            own.add(film)
    return render, skipped, own


def replaces_own_film(storyboard: Path, *, draft: bool) -> Callable[[Path], bool]:
    """The `replaces` test for `atomic_output` under `--changed`: is the file there a regular MP4
    whose manifest tag says it is `storyboard`'s own render of this kind (draft or final)?"""
    from toolkit.film.run.drafts import draft_tag

    tag, kind = draft_tag(storyboard), "draft" if draft else "final"

    def own(path: Path) -> bool:
        found = film_tag_of(path)
        return found is not None and found.get("storyboard") == tag and found.get("kind") == kind

    return own


def replaces_own_sidecar(storyboard: Path, film: Path, *, draft: bool) -> Callable[[Path], bool]:
    """The `replaces` test for a file beside the film under `--changed`: the film there is
    `storyboard`'s own, and names this file's digest among those written with it (`CAPTIONS_KEY`)."""
    from toolkit.film.run.sidecars import CAPTIONS_KEY, content_tag

    own_film = replaces_own_film(storyboard, draft=draft)

    def written_with_film(path: Path) -> bool:
        if not own_film(film):
            return False
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > LARGEST_MANIFEST * 4:
                return False
            data = Path(path).read_bytes()
        except OSError:
            return False
        return content_tag(data) in _metadata(film).get(CAPTIONS_KEY, "").split()

    return written_with_film


def _metadata(film: Path) -> dict[str, str]:
    import av

    try:
        with av.open(os.fspath(film), metadata_errors="ignore") as container:
            return dict(container.metadata)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return {}

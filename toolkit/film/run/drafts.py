"""A draft may replace the previous draft of the same storyboard, and nothing else.

Every draft carries its storyboard's identity in the MP4's metadata (`reel_draft`, see
`draft_tag`). Rendering a draft again to the same name replaces the file there only when that
file is a regular MP4 whose `reel_draft` is this storyboard's: an earlier draft of this very
film. A final, another storyboard's draft, a symlink, or any other file with the draft's name
is refused as before (use --force). The check runs when the render starts and again just
before the new draft is moved into place (`atomic_output(replaces=...)`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

DRAFT_KEY = "reel_draft"


def draft_tag(storyboard: Path) -> str:
    """The storyboard's identity as written into its drafts: a hash of its absolute path.

    A hash, not the path: films get shared, and a path can hold a user's name. Moving the
    storyboard gives it a new identity, so its old draft is then kept unless --force.
    """
    digest = hashlib.sha256(os.fsencode(os.path.abspath(storyboard))).hexdigest()
    return f"sha256:{digest[:24]}"


def is_draft_of(path: Path, tag: str) -> bool:
    """True when `path` is a regular MP4 file (not a link) whose `reel_draft` metadata is `tag`."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return False
    import av  # imported lazily: loading libav is costly and only media work needs it

    try:
        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            if container.format.name != "mov,mp4,m4a,3gp,3g2,mj2":
                return False
            return container.metadata.get(DRAFT_KEY) == tag
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return False


def replaces_draft_of(storyboard: Path) -> Callable[[Path], bool]:
    """The `replaces` test for `atomic_output`: is the file there a draft of `storyboard`?"""
    tag = draft_tag(storyboard)
    return lambda path: is_draft_of(path, tag)

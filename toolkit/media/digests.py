"""Content digests of media files, remembered between runs.

Caches (proxies, reversed and anonymised copies, face tracks, alignments, picture words) are named
by what a file holds, not by its name, so an edited file is never served a stale result. Hashing a
long clip on every run would cost more than the work it saves, so each digest is remembered under
`memo_dir` against the file's path, size, mtime and inode: a file that changes gets a new stamp and
is hashed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from toolkit.atomic import write_atomic

_HASH_CHUNK = 1 << 20


def content_digest(path: Path, memo_dir: Path) -> str:
    """BLAKE2b of the file's bytes and its size (`<hex>-<size>`), memoised under `memo_dir`.

    Raises `OSError` when the file cannot be read or the memo cannot be written."""
    path = Path(path).resolve()
    st = path.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}
    memo = Path(memo_dir) / (hashlib.blake2b(str(path).encode(), digest_size=16).hexdigest() + ".json")
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in stamp} == stamp:
            return str(saved["digest"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    value = f"{digest.hexdigest()}-{st.st_size}"
    write_atomic(memo, json.dumps({**stamp, "digest": value}))
    return value

"""Run-time settings, resolved lazily and passed explicitly (no import-time probing)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# x264's output depends on its thread count (frame threads change which reference pixels each frame
# may use), so every encode runs with this many, whatever the machine or the way it was started
# (`reel render`, the library, the studio, a batch's pool or Dask worker): one film always decodes
# to the same frames, and a draft piece cached by one is reused by the others. Two frame threads keep
# a 2-core machine busy; a bigger one runs several films at once (`toolkit.batch.sizing`).
ENCODE_THREADS = 2


@dataclass(frozen=True)
class Settings:
    """Where the tools are and how chatty to be. Construct once in the CLI and pass down."""

    ffmpeg_override: str | None = field(default=None)
    threads: int = ENCODE_THREADS  # x264's threads (0 would let ffmpeg decide, per machine)

    @cached_property
    def ffmpeg(self) -> str:
        """Path of the ffmpeg binary: $REEL_FFMPEG, else the static build shipped by imageio-ffmpeg."""
        if self.ffmpeg_override:
            return self.ffmpeg_override
        env = os.environ.get("REEL_FFMPEG")
        if env:
            return env
        import imageio_ffmpeg  # imported here: resolving the binary is I/O, keep it out of import time

        return imageio_ffmpeg.get_ffmpeg_exe()

    @staticmethod
    def cache_root() -> Path:
        """Reel's cache folder (safe to delete): $REEL_CACHE, else $XDG_CACHE_HOME, else ~/.cache; then `reel`.

        Without a home folder (a container running as a user with no passwd entry), a per-user
        folder in the system's temporary directory."""
        base = os.environ.get("REEL_CACHE") or os.environ.get("XDG_CACHE_HOME")
        if not base:
            try:
                base = str(Path.home() / ".cache")
            except RuntimeError:
                import tempfile

                base = str(Path(tempfile.gettempdir()) / f"reel-cache-{os.getuid()}")
        return Path(base) / "reel"

    @staticmethod
    def draft_cache_budget() -> int:
        """Bytes the draft pieces in Reel's cache may take after a draft: $REEL_DRAFT_CACHE_SIZE
        (`2G`, `500M`, `800K` or plain bytes; powers of 1024), else 2 GiB.

        Raises `ReelError` naming the variable when its value is not a size."""
        raw = os.environ.get("REEL_DRAFT_CACHE_SIZE", "").strip()
        if not raw:
            return 2 << 30
        units = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
        number, unit = raw.rstrip("bBiI"), ""
        if number and number[-1].upper() in units:
            number, unit = number[:-1], number[-1].upper()
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if not number or value != value or value < 0 or value == float("inf"):
            from toolkit.errors import ReelError

            raise ReelError(f"REEL_DRAFT_CACHE_SIZE={raw!r} is not a size: write it like 2G, 500M or "
                            "800000000 (bytes)")
        return int(value * units[unit])

    @staticmethod
    def package_root() -> Path:
        """The installed `toolkit` package folder (for shipped data files)."""
        return Path(__file__).resolve().parent

    @staticmethod
    def data_dir(name: str) -> Path:
        """A data folder Reel ships (`templates`, `rubrics`, `schema`, `assets`): under $REEL_HOME when
        set, else the checkout's top-level folder, else the copy a wheel carries inside the
        package (`toolkit/shipped/`, made by setup.py)."""
        env = os.environ.get("REEL_HOME")
        if env:
            return Path(env) / name
        checkout = Path(__file__).resolve().parent.parent
        # A checkout has pyproject.toml beside the package; site-packages does not, and may
        # hold an unrelated top-level `templates/` from some other distribution.
        if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
            return checkout / name
        return Settings.package_root() / "shipped" / name


def reel_version() -> str:
    """The installed Reel's version, "unknown" when it runs from a source tree never installed (it
    goes into reports, manifests and cache keys: a new version renders and grades afresh)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reel")
    except PackageNotFoundError:
        return "unknown"

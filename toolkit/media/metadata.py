"""Metadata that identifies where or with what a clip was filmed (issue 16: contributor protection).

Phones write the place a clip was recorded into its container: QuickTime's `©xyz` atom (libav
shows it as `location` / `location-eng`) and `com.apple.quicktime.location.ISO6709` in the
`mdta` keys, Android's `com.android.*` keys alongside. A film posted with these tags tells anyone
who downloads it where a contributor lives. Device tags (`make`, `model`, `software`, serial
numbers) name the phone, not the place.

Tags are read with PyAV from the container and from every stream; undecodable text is dropped
(`metadata_errors="ignore"`), as `probe` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Keys whose value is a place, compared lower-case with any `-eng`-style language suffix removed.
_LOCATION_KEYS = frozenset({"location", "com.apple.quicktime.location.iso6709", "xyz", "\u00a9xyz",
                            "gps", "gpscoordinates", "com.android.capture.location"})
# A value that is a position whatever its key: ISO 6709 (±DD.DDDD±DDD.DDDD[±alt]/), as phones write it.
_ISO6709 = re.compile(r"^[+-]\d{2}(?:\d{2}(?:\d{2})?)?(?:\.\d+)?[+-]\d{3}(?:\d{2}(?:\d{2})?)?(?:\.\d+)?"
                      r"(?:[+-]\d+(?:\.\d+)?)?(?:CRS[A-Z0-9_]+)?/?$")
_DEVICE_KEYS = frozenset({"make", "model", "com.apple.quicktime.make", "com.apple.quicktime.model",
                          "com.apple.quicktime.software", "com.android.manufacturer", "com.android.model",
                          "com.android.version", "serial", "serial_number", "com.apple.quicktime.serial"})
_LANGUAGE_SUFFIX = re.compile(r"-[a-z]{3}$")


@dataclass(frozen=True, slots=True)
class IdentifyingTags:
    """Tag names (as `where:key`, e.g. `container:location`, `stream 0:make`) found in a clip."""

    location: tuple[str, ...] = ()
    device: tuple[str, ...] = ()


def _kind(key: str, value: str) -> str | None:
    name = _LANGUAGE_SUFFIX.sub("", key.strip().lower())
    if name in _LOCATION_KEYS or "location" in name.split(".") or "gps" in name:
        return "location"
    if _ISO6709.match(value.strip()):
        return "location"
    if name in _DEVICE_KEYS or name.endswith((".make", ".model", ".serial")) or name.startswith("com.android."):
        return "device"
    return None


def tag_pairs(path: Path) -> list[tuple[str, str, str]]:
    """Every (where, key, value) metadata pair of the container and its streams."""
    import av  # lazily: loading libav is costly

    pairs: list[tuple[str, str, str]] = []
    with av.open(str(path), metadata_errors="ignore") as container:
        pairs += [("container", str(k), str(v)) for k, v in dict(container.metadata or {}).items()]
        for stream in container.streams:
            pairs += [(f"stream {stream.index}", str(k), str(v)) for k, v in dict(stream.metadata or {}).items()]
    return pairs


def identifying_tags(path: Path) -> IdentifyingTags:
    """The location and device tags `path` carries (an empty result for a clean file)."""
    location: list[str] = []
    device: list[str] = []
    for where, key, value in tag_pairs(path):
        kind = _kind(key, value)
        if kind == "location":
            location.append(f"{where}:{key}")
        elif kind == "device":
            device.append(f"{where}:{key}")
    return IdentifyingTags(tuple(location), tuple(device))

"""Audio decoding with PyAV: whole clips (`decode_audio`) or fixed-size blocks (`iter_audio_blocks`).

Audio is resampled by `av.AudioResampler` to packed float32 at the requested rate, keeping the
source channel layout (mono, stereo, 5.0, 5.1...). A 10-minute stereo clip at 48 kHz takes
~230 MB as float32, so long files should be streamed with `iter_audio_blocks`, which keeps
one block in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np

from toolkit.errors import AssetError, ProbeError

__all__ = [
    "DEFAULT_LAYOUTS",
    "DEFAULT_RATE",
    "AudioClip",
    "decode_audio",
    "iter_audio_blocks",
    "probe_layout",
]

DEFAULT_RATE = 48000
# Layout assumed when a file does not say which channel is which (e.g. a plain PCM WAV).
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 5: "5.0", 6: "5.1"}


@dataclass(frozen=True, eq=False)
class AudioClip:
    """Decoded audio: `samples` is float32, shape (n, channels), read-only.

    `layout` is ffmpeg's layout name ("mono", "stereo", "5.1"...); `channel_names` its channels
    in order ("FL", "FR", "FC", "LFE", "BL", "BR"...).
    """

    samples: np.ndarray
    rate: int
    channels: int
    layout: str
    channel_names: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate


def _open(path: Path):  # -> av.container.InputContainer
    import av  # PyAV loads the ffmpeg libraries: keep that out of import time

    if not path.exists():
        raise AssetError(f"{path}: file not found")
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"{path}: unreadable media file ({exc})") from exc


def _audio_stream(container, path: Path):  # -> av.audio.stream.AudioStream
    if not container.streams.audio:
        raise ProbeError(f"{path}: no audio stream")
    return container.streams.audio[0]


def _describe(layout) -> tuple[str, tuple[str, ...]]:  # layout: av.AudioLayout
    """(layout name, channel names), naming unordered layouts ("2 channels") by their default."""
    names = tuple(c.name for c in layout.channels)
    if "NONE" in names and len(names) in DEFAULT_LAYOUTS:
        import av

        default = av.AudioLayout(DEFAULT_LAYOUTS[len(names)])
        return default.name, tuple(c.name for c in default.channels)
    return layout.name, names


def probe_layout(path: str | PathLike[str]) -> tuple[int, int, str]:
    """(sample rate, channels, layout name) of the first audio stream, without decoding."""
    path = Path(path)
    with _open(path) as container:
        stream = _audio_stream(container, path)
        layout = stream.codec_context.layout
        return stream.codec_context.sample_rate, layout.nb_channels, _describe(layout)[0]


def _frames(
    path: Path, rate: int, max_seconds: float | None
) -> Iterator[tuple[np.ndarray, str, tuple[str, ...]]]:
    """Yield (float32 (n, channels) array, layout name, channel names) per resampled frame."""
    import av

    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    limit = None if max_seconds is None else max(0, round(max_seconds * rate))
    with _open(path) as container:
        stream = _audio_stream(container, path)
        layout = stream.codec_context.layout
        name, names = _describe(layout)
        resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
        produced = 0
        try:
            for frame in _decoded_then_flush(container, stream):
                for out in resampler.resample(frame):
                    data = out.to_ndarray().reshape(-1, len(names))
                    if limit is not None and produced + len(data) >= limit:
                        yield data[: limit - produced], name, names
                        return
                    produced += len(data)
                    yield data, name, names
        except av.FFmpegError as exc:
            raise ProbeError(f"{path}: cannot decode audio ({exc})") from exc


def _decoded_then_flush(container, stream):  # -> Iterator[av.AudioFrame | None]
    yield from container.decode(stream)
    yield None  # flushes the resampler's delay line


def decode_audio(
    path: str | PathLike[str], *, rate: int = DEFAULT_RATE, max_seconds: float | None = None
) -> AudioClip:
    """Decode the first audio stream of `path` to float32 at `rate` Hz, keeping its layout.

    Stops after `max_seconds` when given. Raises `ProbeError` naming the file when it has no
    audio stream or cannot be read, `AssetError` when it does not exist. The whole clip is held
    in memory; use `iter_audio_blocks` for long files.
    """
    path = Path(path)
    parts: list[np.ndarray] = []
    layout, names = "", ()
    for data, frame_layout, frame_names in _frames(path, rate, max_seconds):
        parts.append(data)
        layout, names = frame_layout, frame_names
    if not layout:  # an audio stream with no decodable frame: still report its layout
        import av

        layout = probe_layout(path)[2]
        names = tuple(c.name for c in av.AudioLayout(layout).channels)
    samples = np.concatenate(parts) if parts else np.zeros((0, len(names)), dtype=np.float32)
    samples.flags.writeable = False
    return AudioClip(samples, rate, len(names), layout, names)


def iter_audio_blocks(
    path: str | PathLike[str],
    rate: int = DEFAULT_RATE,
    block_seconds: float = 5.0,
    *,
    max_seconds: float | None = None,
) -> Iterator[AudioClip]:
    """Decode `path` as consecutive `AudioClip` blocks of `block_seconds` (the last one shorter).

    Memory stays bounded by one block plus one decoded frame. Errors as for `decode_audio`;
    they are raised when iteration starts.
    """
    size = max(1, round(block_seconds * rate))
    pending: list[np.ndarray] = []
    held = 0
    layout, names = "", ()
    for data, layout, names in _frames(Path(path), rate, max_seconds):
        pending.append(data)
        held += len(data)
        while held >= size:
            joined = np.concatenate(pending)
            yield _clip(joined[:size], rate, layout, names)
            pending, held = [joined[size:]], held - size
    if held:
        yield _clip(np.concatenate(pending), rate, layout, names)


def _clip(samples: np.ndarray, rate: int, layout: str, names: tuple[str, ...]) -> AudioClip:
    samples = np.ascontiguousarray(samples)
    samples.flags.writeable = False
    return AudioClip(samples, rate, len(names), layout, names)

"""The flash gate's tap: the render's encoder command also writes the frames it encodes, shrunk
to the gate's working size, as raw sRGB to a second output (a FIFO the runner reads).

The tap splits the picture after the last conversion to the encoder's pixel format, so the gate
sees the encoder's own input (BT.709 limited-range yuv420p), then converts it exactly as
`toolkit.media.frames` converts a decoded file: area-averaged in YUV to the gate's size first,
then to full-range rgb24 with the BT.709 matrix. The only difference from decoding the written
file is x264's compression, which the gate's 0.10 luminance step is far above.
"""

from __future__ import annotations

from toolkit.care.flash import analysis_size
from toolkit.film.compile.nodes import Graph, Stream, rate
from toolkit.film.plan.timeline import Timeline

TAP_PIXEL_FORMAT = "rgb24"
ENCODER_PIXEL_FORMAT = "yuv420p"  # what `video_options` asks x264 for


def split_for_tap(picture: Stream, timeline: Timeline) -> tuple[Stream, Stream]:
    """The picture for the encoder, and a copy of it at the gate's working size in rgb24."""
    # An explicit conversion where ffmpeg would insert the same one before the encoder: the copy
    # then carries the encoder's pixels, not the graph's before rounding to 4:2:0.
    encoded, seen = Graph.split(picture.filter("format", ENCODER_PIXEL_FORMAT), 2)
    width, height = analysis_size(timeline.canvas.width, timeline.canvas.height)
    seen = seen.filter("scale", width, height, flags="area").filter("format", ENCODER_PIXEL_FORMAT)
    seen = seen.filter("scale", in_color_matrix="bt709", in_range="tv", out_range="pc", flags="bilinear")
    return encoded, seen.filter("format", TAP_PIXEL_FORMAT)


def tap_options(timeline: Timeline) -> list[str]:
    """The tap output's options: raw frames at the film's constant rate, exactly as many as the
    encoder writes (the same `-r`, `-fps_mode` and frame count as `video_options`)."""
    return ["-f", "rawvideo", "-pix_fmt", TAP_PIXEL_FORMAT, "-r", rate(timeline.canvas.fps), "-fps_mode", "cfr",
            "-frames:v", str(timeline.frames)]


def tap_frame_size(timeline: Timeline) -> tuple[int, int]:
    """(width, height) of the tap's frames."""
    return analysis_size(timeline.canvas.width, timeline.canvas.height)


"""A draft's film as separately encoded pieces, its sound as one file, and the join of both.

A final is one x264 session (`graph.compile_render`). A draft is cut into **draft pieces**: runs of
output frames cut on a grid of `PIECE_GOPS` GOPs (`keyint` frames each, the house ~2 s), each one
rendered and encoded by its own ffmpeg (picture, layers and the text shown in its frames; no
sound) into an MP4 that starts with a keyframe. A transition is never cut: a grid line inside one
moves to the transition's end, and footage is never cut (the piece runs on to the end of the
footage's part). The sound is mixed for the whole film in one audio-only command,
and one last command joins the pieces with the concat demuxer and muxes the sound, all by stream
copy (no re-encoding). `toolkit.film.draft_cache` names each piece by what shapes it, so after an
edit only the pieces whose frames changed are rendered again (`toolkit.film.run.draft_pieces`).

Every piece is encoded with the draft's settings and the film's GOP options, so keyframes fall at
every piece's first frame and every `keyint` frames inside it: where the grid was not moved by a
transition, the joined film's keyframes are exactly those of a one-session encode.

Pure and deterministic like the rest of `compile`: no file is read or written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.film.compile import audio
from toolkit.film.compile.graph import _with_layers
from toolkit.film.compile.joins import join_pieces
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.moving_text import overlay_moving
from toolkit.film.compile.nodes import Graph, Stream, rate, seconds
from toolkit.film.compile.output import (
    EncodeSettings,
    audio_options,
    container_options,
    global_options,
    tag_bt709,
    video_options,
)
from toolkit.film.compile.pieces import Piece, pieces, split_body
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.plan.timeline import Timeline, VideoSource

# GOPs per draft piece: 2 (≈ 4 s). Smaller pieces re-render less after an edit but cost one more
# ffmpeg start (and its inputs' seeks) each in a cold draft.
PIECE_GOPS = 2


@dataclass(frozen=True, slots=True)
class DraftPiece:
    """Output frames `start`…`start + frames - 1`, made of the film's `parts` (`pieces.Piece`)."""

    start: int
    parts: tuple[Piece, ...]

    @property
    def frames(self) -> int:
        return sum(piece.length for piece in self.parts)

    @property
    def end(self) -> int:
        return self.start + self.frames


def keyint(timeline: Timeline) -> int:
    """Frames per GOP, as `output.video_options` sets them (about 2 s)."""
    return max(1, round(2 * Fraction(timeline.canvas.fps)))


def draft_pieces(timeline: Timeline, gops: int = PIECE_GOPS) -> list[DraftPiece]:
    """The film's frames cut on a grid of `gops` GOPs (never inside a transition), in order."""
    step = keyint(timeline) * max(1, gops)
    groups: list[list[Piece]] = []
    for whole in pieces(timeline.segments):
        # footage is never opened mid-way: a draft reads proxies, and a proxy opened at a seek
        # showed a speed-changed clip one source frame off (a piece then runs on to the body's end)
        footage = isinstance(timeline.segments[whole.parts[0].segment].source, VideoSource)
        for piece in [whole] if footage else _cut_on_grid(whole, step):
            # a new piece in every cell of the grid: at a grid line, or (a transition carried the
            # last piece over one) right after that transition
            if not groups or piece.start // step != groups[-1][0].start // step:
                groups.append([piece])
            else:
                groups[-1].append(piece)
    return [DraftPiece(group[0].start, tuple(group)) for group in groups]


def _cut_on_grid(piece: Piece, step: int) -> list[Piece]:
    """A body piece cut at the grid lines inside it (a transition piece stays whole)."""
    if piece.transition is not None:
        return [piece]
    return split_body(piece, range((piece.start // step + 1) * step, piece.start + piece.length, step))


def compile_piece(timeline: Timeline, raster: RasterPlan, piece: DraftPiece, *, output: Path,
                  encode: EncodeSettings) -> tuple[str, ...]:
    """The command that renders one draft piece (picture, layers, text; no sound) to an MP4."""
    graph = Graph()
    group = list(piece.parts)
    picture = _with_layers(join_pieces(group, timeline.segments, timeline.canvas, graph), group, timeline, raster,
                           graph)
    if piece.start:
        # the text images are timed on the film: put the piece's frames at film time for them
        picture = picture.filter("setpts", f"PTS+{piece.start}")
    picture = _still_text(picture, timeline, raster, piece, graph)
    picture = overlay_moving(picture, raster.moving, timeline.canvas, graph, piece.start, piece.end)
    picture = tag_bt709(picture.filter("trim", end_frame=piece.frames).filter("setpts", "PTS-STARTPTS"))
    body = graph.argv([picture], output)
    video = video_options(timeline, encode)
    video[video.index("-frames:v") + 1] = str(piece.frames)
    return (*global_options(loglevel="warning", threads=encode.threads, progress=False), "-y", *body[:-1], *video,
            "-an", "-map_metadata", "-1", "-f", "mp4", body[-1])


def _still_text(picture: Stream, timeline: Timeline, raster: RasterPlan, piece: DraftPiece, graph: Graph) -> Stream:
    """The still text over a piece's picture (timestamps in film frames, from the piece's first).

    As in the one-session render (`joins.overlay_text`): the text pictures start half a frame
    early, `overlay` also emits a frame at each picture's start, and `fps` after it keeps one frame
    per slot of the grid (the later one). A piece starts mid-film, so the grid is anchored on its
    first frame (`start_time`; anchored on the first frame out of `overlay`, a text picture starting
    half a frame before the piece shifted the piece by a frame), and the picture gets one copy of its
    last frame so that `fps` has a frame after the piece's last (cut by the caller).
    """
    if raster.concat is None:
        return picture
    fps = timeline.canvas.fps
    picture = picture.filter("tpad", stop=1, stop_mode="clone")
    text = graph.input(str(raster.concat), format="concat")["v"]
    # RGBA → yuva420p with the BT.709 matrix explicitly, as `joins.overlay_text` does
    text = text.filter("scale", out_color_matrix="bt709", out_range="tv").filter("format", "yuva420p")
    shown = graph.filter([picture, text], "overlay", x=raster.box.x, y=raster.box.y, format="yuv420",
                         eof_action="repeat")
    return shown.filter("fps", fps=rate(fps), start_time=seconds(Fraction(piece.start) / fps))


def compile_sound(timeline: Timeline, gain: AudioGain | None, *, output: Path,
                  encode: EncodeSettings) -> tuple[str, ...]:
    """The command that mixes the whole film's sound (silence without any) to an AAC MP4, exactly
    as the one-session render mixes it (`audio.finish`)."""
    graph = Graph()
    sound = audio.finish(audio.build_mix(timeline, graph), timeline, gain, graph)
    body = graph.argv([sound], output)
    return (*global_options(loglevel="warning", progress=False), "-y", *body[:-1], *audio_options(encode), "-vn",
            "-map_metadata", "-1", "-f", "mp4", body[-1])


def compile_join(timeline: Timeline, listing: Path, sound: Path, *, output: Path) -> tuple[str, ...]:
    """The command that joins the pieces listed in `listing` (an ffconcat file) and the sound,
    both copied as they are, into the film with its metadata (`output.container_options`)."""
    return (*global_options(loglevel="warning"), "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
            "-i", str(sound), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-frames:v", str(timeline.frames),
            *container_options(timeline), str(output))


def listing_text(paths: Sequence[Path]) -> str:
    """The ffconcat list of the pieces' files, in order (absolute paths, quoted for ffconcat)."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        quoted = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"

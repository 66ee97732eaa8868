"""The Timeline as `reel plan` prints it: a line per segment, layer and voice, music or effect cue."""

from __future__ import annotations

from fractions import Fraction

from toolkit.film.plan.timeline import (
    TYPE_TAGS,
    ColorSource,
    ImageSource,
    Layer,
    PythonSource,
    Source,
    Timeline,
    VideoSource,
)


def describe(timeline: Timeline) -> str:
    """The plan in lines: the canvas, then segments (with their footage trims), layers and cues."""
    fps = timeline.canvas.fps
    lines = [f"Timeline {timeline.title!r}: {timeline.canvas.width}x{timeline.canvas.height} @ {fps} fps, "
             f"{timeline.frames} frames ({float(timeline.duration):.2f}s)"]
    for s in timeline.segments:
        tr = "" if s.transition_in.kind == "cut" else f" <{s.transition_in.kind} {s.transition_in.frames}f>"
        lines.append(f"  [{s.start:>5}-{s.end:>5}) {s.kind:<8} {s.name}{tr}{_trim(s.source)}")
    lines.extend(_layer_line(layer) for layer in timeline.layers)
    lines.extend(_caption_lines(timeline))
    for cue in timeline.audio:
        if cue.role in ("voice", "music", "effect"):
            # a music cue also says where in its file it starts (its in-point)
            inpoint = f", from {float(cue.source_start):g}s of the file" if cue.source_start else ""
            lines.append(f"  {cue.role} {cue.path.name} from frame {cue.start} "
                         f"({float(timeline.canvas.seconds(cue.start)):.2f}s) for {cue.length}f"
                         f"{inpoint if cue.role == 'music' else ''}{', disguised' if cue.disguise else ''}")
        elif cue.disguise:  # footage sound: listed only when it is changed
            lines.append(f"  sound of {cue.path.name} from frame {cue.start} for {cue.length}f, disguised")
    lines.append(f"  {len(timeline.overlays)} overlays, {len(timeline.audio)} audio cues")
    return "\n".join(lines)


def _trim(source: Source) -> str:
    """` — walk.mp4 1s–1.5s, hold last-frame` for footage (what `reel plan` prints), with its
    speed, `reversed` and focus when they are not the defaults (`, speed 50%, reversed, focus 0`), and the
    faces it hides (`, faces blur + 1 box`; a photo says only that)."""
    if isinstance(source, ImageSource) and source.anonymise is not None:
        return f" — {source.path.name}{_hidden(source)}"
    if not isinstance(source, VideoSource):
        return ""
    span = f"{float(source.start):g}s–" + (f"{float(source.end):g}s" if source.end is not None else "end")
    notes = [f"hold {source.hold}"] if source.hold != "none" else []
    notes += [f"speed {float(source.speed * 100):g}%"] if source.speed != 1 else []
    notes += ["reversed"] if source.reverse else []
    notes += [f"focus {float(source.focus):g}"] if source.focus != Fraction(1, 2) and source.fit == "cover" else []
    return f" — {source.path.name} {span}" + "".join(f", {note}" for note in notes) + _hidden(source)


def _hidden(source: VideoSource | ImageSource) -> str:
    """`, faces blur + 2 boxes` for a source whose faces are covered (`anonymise`), else nothing."""
    if source.anonymise is None:
        return ""
    n = len(source.anonymise.boxes)
    return f", faces {source.anonymise.face}" + (f" + {n} box{'es' if n != 1 else ''}" if n else "")


def _layer_line(layer: Layer) -> str:
    """`  [   60-  150) layer    scenes[1].layers[0]: video — broll.mp4 0s–3s, box 0,0 216x384` for `reel plan`."""
    kind = TYPE_TAGS[type(layer.source)]
    src = layer.source
    what = _trim(src) if isinstance(src, VideoSource | ImageSource) and _trim(src) \
        else f" — {src.path.name}" if isinstance(src, ImageSource) \
        else f" — {src.path.name}:{src.func}" if isinstance(src, PythonSource) \
        else f" {src.color}" if isinstance(src, ColorSource) else f" {src.colors[0]}→{src.colors[1]}"
    b = layer.box
    moves = "".join(f", {side} {m.kind} {m.frames}f" for side, m in (("in", layer.enter), ("out", layer.exit))
                    if m.kind != "cut")
    return (f"  [{layer.start:>5}-{layer.end:>5}) layer    {layer.id}: {kind}{what}, box {b.x},{b.y} {b.w}x{b.h}"
            f"{moves}{', text' if layer.bears_text else ''}")


def _caption_lines(timeline: Timeline) -> list[str]:
    """`  [   20-  113) caption  scenes[0].captions.lines[0]: “I stopped…”, 7 words from frame 20, 24, 37…`:
    one line per caption (its word-by-word highlights folded in, each word's first frame listed), and per
    hook, lower third and text (`text     scenes[1].hook: “Listen”, in pop 9f`)."""
    captions: dict[str, list] = {}
    for o in timeline.overlays:
        if o.kind in ("caption", "text"):
            captions.setdefault(o.id.split("-w")[0], []).append(o)
    out = []
    for parts in captions.values():
        first = parts[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.loc).lstrip(".")
        text = " ".join("".join(r.text for r in line.runs) for block in first.blocks  # a lower third has two
                        for line in getattr(block, "lines", ()))
        text = text if len(text) <= 40 else text[:39] + "…"
        starts = list(dict.fromkeys((p.id, p.start) for p in parts))  # a word coming in is two overlays
        unit = "words" if "-w" in first.id else "lines"  # a caption's lines coming in one after another
        words = f", {len(starts)} {unit} from frame " + ", ".join(str(s) for _, s in starts) if len(starts) > 1 else ""
        moves = f", in {first.enter.kind} {first.enter.frames}f" if first.enter.kind != "cut" else ""
        out.append(f"  [{first.start:>5}-{parts[-1].end:>5}) {first.kind:<8} {where}: “{text}”{words}{moves}")
    return out

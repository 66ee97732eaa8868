"""The HTML report: one self-contained page a tutor can open anywhere, offline.

Verdict and score first, then the check table with advice, a contact sheet, the loudness
curve against the target band, a timeline of where problems happen (flashing, black,
silence, text outside the safe zone, the end card), and every problem frame with the safe
zone drawn over it. Pictures are inline data: URIs, styles are inline, plots are inline SVG:
the page makes no network request.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_SAFE, REFERENCE_WIDTH
from toolkit.grade.moments import Still, TimeSpan
from toolkit.grade.report_json import report_to_dict, write_text
from toolkit.grade.results import Report
from toolkit.grade.text_kind import STILL_LABELS
from toolkit.grade.wording import SCORE_MEANING, container_name, measured_words, target_words, verdict_line

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTACT_SHEET = 24  # shots shown at most
MAX_PROBLEM_FRAMES = 24
_PLOT_W, _PLOT_H = 760, 240
_LANE_H = 26
_STATUS_WORDS = {"pass": "Pass", "fail": "Fail", "warn": "Should fix", "not_evaluated": "Not evaluated"}
_GROUPS = {"fail": "Must fix: these fail the film", "warn": "Should fix: recommendations",
           "pass": "Passed", "not_evaluated": "Not evaluated"}
_LEVELS = {"must": "must-fix", "should": "should-fix"}


def render_html(report: Report) -> str:
    """The report as one HTML page (UTF-8 text)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("report.html.j2")
    data = report_to_dict(report)
    ordered = report.in_reading_order()
    return template.render(
        report=report, data=data, status_words=_STATUS_WORDS, groups=_GROUPS, levels=_LEVELS,
        results=ordered, problems=[r for r in ordered if r.failed],
        headline=verdict_line(report), score_meaning=SCORE_MEANING,
        measured={r.id: measured_words(r, report.clip) for r in ordered},
        target={r.id: target_words(r) for r in ordered},
        container=container_name(report.media.format_name, report.clip),
        contact_sheet=_contact_sheet(report),
        problem_frames=_problem_frames(report), footage_text_frames=_footage_text_frames(report),
        loudness_svg=loudness_svg(report), timeline_svg=timeline_svg(report),
        clock=_clock,
    )


def write_html(report: Report, path: Path) -> Path:
    """Write the HTML report to `path`. Raises `OutputError` if it cannot."""
    return write_text(path, render_html(report))


# ------------------------------------------------------------------ pictures


def data_uri(still: Still) -> str:
    """The still as a data: URI."""
    return "data:image/jpeg;base64," + base64.b64encode(still.jpeg).decode("ascii")


def still_svg(still: Still, *, safe_zone: bool = True, width: int | None = None) -> Markup:
    """The still as inline SVG, with the safe box dashed and its text boxes outlined in red."""
    w, h = still.width, still.height
    sx, sy = w / REFERENCE_WIDTH, h / REFERENCE_HEIGHT
    parts = [f'<svg class="still" viewBox="0 0 {w} {h}" width="{width or w}" role="img" '
             f'aria-label="frame at {_clock(still.time)}">',
             f'<image href="{data_uri(still)}" x="0" y="0" width="{w}" height="{h}"/>']
    if safe_zone:
        b = REFERENCE_SAFE
        parts.append(f'<rect x="{b.x * sx:.1f}" y="{b.y * sy:.1f}" width="{b.w * sx:.1f}" '
                     f'height="{b.h * sy:.1f}" fill="none" stroke="#7CFC9A" stroke-width="1.5" '
                     'stroke-dasharray="5 3"/>')
    for box in still.boxes:
        parts.append(f'<rect x="{box.x * sx:.1f}" y="{box.y * sy:.1f}" width="{box.w * sx:.1f}" '
                     f'height="{box.h * sy:.1f}" fill="none" stroke="#ff3b30" stroke-width="2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class _Figure:
    svg: Markup
    caption: str


def _figure(still: Still, caption: str, safe_zone: bool = False) -> _Figure:
    return _Figure(still_svg(still, safe_zone=safe_zone), caption)


def _contact_sheet(report: Report) -> list[_Figure]:
    """One frame per shot: the filmstrip still nearest the middle of each stretch between detected
    cuts, captioned with the shot's span (at most CONTACT_SHEET shots, spread over the film)."""
    video = report.measurements.video
    if video is None or not video.picture.filmstrip:
        return []
    strip = video.picture.filmstrip
    cuts = [0.0, *sorted(t for t in video.picture.scene_changes if t > 0)]
    shots = list(enumerate(zip(cuts, [*cuts[1:], max(_duration(report), cuts[-1])], strict=True), 1))
    if len(shots) > CONTACT_SHEET:
        step = (len(shots) - 1) / (CONTACT_SHEET - 1)
        shots = [shots[round(i * step)] for i in range(CONTACT_SHEET)]
    figures = []
    for number, (start, end) in shots:
        inside = [s for s in strip if start <= s.time < end] or [min(strip, key=lambda s: abs(s.time - start))]
        still = min(inside, key=lambda s: abs(s.time - (start + end) / 2))
        figures.append(_figure(still, caption=f"shot {number}: {_clock(start)}–{_clock(end)}"))
    return figures


def _footage_text(still: Still) -> bool:
    """A still of text judged part of the footage (or undecided): shown apart, never as a problem."""
    return still.caption.startswith(tuple(STILL_LABELS.values()))


def _footage_text_frames(report: Report) -> list[_Figure]:
    """The lines outside the safe zone that were not counted as captions, one still each."""
    out = []
    for result in report.results:
        if result.check == "captions-safe-zone":
            out += [_figure(s, f"{_clock(s.time)}: {s.caption}", safe_zone=True)
                    for s in result.stills if _footage_text(s)]
    return out[:MAX_PROBLEM_FRAMES]


def _problem_frames(report: Report) -> list[_Figure]:
    seen: set[int] = set()
    out: list[_Figure] = []
    for result in report.results:
        if not result.failed:
            continue
        for still in result.stills:
            if _footage_text(still):
                continue
            if id(still) in seen or len(out) >= MAX_PROBLEM_FRAMES:
                continue
            seen.add(id(still))
            label = f"{result.id} at {_clock(still.time)}" + (f": {still.caption}" if still.caption else "")
            out.append(_figure(still, label, safe_zone=True))
    return out


# ------------------------------------------------------------------ plots


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _duration(report: Report) -> float:
    video = report.measurements.video
    return max(video.duration if video is not None else 0.0, report.media.duration or 0.0, 0.1)


def _loudness_band(report: Report) -> tuple[float | None, float | None] | None:
    for r in report.results:
        if r.check == "loudness" and r.value_name == "integrated" and r.bounds is not None:
            return r.bounds
    return None


def loudness_svg(report: Report) -> Markup | None:
    """Short-term loudness over time, with the rubric's integrated-loudness band shaded."""
    audio = report.measurements.audio
    if audio is None or not audio.loudness.short_term:
        return None
    series = [(t, v) for t, v in audio.loudness.short_term if math.isfinite(v)]
    if not series:
        return None
    stride = max(1, len(series) // 1200)
    series = series[::stride]
    band = _loudness_band(report)
    values = [v for _, v in series]
    edges = [b for b in (band or ()) if b is not None]
    top = math.ceil(max([*values, *edges, -10.0]) / 5) * 5 + 2
    bottom = math.floor(min([*values, *edges, -40.0]) / 5) * 5
    duration = _duration(report)
    # labels live in a legend above the plot and on the axis, never over the curve
    left, right, pad_top, pad_bottom = 64, 28, 30, 28
    pw, ph = _PLOT_W - left - right, _PLOT_H - pad_top - pad_bottom

    def x(t: float) -> float:
        return left + pw * min(max(t / duration, 0.0), 1.0)

    def y(v: float) -> float:
        return pad_top + ph * (top - min(max(v, bottom), top)) / (top - bottom)

    out = [f'<svg class="plot" viewBox="0 0 {_PLOT_W} {_PLOT_H}" role="img" '
           'aria-label="short-term loudness over time, in LUFS">',
           f'<text class="axis" x="14" y="{pad_top + ph / 2:.1f}" text-anchor="middle" '
           f'transform="rotate(-90 14 {pad_top + ph / 2:.1f})">loudness (LUFS)</text>']
    legend = [('<line x1="0" x2="22" y1="-4" y2="-4" stroke="#1565c0" stroke-width="1.8"/>',
               "short-term loudness (3 s)")]
    if band is not None:
        hi = band[1] if band[1] is not None else top
        lo = band[0] if band[0] is not None else bottom
        out.append(f'<rect x="{left}" y="{y(hi):.1f}" width="{pw}" height="{max(1.0, y(lo) - y(hi)):.1f}" '
                   'fill="#2e7d32" fill-opacity="0.16"/>')
        legend.append(('<rect x="0" y="-10" width="22" height="10" fill="#2e7d32" fill-opacity="0.3"/>',
                       f"target {_lufs(lo)} to {_lufs(hi)} LUFS"))
    for level in range(int(bottom), int(top) + 1, 5):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(level):.1f}" y2="{y(level):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end">{_lufs(level)}</text>')
    for tick in _time_ticks(duration):
        out.append(f'<text x="{x(tick):.1f}" y="{_PLOT_H - 8}" text-anchor="middle">{_clock(tick)}</text>')
    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series)
    out.append(f'<polyline points="{points}" fill="none" stroke="#1565c0" stroke-width="1.8"/>')
    integrated = audio.loudness.integrated
    if integrated is not None:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(integrated):.1f}" y2="{y(integrated):.1f}" '
                   'stroke="#1565c0" stroke-dasharray="6 4" stroke-width="1"/>')
        legend.append(('<line x1="0" x2="22" y1="-4" y2="-4" stroke="#1565c0" stroke-dasharray="6 4"/>',
                       f"integrated {_lufs(round(integrated, 1))} LUFS"))
    cursor = float(left)
    for mark, words in legend:
        out.append(f'<g transform="translate({cursor:.0f} 16)">{mark}<text x="28" y="0" class="legend">'
                   f"{escape(words)}</text></g>")
        cursor += 44 + 7 * len(words)
    out.append("</svg>")
    return Markup("".join(out))


def _lufs(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def _time_ticks(duration: float) -> list[float]:
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1e9) if duration / s <= 8)
    return [i * step for i in range(int(duration // step) + 1)]


def timeline_svg(report: Report) -> Markup:
    """Lanes over the clip's length: flashing, black/frozen, silence, text, end card, scenes."""
    duration = _duration(report)
    lanes = _lanes(report)
    left, right = 120, 28
    pw = _PLOT_W - left - right
    height = 18 + _LANE_H * len(lanes) + 24

    def x(t: float) -> float:
        return left + pw * min(max(t / duration, 0.0), 1.0)

    out = [f'<svg class="plot" viewBox="0 0 {_PLOT_W} {height}" role="img" aria-label="timeline of findings">']
    for i, (name, items) in enumerate(lanes):
        top = 10 + i * _LANE_H
        out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{_LANE_H - 8}" class="lane"/>'
                   f'<text x="{left - 8}" y="{top + 13}" text-anchor="end">{escape(name)}</text>')
        for span, colour in items:
            width = max(2.0, x(span.end) - x(span.start))
            title = escape(f"{_clock(span.start)}–{_clock(span.end)} {span.label}")
            out.append(f'<rect x="{x(span.start):.1f}" y="{top}" width="{width:.1f}" height="{_LANE_H - 8}" '
                       f'fill="{colour}"><title>{title}</title></rect>')
    for tick in _time_ticks(duration):
        out.append(f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle">{_clock(tick)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


_RED, _AMBER, _GREY, _BLUE, _GREEN, _INK = "#d32f2f", "#f9a825", "#546e7a", "#1e88e5", "#2e7d32", "#37474f"


def _lanes(report: Report) -> list[tuple[str, list[tuple[TimeSpan, str]]]]:
    m = report.measurements
    lanes: list[tuple[str, list[tuple[TimeSpan, str]]]] = []
    if m.video is not None:
        flash = m.video.flash
        lanes.append(("Flashing", [(TimeSpan(i.start, i.end, f"{i.kind} flash"), _RED) for i in flash.failures]
                      + [(TimeSpan(i.start, i.end, "sustained flashing"), _AMBER) for i in flash.warnings]))
        # still slates are "frozen" by design: show frozen runs only when a criterion flagged them
        frozen_flagged = any(r.failed and r.value_name == "longest_freeze" for r in report.results)
        shown = [s for s in _spans(report, "black-frames") if s.label == "black" or frozen_flagged]
        lanes.append(("Black / frozen", [(s, _INK if s.label == "black" else _GREY) for s in shown]))
        lanes.append(("Scene changes", [(TimeSpan(t, t, "scene change"), _GREY)
                                        for t in m.video.picture.scene_changes]))
    if m.audio is not None:
        lanes.append(("Silence", [(TimeSpan(a, b, "silent"), _BLUE) for a, b in m.audio.silences]))
    if m.text is not None:
        text_items = [(TimeSpan(s.time, s.time, s.text[:60]), "#90a4ae") for s in m.text.samples if s.lines]
        text_items += [(s, _RED) for s in _spans(report, "captions-safe-zone")]
        lanes.append(("Text read", text_items))
        card = [(s, _GREEN) for s in _spans(report, "end-card")] + \
               [(s, _GREEN) for s in _spans(report, "content-warning")]
        lanes.append(("Warning / end card", card))
    return lanes


def _spans(report: Report, check: str) -> list[TimeSpan]:
    found: dict[tuple[float, float, str], TimeSpan] = {}
    for r in report.results:
        if r.check == check:
            for s in r.spans:
                found.setdefault((s.start, s.end, s.label), s)
    return list(found.values())

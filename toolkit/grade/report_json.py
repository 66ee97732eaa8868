"""The machine-readable report: a JSON document described by `schema/grade.schema.json`.

Pictures are left out (they are in the HTML report); every moment is given in seconds from
the start of the clip and every box in 1080×1920 reference pixels.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from toolkit.atomic import write_atomic
from toolkit.errors import OutputError
from toolkit.geometry import Box
from toolkit.grade.moments import Still, TimeSpan
from toolkit.grade.results import STATUSES, CheckResult, Report
from toolkit.grade.wording import SCORE_MEANING, result_line, target_words, verdict_line
from toolkit.settings import reel_version

SCHEMA_ID = "reel-grade-report/1"


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (see `schema/grade.schema.json`)."""
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "reel", "version": reel_version()},
        "clip": str(report.clip),
        "graded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rubric": {"name": report.rubric.name, "title": report.rubric.title,
                   "path": str(report.rubric.path) if report.rubric.path else None},
        "verdict": report.verdict,
        "headline": verdict_line(report),
        "must_fix": report.must_fix,
        "score": report.score,
        "score_meaning": SCORE_MEANING,
        "counts": {status: report.count(status) for status in STATUSES},
        "context": {"region": report.context.region, "topics": list(report.context.topics),
                    "storyboard": _path(report.context.storyboard),
                    "captions_file": _path(report.context.captions_file)},
        "media": _media(report),
        "results": [_result(r, report.clip) for r in report.results],  # rubric order: stable for machines
        "measurements": _measurements(report),
        "seconds": {"total": report.seconds, **report.measurements.seconds},
    }


def write_json(report: Report, path: Path) -> Path:
    """Write the report to `path` (UTF-8, indented). Raises `OutputError` if it cannot."""
    return write_text(path, json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n")


def write_text(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` whole or not at all, creating its folder. Raises `OutputError` if it cannot."""
    path = Path(path)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return path


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _num(value: float | None, digits: int = 3) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _span(span: TimeSpan) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label}


def _box(box: Box) -> list[int]:
    return [box.x, box.y, box.right, box.bottom]


def _frame(still: Still) -> dict[str, Any]:
    return {"time": still.time, "boxes": [_box(b) for b in still.boxes], "caption": still.caption}


def _result(r: CheckResult, clip: Path) -> dict[str, Any]:
    value = r.value if not isinstance(r.value, float) else _num(r.value, 4)
    return {
        "id": r.id, "check": r.check, "value_name": r.value_name, "status": r.status, "severity": r.severity,
        "weight": r.weight, "value": value, "unit": r.unit, "expected": r.expected, "measured": r.measured,
        "target": target_words(r), "summary": result_line(r, clip),
        "explain": r.explain, "reason": r.reason or None, "times": [_span(s) for s in r.spans],
        "read": list(r.read), "notes": list(r.notes), "frames": [_frame(s) for s in r.stills],
    }


def _media(report: Report) -> dict[str, Any]:
    info = report.media
    video = audio = None
    if info.video is not None:
        v = info.video
        video = {"codec": v.codec, "profile": v.profile, "width": v.width, "height": v.height,
                 "rotation": v.rotation, "fps": _num(float(v.avg_fps or v.fps)), "pix_fmt": v.pix_fmt,
                 "sar": f"{v.sar.numerator}:{v.sar.denominator}", "frames": v.frames, "duration": _num(v.duration)}
    if info.audio is not None:
        a = info.audio
        audio = {"codec": a.codec, "sample_rate": a.sample_rate, "channels": a.channels, "layout": a.layout,
                 "duration": _num(a.duration)}
    return {"format": info.format_name, "duration": _num(info.duration), "size_bytes": info.size_bytes,
            "bit_rate": info.bit_rate, "video": video, "audio": audio}


def _measurements(report: Report) -> dict[str, Any]:
    m = report.measurements
    out: dict[str, Any] = {"video": None, "audio": None, "text": None, "audio_problem": m.audio_problem}
    if m.video is not None:
        pic = m.video.picture
        out["video"] = {
            "frames": m.video.frames, "duration": m.video.duration, "fps": _num(m.video.fps),
            "analysis_size": list(m.video.analysis_size), "scene_changes": list(pic.scene_changes),
            "black": [_span(s) for s in pic.runs(pic.black, 0.1)],
            "flash": m.video.flash.to_dict(),
        }
    if m.audio is not None:
        ld = m.audio.loudness
        out["audio"] = {
            "integrated": _num(ld.integrated, 2), "true_peak": _num(ld.true_peak, 2), "lra": _num(ld.lra, 2),
            "max_short_term": _num(ld.max_short_term, 2), "max_momentary": _num(ld.max_momentary, 2),
            "short_term": [[_num(t, 2), _num(v, 2)] for t, v in ld.short_term[::5]],
            "silences": [[_num(a, 2), _num(b, 2)] for a, b in m.audio.silences],
            "duration": _num(m.audio.duration),
        }
    if m.text is not None:
        out["text"] = {
            "opening_until": m.text.opening_until, "ending_from": _num(m.text.ending_from),
            "detections": m.text.detections, "recognitions": m.text.recognitions,
            "samples": [{"time": s.time, "phase": s.phase, "reused": s.reused,
                         "lines": [{"text": ln.text, "score": ln.score, "box": _box(ln.box)} for ln in s.lines]}
                        for s in m.text.samples],
        }
    return out

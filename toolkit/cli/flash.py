"""`reel check-flash CLIP`: the photosensitive flash gate (WCAG 2.3.1) on an exported clip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option
from toolkit.cli.style import plain, rich_console

if TYPE_CHECKING:
    from toolkit.care.flash import FlashReport

GATE_FAILED = 3  # distinct from 1 (tool error) and 2 (usage) so scripts can tell them apart


@click.command("check-flash", cls=JsonCommand)
@click.argument("clip", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option("The full report (schema/check-flash.schema.json)")
@click.option(
    "--profile",
    type=click.Choice(["wcag_strict", "broadcast"]),
    default="wcag_strict",
    show_default=True,
    help="Area rule: 25 % of the worst 10° window (WCAG), or 25 % of the whole frame (broadcast).",
)
@click.pass_context
def check_flash(ctx: click.Context, clip: Path, json_to: str | Path | None, profile: str) -> None:
    """Check CLIP for general and red flashes that could trigger photosensitive seizures.

    Exits 0 when the clip passes, 3 when it fails the gate, 1 when it cannot be read.
    """
    from toolkit.care.flash import check_clip  # numpy and PyAV load only when checking

    report = check_clip(clip, profile=profile)  # type: ignore[arg-type]
    if json_to is not None:
        emit_json({"clip": str(clip), **report.to_dict()}, json_to, inputs=(clip,))
    else:
        _print_report(clip, report)
    if not report.passed:
        ctx.exit(GATE_FAILED)


def _print_report(clip: Path, report: FlashReport) -> None:
    from rich.table import Table

    console = rich_console(highlight=False, soft_wrap=True)
    where = f"{plain(clip)} ({report.duration:.2f} s, {report.frames_analysed} frames, profile {report.profile})"
    if report.passed:
        console.print(f"PASS  no general or red flashing over the WCAG 2.3.1 limit: {where}")
    else:
        console.print(f"FAIL  flashing over the WCAG 2.3.1 limit: {where}")
    rows = [("fail", i) for i in report.failures] + [("warning", i) for i in report.warnings]
    if not rows:
        return
    table = Table()
    table.add_column("level")
    table.add_column("kind")
    table.add_column("start", justify="right")
    table.add_column("end", justify="right")
    table.add_column("peak area", justify="right")
    for level, interval in rows:
        table.add_row(
            level,
            interval.kind,
            _timecode(interval.start),
            _timecode(interval.end),
            f"{interval.peak_area:.0%}",
        )
    console.print(table)
    if report.warnings:
        console.print("warning: sustained flashing (2+ flashes/s for 4 s within 5 s) is advisory, not a failure")


def _timecode(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:06.3f}"

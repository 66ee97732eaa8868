"""`reel grade CLIP...`: grade exported clips against a rubric; reports, gradebook, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option, to_stdout
from toolkit.cli.output import FileArg
from toolkit.cli.style import plain, rich_console

if TYPE_CHECKING:
    from toolkit.grade.gradebook import Entry
    from toolkit.grade.results import Report

GRADED_FAILED = 3  # 0 = every must passed, 1 = tool error, 2 = usage error, 3 = graded and failed
SKIPPED_NAMED = 20  # files not videos named one by one on the terminal; the rest counted


@click.command(cls=JsonCommand)
@click.argument("clips", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--rubric", "rubric_ref", default=None, metavar="NAME|FILE",
              help="A rubric in rubrics/ by name, or a rubric YAML file.  [default: tiktok-default]")
@json_option("The report of one clip (schema/grade.schema.json)")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the HTML report here (one clip).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With a folder or several clips: where the gradebook and reports go "
                   "[default: FOLDER/reel-grades, or ./reel-grades].")
@click.option("--storyboard", type=FileArg(), default=None,
              help="The clip's storyboard: region, topics, captions and the plan to compare against (one clip).")
@click.option("--captions", "captions_file", type=FileArg(),
              default=None, help="An .srt/.vtt file with the clip's caption timings (reading speed).")
@click.option("--region", default=None, help="Audience region for the end card (UK, IE, US, CA, AU, NZ) "
                                             "[default: the storyboard's, else UK].")
@click.option("--topics", default="", metavar="LIST",
              help="Comma-separated topics, e.g. self-harm,suicide (drives the content-warning check).")
@click.option("--list-checks", is_flag=True, help="List every check and the values a rubric can read, then exit.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="With a folder or several clips: clips "
              "graded at once on a local process pool. [default: one per 2 cores, as many as fit in memory]")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None, help="With a folder or several clips: grade "
              "them on this Dask scheduler's workers (Reel installed on each, files on shared storage).")
def grade(clips: tuple[Path, ...], rubric_ref: str | None, json_to: str | Path | None, html_out: Path | None,
          out_dir: Path | None, storyboard: Path | None, captions_file: Path | None, region: str | None,
          topics: str, list_checks: bool, jobs: int | None, scheduler: str | None) -> None:
    """Grade exported clips against a rubric (delivery spec, loudness, flashing, end card...).

    CLIPS are video files or folders. A folder is graded file by file into a gradebook CSV, a
    cohort page (index.html), an LMS import CSV, and an HTML and a JSON report per clip; other
    files in it are listed as skipped.

    Exit status: 0 every must criterion passed, 3 a clip was graded and failed, 1 a clip
    could not be graded (tool error), 2 usage error.
    """
    if list_checks:
        _list_checks()
        return
    if not clips:
        raise click.UsageError("give at least one clip or folder to grade")
    from toolkit.errors import PolicyError
    from toolkit.grade.batch import collect_clips
    from toolkit.grade.context import make_context
    from toolkit.grade.rubric import load_rubric

    found, skipped = collect_clips(clips)
    many = len(clips) > 1 or any(c.is_dir() for c in clips)
    if many and (json_to or html_out):
        raise click.UsageError("--json and --html name one report; with a folder or several clips use --out DIR")
    if many and storyboard:
        raise click.UsageError("--storyboard describes one clip; grade its clip on its own")
    if not many and out_dir:
        raise click.UsageError("--out is for folders and several clips; use --json/--html for one clip")
    for out in (json_to, html_out):
        if isinstance(out, Path) and any(out.resolve() == clip.resolve() for clip in found):
            raise click.UsageError(f"{out} is the clip being graded; choose another name for the report")
    if not found:
        names = ", ".join(p.name for p in skipped[:5]) or "the folder is empty"
        raise click.UsageError(f"no video files to grade (skipped: {names})")
    rubric = load_rubric(rubric_ref)
    try:
        context = make_context(region=region, topics=topics.split(","), storyboard=storyboard,
                               captions_file=captions_file)
    except PolicyError as exc:
        raise click.BadParameter(exc.issues[0].message, param_hint="--region") from None
    # a line per file a tutor may have put there by mistake; a folder of thousands gets one line
    for path in skipped[:SKIPPED_NAMED]:
        click.echo(f"skipped {path}: not a video file", err=to_stdout(json_to))
    if len(skipped) > SKIPPED_NAMED:
        click.echo(f"skipped {len(skipped) - SKIPPED_NAMED} more files that are not videos (the gradebook lists them)",
                   err=to_stdout(json_to))
    if many:
        target = out_dir or (clips[0] / "reel-grades" if clips[0].is_dir() else Path("reel-grades"))
        _grade_many(found, skipped, rubric, context, target, clips[0] if clips[0].is_dir() else None,
                    jobs=jobs, scheduler=scheduler)
    else:
        _grade_one(found[0], rubric, context, json_to, html_out)


def _grade_one(clip: Path, rubric, context, json_to: str | Path | None, html_out: Path | None) -> None:
    from toolkit.grade.grader import grade as grade_clip
    from toolkit.grade.report_html import write_html
    from toolkit.grade.report_json import report_to_dict

    with _ProgressBar(1) as advance:
        report = grade_clip(clip, rubric, context=context, progress=lambda f: advance(0, clip, f))
    if html_out:
        write_html(report, html_out)
    written = emit_json(report_to_dict(report), json_to, inputs=(clip,)) if json_to is not None else None
    if not to_stdout(json_to):  # standard output carries the JSON alone
        _print_report(report)
    for path in (written, html_out):
        if path:
            click.echo(f"wrote {path}", err=to_stdout(json_to))
    if not report.passed:
        raise click.exceptions.Exit(GRADED_FAILED)


def _grade_many(clips: list[Path], skipped: list[Path], rubric, context, out_dir: Path, root: Path | None, *,
                jobs: int | None = None, scheduler: str | None = None) -> None:
    from toolkit.cli.batch import grade_parallel, parallel_jobs
    from toolkit.grade.batch import grade_batch
    from toolkit.grade.cohort import write_index, write_lms_csv
    from toolkit.grade.gradebook import Entry, write_gradebook

    width = parallel_jobs(jobs, scheduler, len(clips), False)
    if width is not None:  # several clips at once, on a pool or a cluster (toolkit.batch)
        entries = grade_parallel(clips, rubric, context, out_dir, jobs=width, scheduler=scheduler)
    else:
        with _ProgressBar(len(clips)) as advance:
            entries = grade_batch(clips, rubric, context, out_dir=out_dir, progress=advance)
    every = [*entries, *(Entry(p, "skipped", note="not a video file") for p in skipped)]
    book = write_gradebook(every, rubric, out_dir / "gradebook.csv", root=root)
    index = write_index(every, rubric, out_dir, root=root)
    lms = write_lms_csv(every, out_dir)
    _print_summary(entries, root)
    click.echo(f"wrote {book}, {lms.name}, {index.name} and {sum(e.report is not None for e in entries)} "
               f"reports in {out_dir}")
    if any(e.outcome == "error" for e in entries):
        raise click.exceptions.Exit(1)
    if any(e.report is not None and not e.report.passed for e in entries):
        raise click.exceptions.Exit(GRADED_FAILED)


class _ProgressBar:
    """A rich progress bar across clips on stderr; the callback takes (clip index, clip, fraction)."""

    def __init__(self, clips: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:.1f}/"
                             "{task.total:.0f} clips"), TimeRemainingColumn(), console=rich_console(stderr=True),
                             transient=True)
        self._clips = clips
        self._task = None

    def __enter__(self):
        self._bar.start()
        self._task = self._bar.add_task("grading", total=self._clips)

        def advance(index: int, clip: Path, fraction: float) -> None:
            self._bar.update(self._task, completed=index + fraction, description=f"grading {clip.name}")
        return advance

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


_MARKS = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "warn": "[yellow]should fix[/]",
          "not_evaluated": "[dim]n/a[/]"}


def _print_report(report: Report) -> None:
    from rich.table import Table

    from toolkit.grade.wording import SCORE_MEANING, measured_words, target_words, verdict_line

    console = rich_console(highlight=False, soft_wrap=True)
    colour = "green" if report.passed else "red"
    console.print(f"[bold {colour}]{plain(verdict_line(report))}[/]  {plain(report.clip)}  "
                  f"({plain(report.rubric.name)}; {report.count('not_evaluated')} not evaluated)")
    table = Table(show_edge=False)
    for column in ("result", "criterion", "measured", "target", "level"):
        table.add_column(column)
    for r in report.in_reading_order():
        measured = measured_words(r, report.clip)
        shown = f"[dim]{plain(measured)}[/]" if r.status == "not_evaluated" else plain(measured)
        table.add_row(_MARKS[r.status], plain(r.id), shown, plain(target_words(r)), _LEVELS[r.severity])
    console.print(table)
    for r in report.in_reading_order():
        if r.failed:
            console.print(f"[bold]{plain(r.id)}[/]: {plain(r.explain)}")
    console.print(f"[dim]score {report.score:.0f}/100: {plain(SCORE_MEANING)}[/]")


_LEVELS = {"must": "must-fix", "should": "should-fix"}


def _print_summary(entries: list[Entry], root: Path | None) -> None:
    from rich.table import Table

    table = Table(show_edge=False)
    for column in ("clip", "verdict", "must-fix", "should-fix", "failed criteria"):
        table.add_column(column)
    for e in entries:
        name = e.path.relative_to(root) if root is not None and e.path.is_relative_to(root) else e.path
        if e.report is None:
            table.add_row(plain(name), "[red]error[/]", "", "", plain(e.note))
            continue
        failed = ", ".join(r.id for r in e.report.results if r.status == "fail")
        mark = "[green]PASS[/]" if e.report.passed else "[red]FAIL[/]"
        table.add_row(plain(name), mark, str(e.report.must_fix), str(e.report.count("warn")), plain(failed))
    rich_console(highlight=False, soft_wrap=True).print(table)


def _list_checks() -> None:
    from toolkit.grade.rubric import describe_checks

    for check in describe_checks():
        click.echo(f"{check['id']}: {check['title']}. {check['about']}")
        for name, value in check["values"].items():
            main = " (main)" if name == check["main"] else ""
            unit = f" [{value['unit']}]" if value["unit"] else ""
            click.echo(f"    {name}{main}: {value['kind']}{unit} {value['about']}".rstrip())

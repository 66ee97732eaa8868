"""`reel plan`, `reel render`, `reel still`, `reel sheet`: from storyboard to pictures."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option
from toolkit.cli.output import PathArg, echo_issues
from toolkit.cli.style import plain, rich_console, secho

TEMPLATE_OPTION = click.option("--template", "template", default=None,
                               help="Use this template instead of the storyboard's.")
_COMMON = [
    TEMPLATE_OPTION,
    click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder."),
    click.option("--strict", is_flag=True, help="Treat warnings as errors."),
]


_ALLOW_PYTHON = click.option("--allow-python", is_flag=True, help="Run the storyboard's python layers (Python code "
                             "from its folder, run with your rights): only for storyboards you trust.")


def common(func):
    """The options every storyboard command shares."""
    for option in reversed(_COMMON):
        func = option(func)
    return func


def _field_option():
    from toolkit.cli.templates import field_option

    return field_option()


@click.command(cls=JsonCommand)
@click.argument("storyboard", type=PathArg())
@json_option("The whole Timeline (schema/plan.schema.json; `Timeline.from_dict` reads it back)")
@click.option("--draft", is_flag=True, help="Plan at draft size (540×960).")
@common
@_field_option()
def plan(storyboard: Path, json_to: str | Path | None, draft: bool, template: str | None, allow_outside: bool,
         strict: bool, fields: dict[str, str]) -> None:
    """Print the planned Timeline: segments in frames, text boxes in pixels, audio cues.

    Nothing is rendered. `--json` gives the whole intermediate representation."""
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare

    prepared = prepare(storyboard, template=template, width=DRAFT_WIDTH if draft else None,
                       allow_outside=allow_outside, strict=strict, fields=fields)
    echo_issues([w for w in prepared.warnings if w.severity != "info"])  # stderr: never mixed into the JSON
    if json_to is not None:
        emit_json(prepared.timeline.to_dict(), json_to, inputs=(storyboard,))
        return
    from toolkit.film.plan.describe import describe

    click.echo(describe(prepared.timeline))


def _outputs(storyboards: tuple[Path, ...], output: Path | None, out_dir: Path | None, template: str | None,
             draft: bool) -> dict[Path, Path]:
    """Where each film goes: -o for one film; --out-dir or beside each storyboard otherwise."""
    from toolkit.film.template.batch import output_names

    if output is not None:
        if len(storyboards) != 1:
            raise click.UsageError("-o/--output names one film; use --out-dir for several storyboards")
        return {storyboards[0]: output}
    suffix = ".draft.mp4" if draft else ".mp4"
    if out_dir is None and len(storyboards) == 1:
        sb = storyboards[0]
        return {sb: sb.with_name(sb.stem + (f"--{template}" if template else "") + suffix)}
    if out_dir is None:
        # several storyboards, no folder: each film beside its storyboard (names can't collide)
        return {sb: sb.with_name(sb.stem + (f"--{template}" if template else "") + suffix) for sb in storyboards}
    names = output_names(list(storyboards), out_dir, template or "film")
    if template is None:
        names = {sb: p.with_name(p.name.removesuffix("--film.mp4") + ".mp4") for sb, p in names.items()}
    return {sb: p.with_suffix("").with_suffix(suffix) if draft else p for sb, p in names.items()}


@click.command()
@click.argument("storyboards", nargs=-1, required=True, type=PathArg())
@click.option("-o", "--output", type=PathArg(), help="The film's path (one storyboard only).")
@click.option("--out-dir", type=PathArg(), help="Folder for the films (several storyboards).")
@click.option("--draft", is_flag=True, help="540×960, fastest encode, same timing: for the edit loop.")
@click.option("--force", is_flag=True, help="Overwrite an existing film (never an input). Not needed for a draft "
              "replacing the previous draft of the same storyboard.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the result and problems.")
@click.option("--dry-run", is_flag=True, help="Print the render's steps and the exact ffmpeg commands, and stop.")
@click.option("--changed", is_flag=True, help="Render only films whose output is missing or out of date (see `reel "
              "library status`); a stale film replaces its own earlier render without --force.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Films rendered at once on a local "
              "process pool (several storyboards). [default: one per 2 cores, as many as fit in memory]")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None, help="Render the films on this Dask "
              "scheduler's workers (Reel installed on each, files on shared storage).")
@_ALLOW_PYTHON
@common
@_field_option()
def render(storyboards: tuple[Path, ...], output: Path | None, out_dir: Path | None, draft: bool, force: bool,
           quiet: bool, dry_run: bool, changed: bool, jobs: int | None, scheduler: str | None,
           allow_python: bool, template: str | None, allow_outside: bool, strict: bool,
           fields: dict[str, str]) -> None:
    """Render storyboards to 9:16 MP4 films, each ending on its helpline end card.

    One storyboard: the film goes beside it (or to -o). Several: each is rendered in turn,
    failures don't stop the batch, and a summary says which rendered and why others failed.
    Exit 0 when every film rendered, 1 otherwise; when stopped, 128 + the signal (130 Ctrl-C, 143
    SIGTERM, 129 SIGHUP), with nothing unfinished left behind."""
    from toolkit.batch.sizing import ENCODE_THREADS
    from toolkit.cli.signals import describe, exit_code
    from toolkit.errors import IssuesError, ReelError
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_film
    from toolkit.film.run.atomic import check_output
    from toolkit.film.run.drafts import draft_tag, is_draft_of
    from toolkit.film.run.ownership import target_lock
    from toolkit.film.run.sidecars import check_sidecars, replaces_sidecar_of
    from toolkit.settings import Settings

    targets = _outputs(storyboards, output, out_dir, template, draft)
    if out_dir is not None:
        _make_folder(out_dir)
    given, own = len(storyboards), set()
    if changed:  # only what is missing or out of date (toolkit.film.rerender)
        storyboards, targets, own = _only_changed(storyboards, targets, draft=draft, fields=fields, template=template,
                                                  allow_outside=allow_outside)
    from toolkit.cli.batch import parallel_jobs

    width = parallel_jobs(jobs, scheduler, len(storyboards), dry_run)
    if width is not None:  # several films at once, on a pool or a cluster (toolkit.batch)
        _render_parallel(targets, width, scheduler, quiet, draft=draft, force=force, template=template,
                         allow_outside=allow_outside, strict=strict, allow_python=allow_python, fields=fields,
                         own=frozenset(own))
        return
    done: dict[Path, Path] = {}
    results: list[tuple[Path, Path | None, str]] = []
    for sb in storyboards:
        target = targets[sb]
        if target in done.values():
            continue  # the same storyboard given twice
        before = _identity(target)  # to tell, if interrupted, whether this film had just been saved
        try:
            # Before any work: a name Reel cannot write, an existing film, or another render of
            # the same film (its lock is held until this film is saved or abandoned).
            # A draft may replace the previous draft of this storyboard (run.drafts); a final never.
            check_output(target, kind="film", force=force or dry_run or target in own
                         or (draft and is_draft_of(target, draft_tag(sb))))
            # its caption files (FILM.srt, FILM.vtt) too: written with it, refused the same way
            check_sidecars(target, force=force or dry_run, replaces=_own_sidecar(sb, target, draft) if target in own
                           else replaces_sidecar_of(sb, target) if draft else None)
            with contextlib.nullcontext() if dry_run else target_lock(target):
                prepared = prepare(sb, template=template, width=DRAFT_WIDTH if draft else None,
                                   allow_outside=allow_outside, strict=strict, fields=fields)
                printed = [w for w in prepared.warnings if w.severity != "info"]
                echo_issues(printed)
                if dry_run:
                    _print_commands(prepared, target, draft)
                    continue
                result = _with_progress(lambda cb, p=prepared, t=target: render_film(
                    p, t, draft=draft, force=force, on_progress=cb, allow_python=allow_python, replace_own=t in own,
                    settings=Settings(threads=ENCODE_THREADS)), prepared, quiet)
        except KeyboardInterrupt as exc:
            # Ctrl-C, SIGTERM or SIGHUP (see toolkit.cli.signals); the terminal may be gone.
            saved = _identity(target) not in (before, None)  # a film moved into place just before
            with contextlib.suppress(OSError):
                secho(f"interrupted ({describe(exc)}): " + (
                    f"{target} had just been saved, complete and checked" if saved
                    else f"nothing was written to {target}"), fg="yellow", err=True)
            raise click.exceptions.Exit(exit_code(exc)) from None
        except IssuesError as exc:
            secho(f"{sb}: {exc.message.splitlines()[0]}", fg="red", err=True)
            echo_issues(exc.issues)
            results.append((sb, None, exc.message.splitlines()[0]))
            continue
        except ReelError as exc:
            secho(f"Error: {exc}", fg="red", err=True)
            results.append((sb, None, str(exc).splitlines()[0]))
            continue
        done[sb] = target
        echo_issues(_not_yet_said([w for w in result.warnings if w.severity == "warning"
                                   and (w.code.startswith("glyph") or w.code == "loudness-short")], printed))
        gain = f", loudness {result.gain.describe()}" if result.gain else ", silent"
        secho(f"{target}: {float(result.timeline.duration):.1f}s, {result.verify.width}x"
              f"{result.verify.height}{gain}, flash gate passed"
              + (f" ({result.flash_scope})" if result.flash_scope else "") + f", rendered in {result.seconds:.1f}s"
              + (f"; captions in {', '.join(p.name for p in result.captions)}" if result.captions else ""),
              fg="green")
        results.append((sb, target, ""))
    if given > 1 and results:  # nothing to list when --changed found every film up to date
        _summary(results)
    if any(target is None for _, target, _ in results):
        raise click.exceptions.Exit(1)


def _render_parallel(targets: dict[Path, Path], jobs: int, scheduler: str | None, quiet: bool, *, draft: bool,
                     force: bool, template: str | None, allow_outside: bool, strict: bool, allow_python: bool,
                     fields: dict[str, str], own: frozenset[Path] = frozenset()) -> None:
    """The batch on a local pool (`--jobs N`) or a Dask cluster (`--scheduler`): see `toolkit.cli.batch`."""
    from toolkit.batch import FilmOptions
    from toolkit.cli.batch import render_batch

    options = FilmOptions(draft=draft, force=force, template=template, allow_outside=allow_outside, strict=strict,
                          allow_python=allow_python, fields=tuple(sorted(fields.items())))
    render_batch(targets, options, jobs=jobs, scheduler=scheduler, quiet=quiet, own=own)


def _only_changed(storyboards: tuple[Path, ...], targets: dict[Path, Path], **options
                  ) -> tuple[tuple[Path, ...], dict[Path, Path], set[Path]]:
    """`--changed`: the storyboards to render, their films, and the films there that are their own
    earlier render (replaceable); each up-to-date film is said and skipped."""
    from toolkit.film.rerender import changed_targets

    render, skipped, own = changed_targets(targets, **options)
    for status in skipped.values():
        secho(f"{status.film}: up to date, not rendered (--changed)", fg="green")
    if skipped:
        click.echo(f"{len(skipped)} of {len(targets)} film{'s' if len(targets) != 1 else ''} up to date, skipped")
    return tuple(sb for sb in storyboards if sb in render), render, own


def _own_sidecar(storyboard: Path, film: Path, draft: bool):
    from toolkit.film.rerender import replaces_own_sidecar

    return replaces_own_sidecar(storyboard, film, draft=draft)


def _not_yet_said(warnings: list, printed: list) -> list:
    """`warnings` less those already printed: the same issue, or the same warning (code) about a
    part of a field already warned about (the text drawing's `captions.lines[0]` after the plan's
    `captions`). A warning is printed once, not once per stage that meets it."""
    said = set(printed)
    fresh = []
    for w in warnings:
        if w in said or any(p.code == w.code and p.path and w.path.startswith(p.path) for p in said):
            continue
        said.add(w)
        fresh.append(w)
    return fresh


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file is at `path` (device, inode, modification time), None when there is none."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino, info.st_mtime_ns


def _make_folder(folder: Path) -> None:
    """Create --out-dir; a bad name or an unwritable place is a plain error, not a traceback."""
    from toolkit.errors import OutputError

    if "\x00" in str(folder):
        raise OutputError(f"the folder name {str(folder)!r} contains a NUL character (\\x00): choose another name")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out-dir {folder} is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None


def _print_commands(prepared, target: Path, draft: bool) -> None:
    """The render's steps and the exact commands each runs: the list `render_film` runs."""
    from toolkit.film.steps import plan_render

    click.echo(plan_render(prepared, target, draft=draft).shell())


def _with_progress(run, prepared, quiet: bool):
    """Run `run(on_progress)` with one progress row per stage on stderr (see `toolkit.cli.progress`)."""
    if quiet:
        return run(None)
    from toolkit.cli.progress import StageProgress

    with StageProgress(prepared.loaded.path.name) as progress:
        return run(progress.update)


def _summary(results: list[tuple[Path, Path | None, str]]) -> None:
    from rich.table import Table

    table = Table(title="Batch summary")
    for column in ("storyboard", "result", "film or reason"):
        table.add_column(column, overflow="fold")
    for sb, target, reason in results:
        table.add_row(plain(sb), "[green]rendered[/]" if target else "[red]failed[/]", plain(target or reason))
    rich_console(stderr=True).print(table)
    ok = sum(1 for _, t, _ in results if t)
    click.echo(f"{ok} of {len(results)} films rendered")


@click.command()
@click.argument("storyboard", type=PathArg())
@click.option("--at", "at", required=True, help="When: 4.5s, 00:04.500 or 135f.")
@click.option("-o", "--output", type=PathArg(), required=True, help="PNG to write.")
@click.option("--draft", is_flag=True, help="At draft size (540×960).")
@click.option("--force", is_flag=True, help="Overwrite an existing image.")
@_ALLOW_PYTHON
@common
@_field_option()
def still(storyboard: Path, at: str, output: Path, draft: bool, force: bool, allow_python: bool, template: str | None,
          allow_outside: bool, strict: bool, fields: dict[str, str]) -> None:
    """Render the single frame the film shows at --at, as a PNG."""
    from toolkit.film.pipeline import DRAFT_WIDTH, prepare
    from toolkit.film.render import render_still
    from toolkit.film.run.atomic import check_output
    from toolkit.film.run.ownership import target_lock
    from toolkit.film.spec.units import parse_duration

    try:
        when = parse_duration(at)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None
    check_output(output, kind="image", force=force)
    with target_lock(output):
        prepared = prepare(storyboard, template=template, width=DRAFT_WIDTH if draft else None,
                           allow_outside=allow_outside, strict=strict, fields=fields)
        seconds = float(when.to_seconds(prepared.timeline.canvas.fps))
        if seconds >= float(prepared.timeline.duration):
            raise click.BadParameter(f"the film is {float(prepared.timeline.duration):.2f}s long",
                                     param_hint="--at")
        render_still(prepared, seconds, output, force=force, allow_python=allow_python)
    secho(f"{output}: frame at {seconds:.2f}s", fg="green")


@click.command()
@click.argument("storyboard", type=PathArg())
@click.option("-o", "--output", type=PathArg(), required=True, help="PNG to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing image.")
@_ALLOW_PYTHON
@common
@_field_option()
def sheet(storyboard: Path, output: Path, force: bool, allow_python: bool, template: str | None, allow_outside: bool,
          strict: bool, fields: dict[str, str]) -> None:
    """A contact sheet: one labelled thumbnail per scene, slate and end card, with the safe zone drawn."""
    from toolkit.film.pipeline import prepare
    from toolkit.film.run.atomic import check_output
    from toolkit.film.run.ownership import target_lock
    from toolkit.film.sheet import render_sheet

    check_output(output, kind="image", force=force)
    with target_lock(output):
        prepared = prepare(storyboard, template=template, width=540, allow_outside=allow_outside, strict=strict,
                           fields=fields)
        render_sheet(prepared, output, force=force, allow_python=allow_python)
    secho(f"{output}: {len(prepared.timeline.segments)} thumbnails", fg="green")

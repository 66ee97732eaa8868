"""`reel captions align`: the captions of a film timed by its speech, word by word."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, issue_to_dict, json_option, to_stdout
from toolkit.cli.output import PathArg, echo_issues


@click.group()
def captions() -> None:
    """Captions and the speech they follow."""


@captions.command(cls=JsonCommand)
@click.argument("storyboard", type=PathArg(path_type=Path))
@click.option("--template", "template", default=None, help="Use this template instead of the storyboard's.")
@click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder.")
@json_option("Each scene's captions and the film's own, their times and every word's "
             "(schema/captions-align.schema.json)")
def align(storyboard: Path, template: str | None, allow_outside: bool, json_to: str | Path | None) -> None:
    """Show when each caption and each of its words appears, aligned to the speech under its scene
    (voiceover, scene voiceover or kept footage sound), and which captions keep reading-speed
    timing and why. Times are seconds from the scene's start; the film's own caption list
    (`captions:` at the top) is shown last, in seconds from the film's start."""
    from toolkit.film.pipeline import prepare
    from toolkit.film.script_speech import script_report
    from toolkit.film.speech import caption_report

    prepared = prepare(storyboard, template=template, allow_outside=allow_outside)
    scenes = caption_report(prepared.inputs, prepared.timeline)
    film = script_report(prepared.inputs, prepared.timeline)
    warnings = [w for w in prepared.warnings if w.severity != "info" or w.code.startswith("align")]
    if json_to is not None:
        emit_json({"schema": "reel-captions-align/1", "file": str(storyboard), "scenes": scenes, "film": film,
                   "issues": [issue_to_dict(i) for i in warnings]}, json_to, inputs=(storyboard,))
        if to_stdout(json_to):
            return
    echo_issues(warnings)
    for scene in scenes:
        speech = scene["speech"]
        heard = f"{speech['file']} {speech['from']:.2f}s–{speech['to']:.2f}s" if speech and speech["to"] else \
            "no speech aligned"
        click.echo(f"scenes[{scene['scene']}] — {heard}")
        if scene["fallback"]:
            click.echo(f"  reading-speed timing: {scene['fallback']}")
        for c in scene["captions"]:
            click.echo(f"  {c['start']:6.2f}–{c['end']:6.2f}  [{c['timed_by']}] {c['text']}")
            if c["words"]:
                click.echo("      " + "  ".join(f"{w['word']} {w['start']:.2f}" if w["start"] is not None
                                                 else f"{w['word']} –" for w in c["words"]))
    if film is not None:
        heard = ", ".join(f"{r['file']} {r['from']:.2f}s–{r['to']:.2f}s" for r in film["speech"] if r["to"]) or \
            "no speech aligned"
        click.echo(f"captions (the film's, seconds from the film's start) — {heard}")
        if film["fallback"]:
            click.echo(f"  reading-speed timing: {film['fallback']}")
        for c in film["captions"]:
            where = ", ".join(f"scenes[{i}]" for i in c["scenes"])
            click.echo(f"  {c['start']:6.2f}–{c['end']:6.2f}  [{c['timed_by']}] {c['text']}  ({where})")
            if c["words"]:
                click.echo("      " + "  ".join(f"{w['word']} {w['start']:.2f}" if w["start"] is not None
                                                 else f"{w['word']} –" for w in c["words"]))

"""Duty-of-care commands: `reel helplines`. (`reel lint` lives in `toolkit.cli.lint`.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option
from toolkit.cli.style import rich_console

if TYPE_CHECKING:
    from toolkit.care.helplines import Directory, HelplineEntry

# Contacts are indented this far, and printed whole: a number is never split across lines.
_INDENT = 4


@click.command(cls=JsonCommand)
@click.option("--region", default=None, metavar="CODE", help="Only this region: UK, IE, US, CA, AU or NZ.")
@click.option("--topic", default=None, help="Only services for this topic, e.g. self-harm.")
@click.option("--all", "show_all", is_flag=True,
              help="Also show unconfirmed entries (never used on end cards).")
@json_option("The listed entries (schema/helplines.schema.json)")
def helplines(region: str | None, topic: str | None, show_all: bool, json_to: str | Path | None) -> None:
    """List the helpline directory that end cards are chosen from, with each service's id.

    The ids are what a storyboard's `end_card.services` names. Unconfirmed entries are hidden
    unless --all is given. Numbers are shown exactly as the services publish them; re-verify
    every entry before a release.
    """
    from toolkit.care.helplines import STALE_AFTER_DAYS, load_directory

    directory = load_directory()
    entries = directory.filter(region=region, topic=topic)
    shown = [e for e in entries if show_all or e.status != "unconfirmed"]
    hidden = len(entries) - len(shown)
    stale = directory.stale_entries(date.today())
    if json_to is not None:
        emit_json({"schema": "reel-helplines/1", "entries": [_entry_dict(e) for e in shown],
                   "hidden_unconfirmed": hidden, "stale_after_days": STALE_AFTER_DAYS,
                   "stale": [e.id for e in stale]}, json_to)
        return
    _print_listing(directory, shown)
    console = rich_console()
    if hidden:
        noun = "entry" if hidden == 1 else "entries"
        console.print(f"{hidden} unconfirmed {noun} hidden (numbers not verified; never put on an end card).")
        console.print("Use --all to show them.")
    if stale:
        console.print(f"[bold red]{len(stale)} entries were verified more than {STALE_AFTER_DAYS} days ago: "
                      "re-verify them before a release.[/]")


def _print_listing(directory: Directory, shown: list[HelplineEntry]) -> None:
    """Region by region, one block per service: its id and name, then each contact on its own line,
    then hours and status. Fits 80 columns: long prose wraps under its indent, contacts never wrap."""
    from rich.markup import escape
    from rich.padding import Padding

    from toolkit.care.endcard import contact_text

    console = rich_console()
    if not shown:
        console.print("No entries match.")
        return
    region = None
    for e in shown:
        if e.region != region:
            if region is not None:
                console.print()
            region = e.region
            console.print(f"[bold]{escape(region)}[/] — {escape(directory.regions[region].name)}")
        name = e.name + (f" ({e.area})" if e.area else "") + (" (superseded)" if e.kind == "superseded" else "")
        # directory text is data, not rich markup: escaped everywhere
        console.print(Padding(f"[bold cyan]{escape(e.id)}[/]  {escape(name)}", (0, 0, 0, 2), expand=False))
        for channel in e.channels:
            text = contact_text(channel).text
            status = e.channel_status(channel)
            line = text if status == e.status else f"{text} ({status})"
            console.print(" " * _INDENT + escape(line), soft_wrap=True)
        hours = e.hours if e.effective_hours_status == e.status else f"{e.hours} ({e.effective_hours_status})"
        facts = (f"hours: {hours}" + (" (open 24/7)" if e.open_24_7 and "24/7" not in e.hours else ""),
                 f"for {e.audience} · {e.status} · verified {e.verified_on.isoformat()}")
        for fact in facts:
            console.print(Padding(escape(fact), (0, 0, 0, _INDENT), expand=False))


def _entry_dict(e: HelplineEntry) -> dict[str, Any]:
    from toolkit.care.endcard import contact_text

    channels = [{"type": c.type, "value": c.value, "keyword": c.keyword, "label": c.label, "qualifier": c.qualifier,
                 "text": contact_text(c).text, "status": e.channel_status(c), "on_card": c.on_card}
                for c in e.channels]
    return {"id": e.id, "region": e.region, "area": e.area, "name": e.name, "kind": e.kind, "channels": channels,
            "hours": e.hours, "hours_status": e.effective_hours_status, "always_open": e.always_open,
            "audience": e.audience, "topics": list(e.topics), "status": e.status,
            "verified_on": e.verified_on.isoformat(), "source": e.source, "notes": e.notes}

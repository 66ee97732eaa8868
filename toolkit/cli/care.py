"""Duty-of-care commands: `reel helplines`. (`reel lint` lives in `toolkit.cli.lint`.)"""

from __future__ import annotations

from datetime import date

import click

from toolkit.cli.style import rich_console

_COLUMNS = ("Region", "Service", "Contact", "Hours", "24/7", "Audience", "Status", "Verified")


@click.command()
@click.option("--region", default=None, metavar="CODE", help="Only this region: UK, IE, US, CA, AU or NZ.")
@click.option("--topic", default=None, help="Only services for this topic, e.g. self-harm.")
@click.option("--all", "show_all", is_flag=True,
              help="Also show unconfirmed entries (never used on end cards).")
def helplines(region: str | None, topic: str | None, show_all: bool) -> None:
    """List the helpline directory that end cards are chosen from.

    Unconfirmed entries are hidden unless --all is given. Numbers are shown exactly as the
    services publish them; re-verify every entry before a release.
    """
    from rich.markup import escape
    from rich.table import Table

    from toolkit.care.endcard import contact_text
    from toolkit.care.helplines import STALE_AFTER_DAYS, load_directory

    directory = load_directory()
    entries = directory.filter(region=region, topic=topic)
    shown = [e for e in entries if show_all or e.status != "unconfirmed"]
    hidden = len(entries) - len(shown)

    console = rich_console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)  # a piped listing should not wrap numbers
    contacts = {e.id: [_contact_cell(contact_text(c).text, e.channel_status(c), e.status) for c in e.channels]
                for e in shown}
    widest = max((len(line) for lines in contacts.values() for line in lines), default=10)
    table = Table(*_COLUMNS, show_lines=True)
    table.columns[2].min_width = widest
    table.columns[2].no_wrap = True
    for e in shown:
        hours = e.hours if e.effective_hours_status == e.status else f"{e.hours} ({e.effective_hours_status})"
        service = e.name + (f" ({e.area})" if e.area else "")
        service += " (superseded)" if e.kind == "superseded" else ""
        cells = (e.region, service, "\n".join(contacts[e.id]), hours, "yes" if e.always_open else "no",
                 e.audience, e.status, e.verified_on.isoformat())
        table.add_row(*(escape(c) for c in cells))  # directory text is data, not rich markup
    if shown:
        console.print(table)
    else:
        console.print("No entries match.")
    if hidden:
        noun = "entry" if hidden == 1 else "entries"
        console.print(f"{hidden} unconfirmed {noun} hidden (numbers not verified; never put on an end card). "
                      "Use --all to show them.")
    stale = directory.stale_entries(date.today())
    if stale:
        console.print(f"[bold red]{len(stale)} entries were verified more than {STALE_AFTER_DAYS} days ago: "
                      "re-verify them before a release.[/]")


def _contact_cell(text: str, channel_status: str, entry_status: str) -> str:
    return text if channel_status == entry_status else f"{text} ({channel_status})"

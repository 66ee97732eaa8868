"""The contrast check (WCAG 1.4.3) of every text Reel lays out, judged against what is directly behind it."""

from __future__ import annotations

from toolkit.care.contrast import contrast_ratio, worst_case_contrast
from toolkit.color import parse_color
from toolkit.film.plan.inputs import LocIssue
from toolkit.film.plan.layout import Style

MIN_CONTRAST = 4.5  # WCAG 1.4.3, never rounded


def check_contrast(style: Style, background: str | None, loc: tuple, issues: list[LocIssue],
                   what: str | None = None) -> None:
    """WCAG 1.4.3: text against its outline (what lies directly behind its edges), else its box
    (composited over black and white), else its solid `background`; over footage with none of
    them, a warning that contrast cannot be guaranteed. `what` names a text that is not a caption
    or a slate ("hook") in the messages."""
    fg = parse_color(style.color).rgb
    behind = style.backing or background
    if style.outline:
        behind = f"its outline {style.outline[1]}"
        worst = contrast_ratio(fg, parse_color(style.outline[1]).rgb)
    elif style.backing:
        # a translucent box over footage: the worst the text can look over any picture
        worst = worst_case_contrast(fg, tuple(parse_color(style.backing)))
    elif background:
        worst = contrast_ratio(fg, parse_color(background).rgb)
    else:
        texts = "captions" if what is None else f"a {what}"
        issues.append(LocIssue(loc, f"{texts} without a backing box over footage: contrast cannot be guaranteed; "
                               "give the template's captions a `box` colour or an `outline`", severity="warning",
                               code="contrast"))
        return
    if worst < MIN_CONTRAST:
        colour = "text colour" if what is None else f"the {what}'s colour"
        issues.append(LocIssue(loc, f"{colour} {style.color} on {behind} has a contrast "
                               f"ratio of {worst:.2f}:1; at least 4.5:1 is needed (WCAG 1.4.3)", code="contrast"))

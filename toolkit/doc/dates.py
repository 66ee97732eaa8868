"""Saying why a written date is not a real one (`2026-13-01`, `2026-02-30`), for every document Reel reads."""

from __future__ import annotations

import calendar
import re

_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(.*)", re.S)


def date_problem(value: str) -> str | None:
    """Why `value`, written like a YYYY-MM-DD date, is not a real one (`month 13`, `February 2026 has 28
    days`); None when it is not written like a date, or its date part is real."""
    m = _DATE.fullmatch(value)
    if m is None:
        return None
    year, month, day = (int(g) for g in m.groups()[:3])
    if not 1 <= month <= 12:
        return f"month {month}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{calendar.month_name[month]} {year} has {days} days" if day else "there is no day 0"
    return None


def not_a_date(value: str) -> str:
    """The message for a value written like a date that is not one, e.g. `2026-13-01 is not a real date
    (month 13); write YYYY-MM-DD, e.g. 2026-01-31`."""
    why = date_problem(value)
    m = _DATE.fullmatch(value)
    if why is None and m is not None and m.group(4).strip():
        return f"`{value.strip()}` is not a real date and time; write the date alone as YYYY-MM-DD, e.g. 2026-01-31"
    return f"`{value.strip()}` is not a real date" + (f" ({why})" if why else "") + \
        "; write YYYY-MM-DD, e.g. 2026-01-31"

"""Sizes, speeds, durations, dates and numbers in the user's language (Babel).

Every function takes the Babel locale explicitly (``translator.locale``), so
nothing depends on a process-wide setting. Sizes and speeds come from
:mod:`omix_wire.sizes` (decimal units, 1 GB = 10^9 bytes), shared with the
server's web pages so both print the same text for the same file.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from omix_wire import sizes

LocaleLike = Locale | str

# One unit system for the app, omix-upload and the server's web pages (decimal).
format_size = sizes.format_size
format_speed = sizes.format_speed


_DURATION_UNITS = (
    (86400, "duration-day"),
    (3600, "duration-hour"),
    (60, "duration-minute"),
    (1, "duration-second"),
)


def format_duration(seconds: float | timedelta, locale: LocaleLike, *, parts: int = 2) -> str:
    """``2 hr, 5 min`` / ``2小时5分钟``: the ``parts`` largest non-zero units."""
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    total = max(0, round(seconds))
    counts = []
    for factor, unit in _DURATION_UNITS:
        count, total = divmod(total, factor)
        counts.append((count, unit))
    first = next((i for i, (count, _unit) in enumerate(counts) if count), len(counts))
    pieces = [
        format_unit(count, unit, length="short", locale=locale)
        for count, unit in counts[first : first + parts]
        if count
    ]
    if not pieces:
        return format_unit(0, "duration-second", length="short", locale=locale)
    return format_list(pieces, style="unit-short", locale=locale)


def format_eta(seconds: float | None, locale: LocaleLike) -> str:
    """Time left for a transfer or a hash; an em dash when it cannot be estimated."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    return format_duration(seconds, locale)


def format_date(value: date | datetime, locale: LocaleLike) -> str:
    """``Jul 12, 2024`` / ``2024年7月12日``."""
    return babel_format_date(value, format="medium", locale=locale)


def format_datetime(value: datetime, locale: LocaleLike) -> str:
    """Date and time in the local time zone, to the minute."""
    if value.tzinfo is not None:
        value = value.astimezone()
    date_part = babel_format_date(value, format="medium", locale=locale)
    time_part = format_time(value, format="short", locale=locale)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    return pattern.replace("{1}", date_part).replace("{0}", time_part)


def format_number(value: float, locale: LocaleLike) -> str:
    """``1,234,567``."""
    return format_decimal(value, locale=locale)


def format_percent_value(fraction: float, locale: LocaleLike) -> str:
    """``42%`` for 0.42."""
    return format_percent(fraction, locale=locale)

"""Sizes, speeds, durations, dates and numbers in the user's language (Babel).

Every function takes the Babel locale explicitly (``translator.locale``), so
nothing depends on a process-wide setting. Sizes use decimal units (1 GB =
10^9 bytes), the units the archive's user guide states its limits in.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_compound_unit, format_unit

LocaleLike = Locale | str

_SIZE_UNITS = (
    (10**12, "digital-terabyte"),
    (10**9, "digital-gigabyte"),
    (10**6, "digital-megabyte"),
    (10**3, "digital-kilobyte"),
)


def _scaled(size: float) -> tuple[float, str | None, str]:
    """The value, its CLDR unit (None for bytes) and a number pattern."""
    for factor, unit in _SIZE_UNITS:
        if abs(size) >= factor:
            value = size / factor
            return value, unit, "#,##0.#" if value < 100 else "#,##0"
    return size, None, "#,##0"


def format_size(size: float, locale: LocaleLike) -> str:
    """``1.5 GB``, ``12 MB``, ``512 B``."""
    value, unit, pattern = _scaled(size)
    if unit is None:
        return f"{format_decimal(value, format=pattern, locale=locale)} B"
    return format_unit(value, unit, length="short", format=pattern, locale=locale)


def format_speed(bytes_per_second: float | None, locale: LocaleLike) -> str:
    """``12.3 MB/s`` (``12.3 MB/秒``); an em dash while unknown."""
    if bytes_per_second is None or not math.isfinite(bytes_per_second):
        return "—"
    value, unit, pattern = _scaled(bytes_per_second)
    if unit is None:
        return f"{format_decimal(value, format=pattern, locale=locale)} B/s"
    return format_compound_unit(
        value,
        unit,
        denominator_unit="duration-second",
        length="short",
        format=pattern,
        locale=locale,
    ) or format_unit(value, unit, length="short", format=pattern, locale=locale)


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

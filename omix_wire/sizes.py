"""Sizes and speeds in one unit system, for the app, omix-upload and the server's web pages.

The app said 52.4 MB where the web page said 50 MB for the same file: the app
counted in decimal units, the pages in binary ones labelled "MB". Every size a
person reads now comes from here, in decimal units (1 kB = 1,000 bytes,
1 MB = 10^6, 1 GB = 10^9), the units the archive states its limits in
(:mod:`omix_wire.limits`: online uploads under 100 MB, the 20 GB advice), so a
limit reads as the round number it is. Babel writes the number and the unit
for the locale (CLDR short units: ``52.4 MB``, ``1,234 GB``; Chinese likewise),
one decimal below 100 and none above.

Plain Python plus Babel: no Qt, nothing of the client or the server.
"""

from __future__ import annotations

import math

from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_compound_unit, format_unit

LocaleLike = Locale | str

UNITS = (
    (10**12, "digital-terabyte"),
    (10**9, "digital-gigabyte"),
    (10**6, "digital-megabyte"),
    (10**3, "digital-kilobyte"),
)
"""Decimal factors and their CLDR unit names, largest first."""


def scaled(size: float) -> tuple[float, str | None, str]:
    """The value in its unit, the CLDR unit (None for bytes) and the number pattern."""
    for factor, unit in UNITS:
        if abs(size) >= factor:
            value = size / factor
            return value, unit, "#,##0.#" if abs(value) < 100 else "#,##0"
    return size, None, "#,##0"


def format_size(size: float, locale: LocaleLike) -> str:
    """``1.5 GB``, ``12 MB``, ``512 B`` in the locale's number format."""
    value, unit, pattern = scaled(size)
    if unit is None:
        return f"{format_decimal(value, format=pattern, locale=locale)} B"
    return str(format_unit(value, unit, length="short", format=pattern, locale=locale))


def format_speed(bytes_per_second: float | None, locale: LocaleLike) -> str:
    """``12.3 MB/s`` (``12.3 MB/秒``); an em dash while unknown."""
    if bytes_per_second is None or not math.isfinite(bytes_per_second):
        return "—"
    value, unit, pattern = scaled(bytes_per_second)
    if unit is None:
        return f"{format_decimal(value, format=pattern, locale=locale)} B/s"
    text = format_compound_unit(
        value,
        unit,
        denominator_unit="duration-second",
        length="short",
        format=pattern,
        locale=locale,
    ) or format_unit(value, unit, length="short", format=pattern, locale=locale)
    return str(text)

"""Sizes, speeds, durations, dates and numbers in English and Chinese."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from omix_desktop.i18n.format import (
    format_date,
    format_datetime,
    format_duration,
    format_eta,
    format_number,
    format_percent_value,
    format_size,
    format_speed,
)
from omix_desktop.i18n.translator import Translator

EN = Translator("en").locale
ZH = Translator("zh_CN").locale


@pytest.mark.parametrize(
    ("size", "english", "chinese"),
    [
        (0, "0 B", "0 B"),
        (512, "512 B", "512 B"),
        (1_500, "1.5 kB", "1.5 kB"),
        (123_456_789, "123 MB", "123 MB"),
        (1_500_000_000, "1.5 GB", "1.5 GB"),
        (20 * 10**9, "20 GB", "20 GB"),
        (2_500 * 10**9, "2.5 TB", "2.5 TB"),
    ],
)
def test_sizes(size: int, english: str, chinese: str) -> None:
    assert format_size(size, EN) == english
    assert format_size(size, ZH) == chinese


def test_speeds() -> None:
    assert format_speed(12_300_000, EN) == "12.3 MB/s"
    assert format_speed(12_300_000, ZH) == "12.3 MB/秒"
    assert format_speed(500, EN) == "500 B/s"
    assert format_speed(None, EN) == "—"
    assert format_speed(float("inf"), ZH) == "—"


def test_durations_and_time_left() -> None:
    assert format_duration(7_500, EN) == "2 hr, 5 min"
    assert format_duration(7_500, ZH) == "2小时5分钟"
    assert format_duration(59, EN) == "59 sec"
    assert format_duration(59, ZH) == "59秒"
    assert format_duration(timedelta(days=1, hours=3), EN) == "1 day, 3 hr"
    assert format_duration(3_605, EN) == "1 hr"  # the two largest units only, no gap
    assert format_duration(0, ZH) == "0秒"
    assert format_eta(None, EN) == "—"
    assert format_eta(-1, EN) == "—"
    assert format_eta(90, ZH) == "1分钟30秒"


def test_dates_and_numbers() -> None:
    day = date(2024, 7, 12)
    assert format_date(day, EN) == "Jul 12, 2024"
    assert format_date(day, ZH) == "2024年7月12日"
    moment = datetime(2024, 7, 12, 14, 3)
    assert format_datetime(moment, EN).replace("\u202f", " ") == "Jul 12, 2024, 2:03 PM"
    assert format_datetime(moment, ZH) == "2024年7月12日 14:03"
    aware = datetime(2024, 7, 12, 14, 3, tzinfo=UTC)
    assert format_datetime(aware, ZH).startswith("2024年7月1")  # shown in local time
    assert format_number(1_234_567, EN) == "1,234,567"
    assert format_number(1_234_567, ZH) == "1,234,567"
    assert format_percent_value(0.42, ZH) == "42%"

"""The speed limit holds for every transfer, changes while running, follows a timetable."""

from __future__ import annotations

import asyncio
import time as clock
from datetime import datetime, time

import aioftp
import pytest

from omix_desktop.transfer.throttle import SpeedSchedule, SteadyThrottle, parse_rate
from tests.transfer.engine import aioftp_settings, open_queue, poll_until
from tests.transfer.peers import AioftpPeer

MiB = 1024 * 1024


async def _wait_after_idle(throttle: aioftp.Throttle) -> float:
    """Seconds the throttle makes 4 MiB wait at 16 MiB/s after a minute of silence."""
    loop = asyncio.get_running_loop()
    throttle.append(b"x" * MiB, loop.time() - 60)  # the previous batch, a minute ago
    throttle.append(b"x" * (4 * MiB), loop.time())  # the next batch starts now
    started = clock.monotonic()
    await throttle.wait()
    return clock.monotonic() - started


async def test_idle_time_builds_no_credit() -> None:
    """aioftp's throttle let the next batch go at full speed after a pause; ours waits."""
    assert await _wait_after_idle(aioftp.Throttle(limit=16 * MiB)) < 0.05  # the old behaviour
    assert await _wait_after_idle(SteadyThrottle(limit=16 * MiB)) > 0.15  # 4 MiB at 16 MiB/s


def test_rates_and_timetables() -> None:
    assert parse_rate("2M") == 2 * MiB and parse_rate("512k") == 512 * 1024
    assert parse_rate("off") is None
    with pytest.raises(ValueError, match="not a speed"):
        parse_rate("fast")
    schedule = SpeedSchedule.parse("08:00,2M 19:00,off")
    assert schedule.limit_at(datetime(2026, 12, 1, 9, 30)) == 2 * MiB
    assert schedule.limit_at(datetime(2026, 12, 1, 20, 0)) is None
    assert schedule.limit_at(datetime(2026, 12, 1, 3, 0)) is None  # last night's entry holds
    assert schedule.next_change(datetime(2026, 12, 1, 9, 30)) == datetime(2026, 12, 1, 19, 0)
    assert schedule.next_change(datetime(2026, 12, 1, 20, 0)) == datetime(2026, 12, 2, 8, 0)
    assert SpeedSchedule.parse("1M").limit_at(datetime(2026, 12, 1, 12, 0)) == MiB
    with pytest.raises(ValueError, match="timetable entry"):
        SpeedSchedule.parse("8am,2M")
    with pytest.raises(ValueError, match="time of day"):
        SpeedSchedule.parse("25:00,2M")


async def test_the_queue_follows_its_timetable(aioftp_peer: AioftpPeer, tmp_path) -> None:
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    async with queue:
        assert queue.speed_limit is None
        queue.set_speed_schedule(SpeedSchedule(((time(0, 0), 3 * MiB),)))
        await poll_until(lambda: queue.speed_limit == 3 * MiB, 5)
        queue.set_speed_schedule(None)
        queue.set_speed_limit(None)
        assert queue.speed_limit is None

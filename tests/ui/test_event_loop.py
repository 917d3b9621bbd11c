"""The app's loop lets cancelled timers go at once (qasync keeps them until they fire)."""

from __future__ import annotations

import asyncio
import gc

import qasync

from omix_desktop.ui.event_loop import _CALLBACKS, AppEventLoop


def waiting_timers(loop: qasync.QEventLoop) -> int:
    return len(getattr(loop._timer, _CALLBACKS))


async def many_timeouts(count: int) -> list[str]:
    """What the engine does per FTP command: a long timeout, cancelled by the answer."""
    fired: list[str] = []
    loop = asyncio.get_running_loop()
    for index in range(count):
        await asyncio.wait_for(asyncio.sleep(0), timeout=300)
        loop.call_later(300, fired.append, f"late {index}").cancel()
    soon = loop.call_later(0.01, fired.append, "soon")
    done = loop.create_future()
    loop.call_later(0.05, done.set_result, None)
    await done
    soon.cancel()  # after it ran: must not touch a timer that reuses its id
    again = loop.create_future()
    loop.call_later(0.02, again.set_result, None)
    await asyncio.wait_for(again, 5)
    return fired


def run_on(loop: qasync.QEventLoop, count: int) -> tuple[list[str], int]:
    asyncio.set_event_loop(loop)
    try:
        fired = loop.run_until_complete(many_timeouts(count))
        left = waiting_timers(loop)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return fired, left


def test_cancelled_timers_leave_the_loop_at_once(qapp) -> None:
    loop = AppEventLoop(qapp, already_running=False)
    assert loop.releases_cancelled_timers
    fired, left = run_on(loop, 500)
    assert fired == ["soon"]  # a timer that is not cancelled still fires, once
    assert left == 0
    gc.collect()


def test_qasync_alone_keeps_them_until_they_would_fire(qapp) -> None:
    """The reference: why the app's loop exists (this fails once qasync fixes it)."""
    fired, left = run_on(qasync.QEventLoop(qapp, already_running=False), 500)
    assert fired == ["soon"]
    assert left >= 1000  # the wait_for timeouts and the cancelled call_later

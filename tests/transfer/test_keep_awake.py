"""The computer is kept awake while the real queue moves data, and released when it stops.

wakepy runs for real: where it can (Windows, macOS, a Linux desktop) the mode
becomes active; here, without a D-Bus session, it reports why it cannot, and
the uploads go on with one logged note. Either way the mode is entered when
the first upload starts and exited when the queue settles, pauses or closes.
The last test gives wakepy what a Linux desktop has, a session bus with a
power manager on it (``power_manager.py``), and asks that power manager
whether sleep is inhibited while the upload runs, and released after.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omix_desktop.keep_awake import KeepAwake, QueueWatcher
from omix_desktop.transfer.events import ItemProgress
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import (
    Recorder,
    aioftp_settings,
    open_queue,
    poll_until,
    run_until_settled,
)
from tests.transfer.peers import AioftpPeer

MiB = 1024 * 1024


@pytest.fixture
def keep_awake():
    keeper = KeepAwake()
    yield keeper
    keeper.close()
    assert not keeper.holding


def moving(keeper: KeepAwake) -> bool:
    keeper.flush()
    return keeper.holding


async def test_held_while_uploading_released_when_settled(
    aioftp_peer: AioftpPeer, make_file, tmp_path, keep_awake: KeepAwake, caplog
) -> None:
    caplog.set_level(logging.INFO, "omix_desktop.keep_awake")
    files = [make_file(f"{i}.bin", 2 * MiB, seed=i) for i in range(2)]
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=4 * MiB)
    recorder = Recorder(queue)
    watcher = QueueWatcher(keep_awake)
    unsubscribe = watcher.follow(queue.events.subscribe)
    async with queue:
        assert not moving(keep_awake) and keep_awake.attempts == 0
        queue.add(plan_uploads(files))
        await poll_until(lambda: any(isinstance(e, ItemProgress) for e in recorder.events))
        assert keep_awake.wanted and moving(keep_awake)
        assert keep_awake.attempts == 1  # one mode for the whole run, not one per file
        # what wakepy itself says: active, or why not (no D-Bus session on this machine)
        assert keep_awake.active or "DBUS" in keep_awake.last_failure.upper()
        await run_until_settled(queue)
        assert not keep_awake.wanted and not moving(keep_awake)
    unsubscribe()
    assert keep_awake.attempts == 1
    if not keep_awake.active and keep_awake.last_failure:
        notes = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(notes) == 1 and "cannot keep the computer awake" in notes[0].getMessage()
    assert "may sleep again" in caplog.text


async def test_pause_all_releases_and_resume_holds_again(
    aioftp_peer: AioftpPeer, make_file, tmp_path, keep_awake: KeepAwake
) -> None:
    local = make_file("big.bin", 8 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB)
    watcher = QueueWatcher(keep_awake)
    watcher.follow(queue.events.subscribe)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(lambda: queue.is_running(item.id))
        await poll_until(lambda: keep_awake.wanted)
        assert moving(keep_awake)
        queue.pause_all()
        await poll_until(lambda: not queue.is_running(item.id))
        assert not moving(keep_awake)
        queue.resume_all()
        await poll_until(lambda: keep_awake.wanted)
        assert moving(keep_awake) and keep_awake.attempts == 2
    # closing the queue mid-upload puts the item back to queued: released
    assert not queue.is_running(item.id)
    assert not moving(keep_awake)


async def test_closed_queue_releases_everything(
    aioftp_peer: AioftpPeer, make_file, tmp_path, keep_awake: KeepAwake
) -> None:
    local = make_file("c.bin", 8 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB)
    watcher = QueueWatcher(keep_awake)
    unsubscribe = watcher.follow(queue.events.subscribe)
    keep_awake.hold("download:1")  # another transfer keeps it held after the queue closes
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(lambda: queue.is_running(item.id))
    unsubscribe()
    watcher.queue_closed()
    assert moving(keep_awake)
    keep_awake.release("download:1")
    assert not moving(keep_awake)
    assert keep_awake.attempts == 1


def test_wakepy_raising_is_a_note_not_a_crash(caplog) -> None:
    """A broken backend (here: the factory raising as a missing wakepy would) only logs."""

    def broken() -> KeepAwake:
        raise ImportError("No module named 'wakepy'")

    keeper = KeepAwake(mode_factory=broken)  # type: ignore[arg-type]
    try:
        keeper.hold("upload:1")
        keeper.flush()
        assert not keeper.holding and keeper.attempts == 1
        assert "wakepy" in keeper.last_failure
        keeper.release("upload:1")
        keeper.flush()
        keeper.hold("upload:2")  # a new busy period: tried again
        keeper.flush()
        assert keeper.attempts == 2
    finally:
        keeper.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1


# -- end to end on D-Bus: a power manager that really records the inhibition --------------


@pytest.fixture
def power_manager(tmp_path, monkeypatch):
    """A private session bus with a power manager on it, as a Linux desktop has."""
    daemon_path = shutil.which("dbus-daemon")
    if daemon_path is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus-daemon)")
    socket = tmp_path / "bus"
    daemon = subprocess.Popen(
        [
            daemon_path,
            "--session",
            "--nofork",
            "--print-address=1",
            f"--address=unix:path={socket}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    manager = None
    try:
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:"), address
        manager = subprocess.Popen(
            [sys.executable, "-m", "tests.transfer.power_manager", address],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert manager.stdout.readline().strip() == "ready"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        for process in (manager, daemon):
            if process is not None:
                process.terminate()
                process.wait(10)


def inhibited(address: str) -> bool:
    """Ask the power manager, as the desktop's idle logic would."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    from tests.transfer.power_manager import INTERFACE, NAME

    target = DBusAddress("/org/freedesktop/PowerManagement/Inhibit", NAME, INTERFACE)
    with open_dbus_connection(bus=address) as connection:
        return bool(connection.send_and_get_reply(new_method_call(target, "HasInhibit")).body[0])


async def test_the_desktop_is_inhibited_while_uploading_and_released_after(
    aioftp_peer: AioftpPeer, make_file, tmp_path, power_manager: str, keep_awake: KeepAwake
) -> None:
    files = [make_file(f"d{i}.bin", 2 * MiB, seed=i) for i in range(2)]
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=4 * MiB)
    QueueWatcher(keep_awake).follow(queue.events.subscribe)
    async with queue:
        assert not inhibited(power_manager)
        (first, _second) = queue.add(plan_uploads(files))
        await poll_until(lambda: queue.is_running(first.id))
        await poll_until(lambda: keep_awake.wanted)
        assert moving(keep_awake)
        assert keep_awake.active and keep_awake.last_failure == ""  # wakepy took hold
        assert inhibited(power_manager)  # and the desktop knows it
        await run_until_settled(queue)
        assert not moving(keep_awake)
        assert not inhibited(power_manager)  # sleep allowed again

"""Helpers to run the upload queue in tests: settings for a peer, waiting, recording events."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omix_desktop.transfer.events import Event, Notice, StateChanged
from omix_desktop.transfer.ftp_uploader import FtpSettings
from omix_desktop.transfer.queue import RetryPolicy, UploadQueue
from omix_desktop.transfer.queue_store import ItemState, QueueStore
from tests.transfer.peers import PASSWORD, USER

FAST_RETRY = RetryPolicy(max_failures=4, base_delay=0.05, max_delay=0.2, jitter=0.2)


def aioftp_settings(port: int, **changes: Any) -> FtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "user": USER,
        "password": PASSWORD,
        "connect_timeout": 5,
        "socket_timeout": 10,
    }
    values.update(changes)
    return FtpSettings(**values)


def vsftpd_settings(port: int, **changes: Any) -> FtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "user": "anonymous",
        "password": "x",
        "remote_root": "upload",
        "connect_timeout": 5,
        "socket_timeout": 10,
    }
    values.update(changes)
    return FtpSettings(**values)


class Recorder:
    """Collects every event of a queue."""

    def __init__(self, queue: UploadQueue) -> None:
        self.events: list[Event] = []
        queue.events.subscribe(self.events.append)

    def notices(self, code: str | None = None) -> list[Notice]:
        return [
            e for e in self.events if isinstance(e, Notice) and (code is None or e.code == code)
        ]

    def states(self, item_id: int) -> list[ItemState]:
        return [
            e.item.state
            for e in self.events
            if isinstance(e, StateChanged) and e.item.id == item_id
        ]


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


async def run_until_settled(queue: UploadQueue, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        await queue.wait_settled()


async def poll_until(predicate: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for an outside condition (a file on the server, a child process) to hold."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - polling state no event reports
            await asyncio.sleep(0.01)


def open_queue(data: Path, settings: FtpSettings, **kwargs: Any) -> UploadQueue:
    kwargs.setdefault("retry", FAST_RETRY)
    return UploadQueue(QueueStore(data), settings, **kwargs)

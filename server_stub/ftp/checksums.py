"""Checksums: XMD5, RANG + HASH over whole files or half-open byte ranges.

Byte ranges are half-open: ``start`` is the first byte, ``end`` the offset after
the last (``0-<size>`` is the whole file).
"""

from __future__ import annotations

import asyncio
import logging
import stat as stat_module
from pathlib import Path, PurePosixPath

from aioftp.common import Connection

from server_stub.ftp.hashing_io import (
    HashingStopped,
    md5_of_range,
)
from server_stub.ftp.jail import record_path
from server_stub.ftp.protocol import (
    FtpProtocol,
)

log = logging.getLogger(__name__)


def _parse_range(text: str) -> tuple[int, int | None]:
    """``10-20``, ``10 20`` or ``10-`` → (start, end or None)."""
    text = text.strip().replace(" ", "-", 1)
    start_text, _, end_text = text.partition("-")
    start = int(start_text)
    end = int(end_text) if end_text.strip() else None
    if start < 0 or (end is not None and end < start):
        raise ValueError(text)
    return start, end


class ChecksumCommands(FtpProtocol):
    """MD5 of a file or a range, from the recorded value when it still describes the file."""

    async def _checksum(
        self,
        connection: Connection,
        virtual: PurePosixPath,
        real: Path,
        start: int,
        end: int | None,
    ) -> tuple[str, int] | None:
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
            return None
        if start > stat.st_size or (end is not None and end > stat.st_size):
            connection.response(
                "554",
                f"Range {start}-{end} is outside {virtual}, which has {stat.st_size} bytes.",
            )
            return None
        user_id = self.session(connection).user_id
        assert user_id is not None
        path = record_path(virtual)
        whole = start == 0 and end in (None, stat.st_size)
        if whole and not self.records.is_uploading(user_id, path):
            known = await asyncio.to_thread(self.records.known_md5, user_id, path, stat.st_size)
            if known:
                return known, stat.st_size
        async with self.checksums:
            try:
                return await self.blocking(
                    md5_of_range, real, start, end, self.stop_hashing, self.blocks
                )
            except HashingStopped:
                connection.response("421", "Server shutting down.")
                return None

    @staticmethod
    def _split_range_args(rest: str) -> tuple[str, int, int | None]:
        words = rest.split(" ")
        if len(words) >= 3 and words[-1].isdigit() and words[-2].isdigit():
            return " ".join(words[:-2]), int(words[-2]), int(words[-1])
        return rest, 0, None

    async def xmd5(self, connection: Connection, rest: str) -> bool:
        name, start, end = self._split_range_args(rest.strip())
        if not name:
            connection.response("501", "Usage: XMD5 <path> [<start> <end>]")
            return True
        if end is not None and end < start:
            connection.response("501", "The end of the range comes before its start.")
            return True
        virtual, real = self.resolve(connection, name)
        result = await self._checksum(connection, virtual, real, start, end)
        if result is not None:
            connection.response("250", result[0])
        return True

    async def rang(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        text = rest.strip()
        if not text or text in ("0-0", "1 0", "1-0"):
            session.hash_range = None
            connection.response("350", "Range reset: HASH covers whole files.")
            return True
        try:
            session.hash_range = _parse_range(text)
        except ValueError:
            connection.response("501", "Usage: RANG <start> <end> (end is exclusive).")
            return True
        start, end = session.hash_range
        connection.response("350", f"Next HASH covers bytes {start}-{'' if end is None else end}.")
        return True

    async def hash(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        name = rest.strip()
        start, end = session.hash_range or (0, None)
        session.hash_range = None
        if not name:
            connection.response("501", "Usage: HASH <path> (after RANG <start> <end> if wanted)")
            return True
        virtual, real = self.resolve(connection, name)
        result = await self._checksum(connection, virtual, real, start, end)
        if result is not None:
            digest, stop = result
            connection.response("213", f"MD5 {start}-{stop} {digest} {virtual}")
        return True

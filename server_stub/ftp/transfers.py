"""Transfers: REST, STOR/APPE (hashed on the fly, recorded), RETR, ABOR.

A STOR after SEGM is one stripe of a segmented upload (``segment_commands.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import stat as stat_module
from pathlib import Path, PurePosixPath

from aioftp.common import Connection

from server_stub.ftp.datachannel import DataChannel
from server_stub.ftp.hashing_io import (
    DiskFullError,
    HashingUpload,
    is_disk_full,
)
from server_stub.ftp.hooks import ByteSource
from server_stub.ftp.jail import ROOT, record_path
from server_stub.ftp.name_rule import REFUSED, name_refusal
from server_stub.ftp.protocol import (
    DISK_FULL,
)
from server_stub.ftp.segment_commands import SegmentCommands
from server_stub.models import Interruption

log = logging.getLogger(__name__)


def interruption_of(problem: BaseException | None) -> Interruption | None:
    """What a receive error means for the file: cut short, and why (None: it ended)."""
    if problem is None:
        return None
    if isinstance(problem, DiskFullError) or is_disk_full(problem):
        return Interruption.DISK_FULL
    return Interruption.CONNECTION_LOST


class TransferCommands(SegmentCommands):
    """Uploads into the jail and downloads out of it, over passive data connections."""

    async def rest(self, connection: Connection, rest: str) -> bool:
        text = rest.strip()
        session = self.session(connection)
        if text.isdigit():
            session.restart_offset = int(text)
            connection.response("350", f"Restarting at {int(text)}; send STOR or RETR.")
        else:
            session.restart_offset = 0
            connection.response("501", f"REST needs a byte offset, not {text!r}.")
        return True

    async def stor(
        self, connection: Connection, rest: str | PurePosixPath, mode: str = "wb"
    ) -> bool:
        append = mode == "ab"
        session = self.session(connection)
        offset = 0 if append else session.restart_offset
        session.restart_offset = 0
        if self._needs_passive(connection):
            return True
        assert session.user_id is not None
        virtual, real = self.resolve(connection, str(rest))
        if virtual == ROOT:
            connection.response("553", "Give a file name to upload to.")
            return True
        refusal = name_refusal(virtual)
        if refusal is not None:
            connection.response(REFUSED, refusal)
            return True
        stat = await self._stat(real)
        if stat is not None and not stat_module.S_ISREG(stat.st_mode):
            connection.response("553", f"{virtual} is a folder, not a file.")
            return True
        if not await self.blocking(os.path.isdir, real.parent):
            connection.response(
                "553", f"Folder {virtual.parent} does not exist; create it with MKD first."
            )
            return True
        segment, session.segment = session.segment, None
        if segment is not None:
            return await self._stor_segment(connection, session.user_id, virtual, real, segment)
        current = stat.st_size if stat is not None else 0
        if offset > current:
            connection.response("554", self._past_end(virtual, offset, current))
            return True
        path = record_path(virtual)
        if not self.records.claim_upload(session.user_id, path):
            connection.response(
                "450", f"{virtual} is being uploaded by another connection; try again later."
            )
            return True
        if self.assemblies.is_assembling(session.user_id, path):
            # a whole-file upload replaces an unfinished segmented one
            await asyncio.to_thread(self.assemblies.forget, session.user_id, path)
        self._spawn(
            connection,
            self._receive_file(connection, session.user_id, virtual, real, offset, append),
        )
        start = current if append else offset
        connection.response("150", f"Ready to receive {virtual} from byte {start}.")
        return True

    @staticmethod
    def _past_end(virtual: PurePosixPath, offset: int, size: int) -> str:
        return (
            f"Cannot restart at byte {offset}: {virtual} has only {size} bytes on the server. "
            f"Resume from byte {size} (REST {size}) or upload it again from the start."
        )

    async def appe(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self.stor(connection, rest, "ab")

    async def _receive_file(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        real: Path,
        offset: int,
        append: bool,
    ) -> bool:
        path = record_path(virtual)
        try:
            stream = await self._accept_data(connection)
            if stream is None:
                return True
            upload = HashingUpload(real, self.io, self.resume_cache, self.blocks)
            problem: BaseException | None = None
            finish: asyncio.Task[tuple[int, str | None]] | None = None
            try:
                try:
                    start = await upload.open(offset, append)
                except ValueError as error:
                    connection.response("554", self._past_end(virtual, offset, int(str(error))))
                    return True
                await asyncio.to_thread(self.records.begin_upload, user_id, path, start)
                try:
                    await self._pump(stream, upload)
                except (ConnectionError, TimeoutError, ssl.SSLError, OSError) as error:
                    problem = error
            finally:
                stream.close()
                if upload.hasher is not None:
                    cut = interruption_of(problem)
                    finish = asyncio.create_task(self._finish(upload, user_id, path, cut))
                    self.finishing.add(finish)
                    finish.add_done_callback(self.finishing.discard)
            assert finish is not None
            size, md5 = await asyncio.shield(finish)
            if isinstance(problem, DiskFullError) or (problem and is_disk_full(problem)):
                connection.response(
                    "452",
                    f"{DISK_FULL}: the upload of {virtual} stopped at byte {size}. "
                    f"The partial file is kept; resume it (REST {size} or APPE) "
                    "when the archive has freed space.",
                )
            elif problem is not None:
                log.info("upload of %s for user %s cut: %r", path, user_id, problem)
                connection.response(
                    "426",
                    f"Data connection lost: {size} bytes of {virtual} are kept; "
                    f"resume with REST {size} or APPE.",
                )
            elif md5 is None:
                connection.response("451", f"{virtual}: {size} bytes stored, MD5 not finished.")
            else:
                connection.response(
                    "226", f"Transfer complete: {virtual}, {size} bytes, MD5 {md5}."
                )
            return True
        except asyncio.CancelledError:
            connection.response("426", f"Transfer of {virtual} aborted; what arrived is kept.")
            connection.response("226", "ABOR successful.")
            return True
        finally:
            self.records.release_upload(user_id, path)

    async def _pump(self, stream: DataChannel, upload: HashingUpload) -> None:
        """Receive whole blocks on the loop; a worker thread writes them in order."""
        await stream.receive(upload.write_block, self.io, self.block_size, self.data_timeout)

    async def _finish(
        self,
        upload: HashingUpload,
        user_id: int,
        path: str,
        interruption: Interruption | None = None,
    ) -> tuple[int, str | None]:
        try:
            md5 = await upload.finish(wait_hash=not self.closing)
        except (OSError, asyncio.CancelledError) as error:
            log.warning("MD5 of %s (user %s) not finished: %r", path, user_id, error)
            upload.abandon()
            md5 = None
        await asyncio.to_thread(
            self.records.end_upload, user_id, path, upload.size, md5, interruption
        )
        if md5 is not None and interruption is None:
            await asyncio.to_thread(self.records.settle, user_id, path)
        return upload.size, md5

    async def retr(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        session = self.session(connection)
        offset, session.restart_offset = session.restart_offset, 0
        if self._needs_passive(connection):
            return True
        virtual, real = self.resolve(connection, str(rest))
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
            return True
        if offset > stat.st_size:
            connection.response("554", self._past_end(virtual, offset, stat.st_size))
            return True
        self._spawn(connection, self._send_file(connection, virtual, real, offset))
        connection.response("150", f"Sending {virtual} from byte {offset}.")
        return True

    async def _send_file(
        self, connection: Connection, virtual: PurePosixPath, real: Path, offset: int
    ) -> bool:
        stream = await self._accept_data(connection)
        if stream is None:
            return True
        try:
            handle = await self.blocking(self.open_download, virtual, real, offset)
        except BaseException:
            stream.close()
            raise
        try:
            while True:
                data = await self.blocking(handle.read, self.block_size)
                if not data:
                    break
                await stream.write(data)
        except (ConnectionError, ssl.SSLError):
            connection.response("426", "Data connection lost during download.")
            return True
        except asyncio.CancelledError:
            connection.response("426", "Download aborted.")
            connection.response("226", "ABOR successful.")
            return True
        finally:
            stream.close()
            await self.blocking(handle.close)
        connection.response("226", f"Download of {virtual} complete.")
        return True

    def open_download(self, virtual: PurePosixPath, real: Path, offset: int) -> ByteSource:
        """The file's bytes from ``offset`` (blocking); the public server may read a store."""
        handle = open(real, "rb")  # noqa: SIM115 (closed by _send_file)
        handle.seek(offset)
        return handle

    async def abor(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        if connection.extra_workers:
            for worker in connection.extra_workers:
                worker.cancel()
        else:
            connection.response("226", "No transfer to abort.")
        return True

    # --- checksums ---------------------------------------------------------------------

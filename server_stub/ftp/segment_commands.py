"""The ``SEGM`` command and the STOR of a segment (see ``segments.py`` for the rules).

A mixin of :class:`server_stub.ftp.protocol.FtpProtocol` (used by
``transfers.py``), kept apart so the protocol of segmented uploads reads in one place.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from pathlib import Path, PurePosixPath
from typing import Any

from aioftp.common import Connection

from server_stub.ftp.hashing_io import DiskFullError, is_disk_full
from server_stub.ftp.jail import record_path
from server_stub.ftp.protocol import FtpProtocol
from server_stub.ftp.segments import Assembly, Segment, SegmentError, SegmentWriter
from server_stub.models import Interruption

log = logging.getLogger(__name__)


class SegmentCommands(FtpProtocol):
    """``SEGM start end total`` + ``STOR``: one stripe of a file over one connection."""

    async def _stor_segment(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        real: Path,
        segment: Segment,
    ) -> bool:
        started = await self._start_segment(connection, user_id, virtual, real, segment)
        if started is not None:
            self._spawn(connection, self._segment_transfer(connection, user_id, virtual, *started))
            connection.response(
                "150", f"Ready to receive bytes [{segment.start}, {segment.end}) of {virtual}."
            )
        return True

    async def _segment_transfer(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        assembly: Assembly,
        writer: SegmentWriter,
    ) -> None:
        try:
            await self._data_stream(connection)
        except TimeoutError:
            os.close(writer._fd)
            self.assemblies.done_with(user_id)
            await asyncio.to_thread(assembly.release, writer.writer, False)
            if not assembly.sending:
                self.records.release_upload(user_id, record_path(virtual))
            connection.response("425", "Cannot open data connection.")
            return
        stream = self._take_data_stream(connection)
        await self._receive_segment(connection, user_id, virtual, assembly, writer, stream)

    async def segm(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        try:
            segment = Segment.parse(rest)
        except SegmentError as error:
            session.segment = None
            connection.response(error.code, str(error))
            return True
        session.segment = segment
        connection.response(
            "350",
            f"Segment [{segment.start}, {segment.end}) of a {segment.total}-byte file: send STOR.",
        )
        return True

    async def _start_segment(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        real: Path,
        segment: Segment,
    ) -> tuple[Assembly, SegmentWriter] | None:
        """Claim the segment before the 150, so a refusal is a clear reply, not a cut."""
        path = record_path(virtual)
        if self.records.is_uploading(user_id, path) and not self.assemblies.is_assembling(
            user_id, path
        ):
            connection.response(
                "450", f"{virtual} is being uploaded by another connection; try again later."
            )
            return None
        loop = asyncio.get_running_loop()
        try:
            assembly, fd = await asyncio.to_thread(
                self.assemblies.open, user_id, path, real, segment, loop
            )
        except SegmentError as error:
            connection.response(error.code, str(error))
            return None
        writer_id = next(self.writer_ids)
        try:
            assembly.claim(writer_id, segment)
        except SegmentError as error:
            os.close(fd)
            self.assemblies.done_with(user_id)
            connection.response(error.code, str(error))
            return None
        if len(assembly.active) == 1:  # the first segment in flight marks the file busy
            self.records.claim_upload(user_id, path)  # DELE and RNTO wait while any is sent
            await asyncio.to_thread(self.records.begin_upload, user_id, path, assembly.stored_bytes)
        return assembly, SegmentWriter(assembly, writer_id, segment, fd)

    async def _receive_segment(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        assembly: Assembly,
        writer: SegmentWriter,
        stream: Any,
    ) -> None:
        segment = writer.segment
        path = record_path(virtual)
        problem: BaseException | None = None
        try:
            await stream.receive(writer.write_block, self.io, self.block_size, self.data_timeout)
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError, SegmentError) as error:
            problem = error
        finally:
            stream.close()
            os.close(writer._fd)
            self.assemblies.done_with(user_id)
        stored = problem is None and writer.complete
        completed = await asyncio.to_thread(assembly.release, writer.writer, stored)
        if not assembly.sending:
            self.records.release_upload(user_id, path)
        if completed:
            await self._segments_complete(connection, user_id, virtual, path, assembly)
            return
        if isinstance(problem, SegmentError):
            connection.response(problem.code, str(problem))
        elif isinstance(problem, DiskFullError) or (problem and is_disk_full(problem)):
            connection.response(
                "452",
                f"Server disk is full: segment [{segment.start}, {segment.end}) of {virtual} "
                "was not stored; send it again when the archive has space.",
            )
        elif problem is not None or not writer.complete:
            connection.response(
                "426",
                f"Segment [{segment.start}, {segment.end}) of {virtual} was cut after "
                f"{writer.written} bytes and is not stored: send it again.",
            )
        else:
            connection.response(
                "226",
                f"Segment [{segment.start}, {segment.end}) stored: "
                f"{assembly.stored_bytes} of {assembly.total} bytes of {virtual} are in.",
            )
        if problem is not None and not assembly.sending:
            # nobody sends now: the listing says incomplete until the client resumes
            await asyncio.to_thread(
                self.records.end_upload,
                user_id,
                path,
                assembly.stored_bytes,
                None,
                Interruption.CONNECTION_LOST,
            )

    async def _segments_complete(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        path: str,
        assembly: Assembly,
    ) -> None:
        hasher = assembly.hasher
        assert hasher is not None
        hasher.finish(assembly.total)
        try:
            digest = await asyncio.shield(hasher.result)
        except (OSError, asyncio.CancelledError) as error:
            log.warning("MD5 of assembled %s (user %s) not finished: %r", path, user_id, error)
            connection.response("451", f"{virtual}: every byte is in, MD5 not finished.")
            return
        md5 = str(digest.hexdigest())
        await asyncio.to_thread(self.records.end_upload, user_id, path, assembly.total, md5)
        self.assemblies.finished(user_id, path)
        await asyncio.to_thread(self.records.settle, user_id, path)
        connection.response(
            "226", f"Transfer complete: {virtual}, {assembly.total} bytes, MD5 {md5}."
        )

"""How one file goes up: the per-file protocol of the upload queue.

1. the local file is checked against the size/mtime recorded when it was
   queued; a changed file is hashed again and restarted from zero;
2. the remote part: a file never sent before is looked up in its folder's
   listing (no round trip per file); otherwise the remote size tells where a
   previous attempt stopped, and the part is checked against the local bytes
   with the server's range MD5 when it offers one;
3. the rest is sent with REST + STOR in 1 MiB blocks (a file whose MD5 is not
   known yet is hashed in the same read pass), or, for a large file and a
   server that offers ``SEGM``, as stripes over several connections;
4. verification: the server's MD5 from its reply to the upload, else its
   size and range MD5, must equal the local ones. A mismatch re-queues the
   file once from zero, then fails.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePosixPath

import aioftp

from omix_desktop.transfer.events import (
    Notice,
)
from omix_desktop.transfer.ftp_uploader import FtpConnection, FtpSettings
from omix_desktop.transfer.hash_cache import FileStamp, HashCache
from omix_desktop.transfer.hashing import IncrementalHasher, md5_file, md5_range
from omix_desktop.transfer.queue_store import ItemState, QueueItem
from omix_desktop.transfer.reasons import FailureReason, TransferError
from omix_desktop.transfer.run_state import QueueCore, Run
from omix_desktop.transfer.segmented import FEATURE as SEGMENTS_FEATURE
from omix_desktop.transfer.segmented import SegmentedUpload, SegmentPolicy, completed_md5
from omix_wire.naming import check_path

log = logging.getLogger(__name__)


class FileProtocol(QueueCore):
    """One attempt at one item over one signed-in connection."""

    settings: FtpSettings
    hash_cache: HashCache | None
    segment_policy: SegmentPolicy
    _throttle: aioftp.StreamThrottle
    _listings: dict[PurePosixPath, set[str] | None]
    _listing_lock: asyncio.Lock

    async def _attempt(self, run: Run, item: QueueItem, connection: FtpConnection) -> None:
        verdict = check_path(str(item.remote_path))
        if not verdict.ok:  # pre-flight should have caught it: never send it anyway
            raise TransferError(
                FailureReason.BAD_NAME,
                {
                    "detail": verdict.describe(),
                    "component": verdict.component,
                    "character": verdict.character,
                    "problem": str(verdict.problem),
                },
            )
        item = self._check_local(item)
        run.total = item.size
        md5 = item.md5 or self._cached_md5(item)
        remote = connection.remote(item.remote_path)
        if item.state is not ItemState.UPLOADED:
            item = self._set(item.id, state=ItemState.UPLOADING, attempts=item.attempts + 1)
            previous_confirmed = item.sent
            async with self._listing_lock:  # workers starting together make a folder once
                await connection.ensure_directory(remote.parent)
            if await self._use_segments(item, connection):
                await self._attempt_segmented(run, item, connection, remote)
                return
            remote_size = await self._probe_remote(item, connection, remote)
            offset, hasher = await self._resume_point(run, item, connection, remote_size, md5)
            self._checkpoint(run)
            if offset >= item.size and not item.started:
                self.events.emit(Notice(item.id, "already_on_server", {"size": item.size}))
            run.sent = offset
            run.meter.reset()
            run.progressed = offset > previous_confirmed
            item = self._set(item.id, sent=offset, started=True, restart=False)
            reply = ""
            if offset < item.size or item.size == 0:
                if offset:
                    self.events.emit(Notice(item.id, "resumed", {"offset": offset}))
                reply = await connection.send(
                    item.local_path,
                    remote,
                    offset=offset,
                    size=item.size,
                    hasher=hasher,
                    on_sent=lambda count: self._on_sent(run, count),
                )
            self._checkpoint(run)
            if hasher is not None:
                md5 = hasher.hexdigest()
                self._remember_md5(item, md5)
            item = self._set(item.id, state=ItemState.UPLOADED, sent=item.size, md5=md5)
            self._emit_progress(run, force=True)
            confirmed = completed_md5(reply, item.size)
            if confirmed is not None and md5 is not None and self._unchanged(item):
                # the server's reply to the upload says size and MD5: no more round trips
                if confirmed == md5:
                    self._verified(item, md5, confirmed)
                else:
                    self._mismatch(
                        item,
                        TransferError(
                            FailureReason.MD5_MISMATCH, {"local": md5, "remote": confirmed}
                        ),
                    )
                return
        await self._verify(run, item, connection, md5)

    async def _probe_remote(
        self, item: QueueItem, connection: FtpConnection, remote: PurePosixPath
    ) -> int | None:
        """The remote size, without a round trip per file where none is needed.

        A file never sent before is looked up in its folder's listing, taken
        once per folder and queue: when it is not there, there is nothing to
        resume or to compare, so no SIZE (or range checksum) is asked.
        """
        if not item.started and not item.restart:
            folder = remote.parent
            async with self._listing_lock:  # workers starting together list a folder once
                if folder not in self._listings:
                    self._listings[folder] = await connection.list_names(folder)
            names = self._listings[folder]
            if names is not None and remote.name not in names:
                return None
        return await connection.remote_size(remote)

    @staticmethod
    def _unchanged(item: QueueItem) -> bool:
        try:
            return FileStamp.of(item.local_path) == FileStamp(item.size, item.mtime_ns)
        except OSError:
            return False

    async def _use_segments(self, item: QueueItem, connection: FtpConnection) -> bool:
        """Split this file over several connections? (Large, and the server can.)"""
        policy = self.segment_policy
        if policy.max_connections < 2 or item.size < policy.threshold:
            return False
        return await connection.has_feature(SEGMENTS_FEATURE)

    async def _attempt_segmented(
        self, run: Run, item: QueueItem, connection: FtpConnection, remote: PurePosixPath
    ) -> None:
        """Stripes over several connections; verified by the server's whole-file MD5."""

        def connections(count: int) -> None:
            run.connections = max(1, count)

        upload = SegmentedUpload(
            item=item,
            remote=remote,
            first=connection,
            settings=self.settings,
            throttle=self._throttle,
            store=self.store,
            policy=self.segment_policy,
            on_sent=lambda count: self._count_sent(run, count),
            should_stop=lambda: run.intent is not None,
            cancel=run.cancel,
            on_connections=connections,
        )
        stored = upload.prepare()
        run.sent = stored
        run.meter.reset()
        run.progressed = stored > item.sent
        item = self._set(item.id, sent=stored, started=True, restart=False)
        if stored:
            self.events.emit(Notice(item.id, "resumed", {"offset": stored}))
        local_md5, server_md5 = await upload.run()
        self._checkpoint(run)
        run.connections = 1
        self._remember_md5(item, local_md5)
        item = self._set(item.id, state=ItemState.UPLOADED, sent=item.size, md5=local_md5)
        self._emit_progress(run, force=True)
        if server_md5 is None:
            await self._verify(run, item, connection, local_md5)
            return
        if server_md5 != local_md5:
            self._mismatch(
                item,
                TransferError(
                    FailureReason.MD5_MISMATCH, {"local": local_md5, "remote": server_md5}
                ),
            )
            return
        self.store.forget_stripes(item.id)
        self._verified(item, local_md5, server_md5)

    def _check_local(self, item: QueueItem) -> QueueItem:
        """Stop on a missing file; restart (and re-hash) a file changed since queued."""
        try:
            stamp = FileStamp.of(item.local_path)
        except FileNotFoundError as exc:
            raise TransferError(
                FailureReason.LOCAL_FILE_MISSING, {"detail": str(item.local_path)}
            ) from exc
        except OSError as exc:
            raise TransferError(FailureReason.LOCAL_READ_ERROR, {"detail": str(exc)}) from exc
        if stamp == FileStamp(item.size, item.mtime_ns):
            return item
        self.events.emit(
            Notice(item.id, "file_changed_rehash", {"size": stamp.size, "old_size": item.size})
        )
        return self._set(
            item.id,
            state=ItemState.QUEUED,
            size=stamp.size,
            mtime_ns=stamp.mtime_ns,
            md5=None,
            remote_md5=None,
            restart=True,
            sent=0,
        )

    def _cached_md5(self, item: QueueItem) -> str | None:
        if self.hash_cache is None:
            return None
        return self.hash_cache.lookup(item.local_path, item.size, item.mtime_ns)

    def _remember_md5(self, item: QueueItem, md5: str) -> None:
        if self.hash_cache is not None:
            self.hash_cache.store(item.local_path, item.size, item.mtime_ns, md5)

    async def _resume_point(
        self,
        run: Run,
        item: QueueItem,
        connection: FtpConnection,
        remote_size: int | None,
        md5: str | None,
    ) -> tuple[int, IncrementalHasher | None]:
        """Where to continue, and the hasher to feed (None when the MD5 is known)."""
        fresh = None if md5 else IncrementalHasher()
        if not remote_size or item.restart:
            return 0, fresh
        if remote_size > item.size:
            self.events.emit(Notice(item.id, "restarted", {"why": "remote_larger"}))
            return 0, fresh
        remote = connection.remote(item.remote_path)
        server_part = await connection.range_md5(remote, 0, remote_size)
        if server_part is None and not item.started:
            # not known to be ours and not checkable: overwrite it
            return 0, fresh
        # The local prefix is read when the hasher must continue from it, or to
        # compare it with the server's digest of the same bytes.
        loop = asyncio.get_running_loop()
        hasher: IncrementalHasher | None = None
        local_part: str | None = None
        if md5 is None:
            hasher = IncrementalHasher()
            await loop.run_in_executor(
                None, lambda: hasher.catch_up(item.local_path, remote_size, cancel=run.cancel)
            )
            local_part = hasher.peek()
        elif server_part is not None:
            local_part = md5
            if remote_size != item.size:
                local_part = await loop.run_in_executor(
                    None, lambda: md5_range(item.local_path, 0, remote_size, cancel=run.cancel)
                )
        if server_part is not None and server_part != local_part:
            self.events.emit(Notice(item.id, "restarted", {"why": "remote_part_differs"}))
            return 0, fresh
        return remote_size, hasher

    async def _verify(
        self, run: Run, item: QueueItem, connection: FtpConnection, md5: str | None
    ) -> None:
        remote = connection.remote(item.remote_path)
        remote_size = await connection.remote_size(remote)
        if remote_size is None or remote_size < item.size:
            # FTP cannot tell a cut transfer from a finished one: resume the rest
            self._set(item.id, state=ItemState.UPLOADING)
            raise TransferError(
                FailureReason.CONNECTION_LOST,
                {"detail": f"the server has {remote_size or 0} of {item.size} bytes"},
            )
        if FileStamp.of(item.local_path) != FileStamp(item.size, item.mtime_ns):
            self._mismatch(item, TransferError(FailureReason.FILE_CHANGED))
            return
        if remote_size > item.size:
            self._mismatch(
                item,
                TransferError(
                    FailureReason.SIZE_MISMATCH, {"remote": remote_size, "local": item.size}
                ),
            )
            return
        server_md5 = await connection.range_md5(remote, 0, item.size)
        if md5 is None:  # hasher lost in a crash between upload and verification
            loop = asyncio.get_running_loop()
            md5 = await loop.run_in_executor(
                None, lambda: md5_file(item.local_path, cancel=run.cancel)
            )
            self._remember_md5(item, md5)
        if server_md5 is not None and server_md5 != md5:
            self._mismatch(
                item,
                TransferError(FailureReason.MD5_MISMATCH, {"local": md5, "remote": server_md5}),
            )
            return
        self._verified(item, md5, server_md5)

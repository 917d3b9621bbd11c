"""Segmented uploads: disjoint byte ranges of one file over several connections.

One TCP stream over a long, lossy link is capped far below the link (DESIGN
§7), so the client sends stripes of a large file over several connections at
once. The extension is advertised in ``FEAT`` as ``SEGM``; on a connection:

    SEGM <start> <end> <total>   350: the next STOR writes bytes [start, end)
    STOR <path>                  of a <total>-byte file, then 226

Rules (one :class:`Assembly` per file being assembled):

* segments of one file never overlap a segment already stored or being sent
  (553), nor reach past ``total`` (501); a STOR that brings more bytes than
  its segment is cut and refused (552);
* a segment counts once its STOR ended with every byte; the bytes of a cut
  segment are not counted, so the client sends that stripe again (at most
  once per cut);
* the MD5 is computed as the contiguous part from byte 0 grows (a
  :class:`TrailingHasher` behind the lowest gap), so it is ready right after
  the last byte for a file sent in round-robin stripes as for one sent whole;
* the file is listed ``uploading`` until every byte is in; the stored
  segments are journalled beside the server's data (``incoming/segments``),
  so after a restart the client sends only the missing stripes and a
  half-assembled file is never taken for a complete one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from omix_wire.positional_io import open_fd, pwrite
from server_stub.ftp.blocks import BlockPool
from server_stub.ftp.hashing_io import DiskFullError, TrailingHasher, is_disk_full

FEATURE = "SEGM"
MAX_SEGMENTS_PER_ACCOUNT = 32
"""Segments one account may send at once: one user cannot take every slot."""


class SegmentError(Exception):
    """A segment the server refuses; ``code`` is the FTP reply code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    total: int

    @classmethod
    def parse(cls, text: str) -> Segment:
        parts = text.split()
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            raise SegmentError("501", "SEGM needs three numbers: start end total.")
        start, end, total = (int(part) for part in parts)
        if not 0 <= start < end <= total:
            raise SegmentError(
                "501",
                f"SEGM {start} {end} {total}: need 0 <= start < end <= total (end is exclusive).",
            )
        return cls(start, end, total)

    def overlaps(self, other: Segment) -> bool:
        return self.start < other.end and other.start < self.end


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class Assembly:
    """A file being assembled from segments: what is stored, sent and hashed."""

    path: str
    real: Path
    journal: Path
    total: int
    stored: list[tuple[int, int]] = field(default_factory=list)
    active: dict[int, tuple[Segment, int]] = field(default_factory=dict)
    """Segments being received, by writer id: (segment, bytes written so far)."""
    hasher: TrailingHasher | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def complete(self) -> bool:
        return _merge(self.stored) == [(0, self.total)]

    @property
    def stored_bytes(self) -> int:
        return sum(end - start for start, end in _merge(self.stored))

    def contiguous(self) -> int:
        """End of the part from byte 0 that is on disk without a gap."""
        with self.lock:
            ranges = list(self.stored)
            ranges += [(s.start, s.start + written) for s, written in self.active.values()]
        frontier = 0
        for start, end in _merge(ranges):
            if start > frontier:
                break
            frontier = max(frontier, end)
        return frontier

    def claim(self, writer: int, segment: Segment) -> None:
        if segment.total != self.total:
            raise SegmentError(
                "553",
                f"This file is being assembled as {self.total} bytes, not {segment.total}; "
                "finish that upload or delete the file first.",
            )
        with self.lock:
            for start, end in self.stored:
                if segment.start < end and start < segment.end:
                    raise SegmentError(
                        "553",
                        f"Bytes [{segment.start}, {segment.end}) overlap [{start}, {end}), "
                        "already stored: send only the missing stripes.",
                    )
            for other, _written in self.active.values():
                if segment.overlaps(other):
                    raise SegmentError(
                        "553",
                        f"Bytes [{segment.start}, {segment.end}) overlap "
                        f"[{other.start}, {other.end}), being sent on another connection.",
                    )
            self.active[writer] = (segment, 0)

    def progress(self, writer: int, written: int) -> None:
        with self.lock:
            segment, _ = self.active[writer]
            self.active[writer] = (segment, written)

    def release(self, writer: int, stored: bool) -> bool:
        """The writer's STOR ended: its segment counts only if every byte came.

        Returns True for the one call that completed the file.
        """
        with self.lock:
            segment, _ = self.active.pop(writer)
            was_complete = self.complete
            if stored:
                self.stored = _merge([*self.stored, (segment.start, segment.end)])
            completed = not was_complete and self.complete
            self._save_journal_locked()
        return completed

    @property
    def sending(self) -> bool:
        with self.lock:
            return bool(self.active)

    def save_journal(self) -> None:
        with self.lock:
            self._save_journal_locked()

    def _save_journal_locked(self) -> None:
        """Written whole then renamed: a crash leaves the old journal or the new one.

        A complete file needs none (every byte is in; a restart re-hashes it).
        """
        if self.complete:
            self.journal.unlink(missing_ok=True)
            return
        text = json.dumps({"path": self.path, "total": self.total, "stored": self.stored})
        temporary = self.journal.with_suffix(".tmp")
        temporary.write_text(text)
        os.replace(temporary, self.journal)


class SegmentWriter:
    """Writes one segment's bytes at their offsets (``DataChannel.receive`` calls it)."""

    def __init__(self, assembly: Assembly, writer: int, segment: Segment, fd: int) -> None:
        self.assembly = assembly
        self.writer = writer
        self.segment = segment
        self._fd = fd
        self.written = 0

    def write_block(self, block: memoryview | bytes) -> None:
        room = self.segment.end - self.segment.start - self.written
        view = memoryview(block)
        if len(view) > room:
            view = view[:room]
            self._write(view)
            raise SegmentError(
                "552",
                f"More bytes than the segment [{self.segment.start}, {self.segment.end}) "
                "holds; it was not stored.",
            )
        self._write(view)

    def _write(self, view: memoryview) -> None:
        position = self.segment.start + self.written
        done = 0
        try:
            while done < len(view):
                done += pwrite(self._fd, view[done:], position + done)  # Windows too
        except OSError as error:
            if is_disk_full(error):
                raise DiskFullError(self.segment.start + self.written) from error
            raise
        self.written += done
        self.assembly.progress(self.writer, self.written)
        hasher = self.assembly.hasher
        if hasher is not None:
            hasher.advance(self.assembly.contiguous())

    @property
    def complete(self) -> bool:
        return self.written == self.segment.end - self.segment.start


def journal_path(root: Path, user_id: int, path: str) -> Path:
    """Where the stored segments of an unfinished segmented upload are journalled."""
    digest = hashlib.sha256(path.encode()).hexdigest()[:32]
    return root / str(user_id) / f"{digest}.json"


class Assemblies:
    """Every file being assembled in this server, and the per-account limits."""

    def __init__(self, journal_root: Path, blocks: BlockPool) -> None:
        self._root = journal_root
        self.blocks = blocks
        self._files: dict[tuple[int, str], Assembly] = {}
        self._per_account: dict[int, int] = {}
        self._lock = threading.Lock()

    def _journal(self, user_id: int, path: str) -> Path:
        return journal_path(self._root, user_id, path)

    def is_assembling(self, user_id: int, path: str) -> bool:
        with self._lock:
            if (user_id, path) in self._files:
                return True
        return self._journal(user_id, path).exists()

    def open(
        self, user_id: int, path: str, real: Path, segment: Segment, loop: asyncio.AbstractEventLoop
    ) -> tuple[Assembly, int]:
        """The file's assembly (loaded from its journal, or new) and a write descriptor.

        Blocking (file system): call it in a thread.
        """
        key = (user_id, path)
        with self._lock:
            if self._per_account.get(user_id, 0) >= MAX_SEGMENTS_PER_ACCOUNT:
                raise SegmentError(
                    "450",
                    f"Too many segments at once for this account (at most "
                    f"{MAX_SEGMENTS_PER_ACCOUNT}); use fewer connections.",
                )
            assembly = self._files.get(key)
            if assembly is None:
                assembly = self._load_or_start(user_id, path, real, segment.total, loop)
                self._files[key] = assembly
            self._per_account[user_id] = self._per_account.get(user_id, 0) + 1
        try:
            fd = open_fd(real, os.O_WRONLY)
        except OSError:
            self.done_with(user_id)
            raise
        return assembly, fd

    def _load_or_start(
        self, user_id: int, path: str, real: Path, total: int, loop: asyncio.AbstractEventLoop
    ) -> Assembly:
        journal = self._journal(user_id, path)
        stored: list[tuple[int, int]] = []
        try:
            saved = json.loads(journal.read_text())
            if saved.get("total") == total and real.stat().st_size == total:
                stored = [(int(a), int(b)) for a, b in saved.get("stored", [])]
        except (OSError, ValueError, TypeError):
            stored = []
        if not stored:  # a new upload of this path: start from an empty file of its size
            journal.parent.mkdir(parents=True, exist_ok=True)
            with open(real, "wb") as handle:
                handle.truncate(total)
        assembly = Assembly(
            path=path, real=real, journal=journal, total=total, stored=_merge(stored)
        )
        assembly.save_journal()
        assembly.hasher = TrailingHasher(real, hashlib.md5(), 0, loop, self.blocks)
        assembly.hasher.start()
        assembly.hasher.advance(assembly.contiguous())
        return assembly

    def done_with(self, user_id: int) -> None:
        with self._lock:
            left = self._per_account.get(user_id, 1) - 1
            if left > 0:
                self._per_account[user_id] = left
            else:
                self._per_account.pop(user_id, None)

    def finished(self, user_id: int, path: str) -> None:
        """Every byte is in and hashed: forget the assembly and its journal."""
        with self._lock:
            self._files.pop((user_id, path), None)
        self._journal(user_id, path).unlink(missing_ok=True)

    def forget(self, user_id: int, path: str) -> None:
        """The file was deleted or renamed: an unfinished assembly of it is void."""
        with self._lock:
            assembly = self._files.pop((user_id, path), None)
        if assembly is not None and assembly.hasher is not None:
            assembly.hasher.abandon()
        self._journal(user_id, path).unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            files, self._files = list(self._files.values()), {}
        for assembly in files:
            if assembly.hasher is not None:
                assembly.hasher.abandon()

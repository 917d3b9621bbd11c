"""What the FTP layer asks of the rest of the server, as interfaces the runner fills in.

The protocol layer imports nothing above it: ``runner.py`` builds the objects
behind these interfaces and passes them to the servers.

* :class:`UploadRecords` keeps the rows of what each user's home folder holds
  (:class:`server_stub.preupload.records.PreuploadRecords`), and its
  :meth:`~UploadRecords.settle` is where "an upload completed" is told to the
  archive;
* :data:`DownloadCounted` is called with a data file's id when the public
  server starts sending it from its first byte;
* :class:`ReadOnlyTree` is what the public server serves when the released
  tree is not a local folder (an object store): the runner passes
  :class:`server_stub.release.public_tree.StorePublicTree`.

Blocking methods are called through ``asyncio.to_thread``; the ``*_upload``
claim methods and :meth:`~UploadRecords.is_uploading` are quick and called on
the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from server_stub.models import Interruption

DownloadCounted = Callable[[str], None]
"""``count(file_id)``: one more download of a released data file."""


class UploadRecords(Protocol):
    """The pre-upload records the FTP server keeps in step with what it receives.

    The bodies are what a server that records nothing does (:class:`NoRecords`,
    the read-only public server); the runner passes
    :class:`server_stub.preupload.records.PreuploadRecords` to the other.
    """

    def claim_upload(self, user_id: int, path: str) -> bool:
        """Mark ``path`` as being written; False if another upload already writes it."""
        return False

    def release_upload(self, user_id: int, path: str) -> None:
        return None

    def is_uploading(self, user_id: int, path: str) -> bool:
        """True while an upload to this path (or under this folder) runs in this process."""
        return False

    def begin_upload(self, user_id: int, path: str, offset: int) -> None:
        return None

    def end_upload(
        self,
        user_id: int,
        path: str,
        size: int,
        md5: str | None,
        interruption: Interruption | None = None,
    ) -> None:
        """Record the outcome; ``md5=None`` leaves the row ``uploading`` for reconciliation."""
        return None

    def forget(self, user_id: int, path: str) -> None:
        return None

    def rename(self, user_id: int, old: str, new: str) -> list[tuple[str, str]]:
        """Follow a rename of a file or folder; returns (old, new) paths of moved rows."""
        return []

    def known_md5(self, user_id: int, path: str, size: int) -> str | None:
        """The recorded MD5 if it describes the file's current ``size`` bytes."""
        return None

    def settle(self, user_id: int, path: str) -> None:
        """The file at ``path`` changed for good (complete, deleted, renamed): tell the archive."""
        return None

    def interrupted_users(self) -> Sequence[int]:
        """Users with rows left ``uploading`` by an interrupted run."""
        return []

    def scan_home(self, user_id: int) -> object:
        """Bring one user's rows in line with the files in their home folder."""
        return None


class NoRecords(UploadRecords):
    """For the read-only public server: nothing is uploaded, nothing is recorded."""


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """A file or folder of a :class:`ReadOnlyTree`."""

    name: str
    size: int
    modified: float
    """Seconds since the epoch."""
    folder: bool


class ByteSource(Protocol):
    """A file's bytes from an offset; ``read`` returns ``b""`` at the end."""

    def read(self, size: int) -> bytes: ...

    def close(self) -> None: ...


class ReadOnlyTree(Protocol):
    """Folders and files by virtual path (``/OMIX/OMIX000001/OMIX000001-01.fq.gz``).

    Blocking: called through the server's I/O threads. Names starting with a
    dot are never asked for (the server hides them before).
    """

    def stat(self, virtual: str) -> TreeEntry | None:
        """The entry, or ``None`` when there is nothing (visible) at that path."""
        ...

    def list(self, virtual: str) -> list[TreeEntry]:
        """A folder's entries by name (empty for an absent folder)."""
        ...

    def open(self, virtual: str, offset: int) -> ByteSource:
        """A file's bytes from ``offset``; ``FileNotFoundError`` when absent."""
        ...

"""Transfer engine: hashing, pre-flight, and the resumable FTP upload queue.

Plain asyncio and threads, no Qt: the desktop UI and the ``omix-upload`` CLI
are both thin views over it. Typical use::

    planned = plan_uploads([Path("run1")])                 # selection
    report = preflight.check(planned)                      # before anything is sent
    queue = UploadQueue(QueueStore(data_dir), FtpSettings(host, port, user, password),
                        hash_cache=HashCache(data_dir))
    queue.events.subscribe(view.on_event)                  # or: async with queue.events.stream()
    async with queue:
        queue.add(p for p in planned if p.local not in report.blocked_files())
        await queue.wait_settled()

Modules: :mod:`.hashing`, :mod:`.hash_cache`, :mod:`.manifest`,
:mod:`.selection`, :mod:`.preflight`, :mod:`.queue_store`, :mod:`.events`,
:mod:`.reasons`, :mod:`.file_reader`, :mod:`.ftp_uploader`, :mod:`.queue`.
"""

from omix_desktop.transfer.events import (
    Event,
    EventBus,
    ItemAdded,
    ItemProgress,
    ItemRemoved,
    Notice,
    QueueProgress,
    RateMeter,
    StateChanged,
)
from omix_desktop.transfer.ftp_uploader import FtpConnection, FtpSettings, probe_tls
from omix_desktop.transfer.hash_cache import FileStamp, HashCache, is_unchanged
from omix_desktop.transfer.hashing import (
    HashCancelled,
    HashProgress,
    IncrementalHasher,
    hash_files,
    md5_file,
    md5_range,
)
from omix_desktop.transfer.manifest import (
    ManifestEntry,
    ManifestError,
    format_manifest,
    parse_manifest,
    read_manifest,
    read_sidecar,
    write_manifest,
)
from omix_desktop.transfer.preflight import (
    IssueCode,
    PreflightIssue,
    PreflightReport,
    Severity,
)
from omix_desktop.transfer.preflight import check as preflight_check
from omix_desktop.transfer.queue import RetryPolicy, UploadQueue
from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore, queue_folder
from omix_desktop.transfer.reasons import (
    FailureReason,
    SuggestedAction,
    TransferError,
    describe,
)
from omix_desktop.transfer.selection import PlannedFile, plan_uploads

__all__ = [
    "Event",
    "EventBus",
    "FailureReason",
    "FileStamp",
    "FtpConnection",
    "FtpSettings",
    "HashCache",
    "HashCancelled",
    "HashProgress",
    "IncrementalHasher",
    "IssueCode",
    "ItemAdded",
    "ItemProgress",
    "ItemRemoved",
    "ItemState",
    "ManifestEntry",
    "ManifestError",
    "Notice",
    "PlannedFile",
    "PreflightIssue",
    "PreflightReport",
    "QueueItem",
    "QueueProgress",
    "QueueStore",
    "RateMeter",
    "RetryPolicy",
    "Severity",
    "StateChanged",
    "SuggestedAction",
    "TransferError",
    "UploadQueue",
    "describe",
    "format_manifest",
    "hash_files",
    "is_unchanged",
    "md5_file",
    "md5_range",
    "parse_manifest",
    "plan_uploads",
    "preflight_check",
    "probe_tls",
    "queue_folder",
    "read_manifest",
    "read_sidecar",
    "write_manifest",
]

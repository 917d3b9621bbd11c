"""Size limits stated by the archive's user guide.

The guide asks for warnings, not refusals, above the per-file and per-archive
limits; only the online (HTTP) upload has a hard cap.
"""

from __future__ import annotations

MB = 1000 * 1000
GB = 1000 * MB

ONLINE_UPLOAD_LIMIT = 100 * MB
"""HTTP upload is for submissions under 100 MB in total; larger goes over FTP."""

FILE_WARNING_SIZE = 20 * GB
ARCHIVE_WARNING_SIZE = 10 * GB
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".7z", ".rar")


def is_archive(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(ARCHIVE_SUFFIXES)

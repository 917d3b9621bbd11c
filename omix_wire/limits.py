"""Size and date limits of the archive, shared by the desktop and the server.

The guide asks for warnings, not refusals, above the per-file and per-archive
limits; only the online (HTTP) upload has a hard cap.
"""

from __future__ import annotations

from datetime import date

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


RELEASE_HORIZON_YEARS = 5
"""A release date is at most this many years ahead of the day it is set.

The guide lets the submitter choose the release date and states no upper
bound; without one a typing slip (9999-12-31) is accepted and the data is
held back for ever. Five years covers the longest publication cycle; a later
release is set again before it comes. The desktop's date pickers use the
same bound.
"""


def latest_release_date(today: date) -> date:
    """The last release date allowed on ``today`` (29 February moves to the 28th)."""
    year = today.year + RELEASE_HORIZON_YEARS
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)

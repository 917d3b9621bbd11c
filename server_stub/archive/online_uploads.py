"""Online (HTTP) uploads waiting in ``incoming/`` to be selected into a dataset.

The guide allows the online route only for submissions under 100 MB in total:
what a user has uploaded and not yet used in a dataset counts against
:data:`omix_wire.limits.ONLINE_UPLOAD_LIMIT`. Uploads left unused for a day
are removed.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omix_wire.limits import ONLINE_UPLOAD_LIMIT
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.models import OnlineUpload, utcnow

log = logging.getLogger(__name__)

UPLOAD_LIFETIME = timedelta(days=1)
PART_SUFFIX = ".part"
_CLEAN_EVERY = 3600.0
_last_clean = 0.0


def pending_bytes(session: Session, user_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(OnlineUpload.size), 0)).where(OnlineUpload.user_id == user_id)
    )
    return int(total or 0)


def limit_exceeded(used: int, incoming: int) -> ApiError:
    return ApiError(
        413,
        "online_limit_exceeded",
        "Online (HTTP) upload is for submissions under 100 MB in total "
        f"({used} bytes already uploaded and not yet used, {incoming} more bytes). "
        "Upload larger data through the FTP pre-upload service.",
        "file",
        limit=ONLINE_UPLOAD_LIMIT,
        used=used,
        size=incoming,
    )


def find_upload(session: Session, user_id: int, token: str) -> OnlineUpload | None:
    """The user's own upload with this token; another user's is never found."""
    return session.scalar(
        select(OnlineUpload).where(OnlineUpload.token == token, OnlineUpload.user_id == user_id)
    )


def upload_path(settings: Settings, token: str) -> Path:
    return settings.incoming_root / token


def clean_stale(
    database: Database, settings: Settings, max_age: timedelta = UPLOAD_LIFETIME
) -> int:
    """Remove uploads unused for ``max_age`` and orphan files in ``incoming/``."""
    cutoff = utcnow() - max_age
    removed = 0
    with database.session() as session:
        stale = list(session.scalars(select(OnlineUpload).where(OnlineUpload.created_at < cutoff)))
        for upload in stale:
            upload_path(settings, upload.token).unlink(missing_ok=True)
            session.delete(upload)
            removed += 1
        known = set(session.scalars(select(OnlineUpload.token)))
    oldest = time.time() - max_age.total_seconds()
    if settings.incoming_root.is_dir():
        for path in settings.incoming_root.iterdir():
            token = path.name.removesuffix(PART_SUFFIX)
            try:
                if token not in known and path.is_file() and path.stat().st_mtime < oldest:
                    path.unlink()
                    removed += 1
            except OSError:
                log.warning("could not remove stale upload %s", path)
    return removed


def clean_stale_now_and_then(database: Database, settings: Settings) -> None:
    """At most once an hour per process."""
    global _last_clean
    now = time.monotonic()
    if _last_clean and now - _last_clean < _CLEAN_EVERY:
        return
    _last_clean = now
    try:
        clean_stale(database, settings)
    except Exception:
        log.exception("cleaning stale online uploads failed")

"""One release at a time per dataset across every server process of a site.

Each ``omix-server`` process runs the release scheduler. On PostgreSQL
several processes share one database, so two of them may find the same
dataset due at the same moment; :func:`claim` makes sure only one of them
publishes it. It takes a PostgreSQL *session-level advisory lock* keyed by
the dataset id on a connection of its own, with ``pg_try_advisory_lock``:
whoever gets it releases the dataset, the others skip it at once (no
waiting, like ``SKIP LOCKED``) and the holder's final transaction re-checks
that the dataset is still due, so a dataset released a moment ago by
another process is not released again.

An advisory lock rather than ``SELECT … FOR UPDATE`` on the dataset row:
the release spans three transactions with file work in between (journal,
publish, status), and the last one updates the very row a ``FOR UPDATE``
would hold from another connection. The advisory lock is independent of
those transactions, and PostgreSQL drops it when the holding connection
ends, so a process killed mid-release (``kill -9``) never leaves a dataset
locked: the next pass of any process finishes it.

On SQLite only one server process may use a data folder
(:mod:`server_stub.data_folder_lock`), so the process-wide lock in
:mod:`.releasing` is enough and :func:`claim` always succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from server_stub.db import Database

log = logging.getLogger(__name__)

LOCK_CLASS = 0x4F4D
"""First key of the two-key advisory lock ("OM"): the lock space of releases."""


@contextmanager
def claim(database: Database, dataset_id: int) -> Iterator[bool]:
    """Yield ``True`` if this process may release ``dataset_id`` now, else ``False``.

    Held until the ``with`` block ends. Never blocks: a dataset another
    process is releasing yields ``False``.
    """
    if database.engine.dialect.name != "postgresql":
        yield True
        return
    with database.engine.connect() as connection:
        got = bool(
            connection.scalar(
                text("SELECT pg_try_advisory_lock(:space, :key)"),
                {"space": LOCK_CLASS, "key": int(dataset_id)},
            )
        )
        connection.commit()  # the lock is the session's, not the transaction's
        try:
            yield got
        finally:
            if got:
                try:
                    connection.scalar(
                        text("SELECT pg_advisory_unlock(:space, :key)"),
                        {"space": LOCK_CLASS, "key": int(dataset_id)},
                    )
                    connection.commit()
                except Exception:
                    # never hand a connection that may still hold the lock back to
                    # the pool: closing it for good makes PostgreSQL drop the lock
                    log.exception("could not unlock the release of dataset %s", dataset_id)
                    connection.invalidate()

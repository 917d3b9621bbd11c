"""A site on loopback: two real ``omix-server`` nodes on one PostgreSQL.

Both nodes share one pre-upload folder (``--preupload-dir``), one clock file
(so a test moves "today" for both schedulers at once) and one archive
store. The store is the local folder store on a shared data folder; when
the S3 store exists (``server_stub/storage`` and ``tests/support/seaweed.py``)
each node gets a data folder of its own and the store is a real SeaweedFS
bucket. These tests need PostgreSQL (``make test-site``, or
``bash scripts/with-postgres.sh .venv/bin/python -m pytest tests/site``);
without it they are skipped, except the SQLite ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.site.nodes import Site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = os.environ.get("OMIX_TEST_DATABASE_URL")
    if not base:
        pytest.skip(
            "a site needs PostgreSQL: run `make test-site` "
            "(or scripts/with-postgres.sh .venv/bin/python -m pytest tests/site)"
        )
    from tests.support.postgres import fresh_database

    root: Path = tmp_path_factory.mktemp("site")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(base))
        site = Site.build(root, url, stack)
        stack.callback(site.stop)
        site.start()
        yield site

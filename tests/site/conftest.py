"""A site on loopback: two real ``omix-server`` nodes on one PostgreSQL.

Both nodes share one pre-upload folder (``--preupload-dir``), one clock file
(so a test moves "today" for both schedulers at once) and one store, a real
SeaweedFS bucket (``--store s3://…``); each node has a data folder of its
own. ``OMIX_SITE_STORE=local`` runs the same tests on the local folder
store, one data folder for both nodes. These tests need PostgreSQL (``make test-site``, or
``bash scripts/with-postgres.sh .venv/bin/python -m pytest tests/site``);
without it they are skipped, except the SQLite ones. One site serves the
whole session (starting SeaweedFS and two nodes costs ~15 s); tests use
fresh accounts, and those that stop or kill nodes start them again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.site.nodes import Site


@pytest.fixture(scope="session")
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
        s3 = None
        if os.environ.get("OMIX_SITE_STORE", "s3") != "local":
            from tests.support.seaweed import seaweed_s3

            s3 = stack.enter_context(seaweed_s3(root))
        site = Site.build(root, url, s3)
        stack.callback(site.stop)
        site.start()
        yield site

"""The parts of a test site and what tests do with them.

:class:`Site` holds two :class:`~tests.support.server.ServerProcess` nodes
on one PostgreSQL database, a shared pre-upload folder, a shared clock
file and one store: a SeaweedFS bucket (each node then has a data folder of
its own, so nothing but the pre-upload folder is shared on disk), or, with
``s3=None``, the local folder store on one data folder for both nodes.
:func:`on` points a signed-in user at another node (same token), so a test
can sign in on one node and go on through the other.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.storage import Store, open_store
from tests.support.accounts import ApiUser
from tests.support.release import set_clock
from tests.support.seaweed import SeaweedS3
from tests.support.server import ServerProcess

RELEASE_INTERVAL = 0.3
"""Seconds between scheduler passes on every node: both look for due datasets often."""

RELEASED_LINE = re.compile(r"released (OMIX\d+) \(")
"""The line a node logs for each release it did (``releasing.release_dataset``)."""


@dataclass
class Site:
    root: Path
    database_url: str
    nodes: list[ServerProcess] = field(default_factory=list)
    shared: Path = field(init=False)
    """The pre-upload folder every node mounts."""
    clock: Path = field(init=False)
    s3: SeaweedS3 | None = None

    def __post_init__(self) -> None:
        self.shared = self.root / "shared-preupload"
        self.clock = self.root / "clock"

    @classmethod
    def build(cls, root: Path, database_url: str, s3: SeaweedS3 | None, count: int = 2) -> Site:
        site = cls(root, database_url, s3=s3)
        site.shared.mkdir(parents=True, exist_ok=True)
        set_clock(site.clock, 0)
        store_args: list[str] = []
        if s3 is not None:
            secret = root / "s3-secret"
            secret.write_text(s3.secret_key)
            store_args = [
                *("--store", s3.store_url("site"), "--s3-endpoint", s3.endpoint),
                *("--s3-access-key", s3.access_key, "--s3-secret-key-file", str(secret)),
            ]
        for index in range(count):
            # with the object store every node has a data folder of its own; with the
            # local store one data folder holds the archive and public trees for all.
            # A node's log is named by its port (server-PORT.log beside the data
            # folder, appended to across restarts), so logs stay apart either way.
            data_dir = root / (f"node{index + 1}" if s3 is not None else "data") / "data"
            node = ServerProcess(data_dir=data_dir, database_url=database_url)
            node.extra_args += [
                "--preupload-dir",
                str(site.shared),
                "--clock-file",
                str(site.clock),
                "--release-interval",
                str(RELEASE_INTERVAL),
                *store_args,
            ]
            site.nodes.append(node)
        return site

    @property
    def settings(self) -> Settings:
        extra = {}
        if self.s3 is not None:
            extra = dict(
                store_url=self.s3.store_url("site"),
                s3_endpoint=self.s3.endpoint,
                s3_access_key=self.s3.access_key,
                s3_secret_key_file=self.root / "s3-secret",
            )
        return Settings(
            data_dir=self.nodes[0].data_dir,
            database_url=self.database_url,
            preupload_dir=self.shared,
            **extra,
        )

    def store(self) -> Store:
        """The site's store as the test sees it (the bucket, or the shared folders)."""
        return open_store(self.settings)

    def public_names(self, accession: str) -> list[str]:
        """What the store holds under the dataset's public folder, by name."""
        return [info.name for info in self.store().list(f"public/OMIX/{accession}")]

    def start(self) -> None:
        """Start every node not running, at the same time (as a site reboots)."""
        errors: list[BaseException] = []

        def run(node: ServerProcess) -> None:
            try:
                node.start()
            except BaseException as error:  # reported below, in this thread
                errors.append(error)

        threads = [
            threading.Thread(target=run, args=(node,))
            for node in self.nodes
            if node.process is None
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if errors:
            raise errors[0]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def released_lines(self) -> list[str]:
        """Every ``released OMIX…`` line of every node's log, one accession each."""
        found: list[str] = []
        for node in self.nodes:
            if node.log_path is not None and node.log_path.exists():
                text = node.log_path.read_text(errors="replace")
                found += RELEASED_LINE.findall(text)
        return found

    @contextmanager
    def database(self) -> Iterator[Database]:
        database = Database(self.settings.sqlalchemy_url)
        try:
            yield database
        finally:
            database.dispose()


def on(user: ApiUser, node: ServerProcess) -> ApiUser:
    """The same signed-in user (same token and HTTP session) talking to ``node``."""
    return replace(user, api=node.api)

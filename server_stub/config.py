"""Server settings, resolved once from the command line.

A single immutable object is passed to every component (HTTP app, FTP
server, CLI) instead of module globals, so tests can run several servers
side by side with different folders and ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("omix-server", "OMIX"))


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    http_port: int = 8000
    ftp_port: int = 2121
    ftp_passive_ports: tuple[int, int] = (30000, 30100)
    database_url: str | None = None
    ftp_tls_cert: Path | None = None
    ftp_tls_key: Path | None = None
    token_lifetime: timedelta = timedelta(days=14)
    ftp_block_size: int = 1024 * 1024
    checksum_concurrency: int = 2
    """How many range-checksum (XMD5/HASH) commands may hash at once."""
    public_ftp_port: int = 2122
    """Anonymous read-only FTP over the released open-access tree."""
    public_base_url: str | None = None
    """How the outside world reaches the HTTP side (links in pages, JSON-LD)."""
    release_interval: float = 30.0
    """Seconds between two passes of the release scheduler (it also wakes on demand)."""
    preupload_dir: Path | None = None
    """Where uploads wait before they are archived (FTP homes, online uploads, segment
    journals); ``data_dir`` when not given. A site's nodes all mount the same folder."""
    clock_file: Path | None = None
    """Testing: a file holding today's date (``2030-01-31``) or a day offset (``+3``)
    that the release scheduler uses instead of the system date; read at every pass."""
    store_url: str | None = None
    """``s3://bucket/prefix``: archive and public trees in an object store (default: folders)."""
    s3_endpoint: str | None = None
    """The object store's address (else ``AWS_ENDPOINT_URL``, else AWS itself)."""
    s3_region: str | None = None
    s3_access_key: str | None = None
    """Else ``AWS_ACCESS_KEY_ID`` and the rest of boto3's usual credential chain."""
    s3_secret_key_file: Path | None = None
    """A file holding the secret key (else ``AWS_SECRET_ACCESS_KEY``): never on the command line."""
    store: Any = field(default=None, compare=False, repr=False)
    """The opened store (``server_stub.storage.with_store``); ``None`` until the runner opens it."""

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.data_dir / 'omix.db'}"

    @property
    def upload_area(self) -> Path:
        """The folder holding ``preupload/``, ``incoming/`` and ``segments/``."""
        return self.preupload_dir or self.data_dir

    @property
    def preupload_root(self) -> Path:
        """One home folder per user, named by user id, served over FTP."""
        return self.upload_area / "preupload"

    @property
    def archive_root(self) -> Path:
        """Verified dataset files, named by file id."""
        return self.data_dir / "archive"

    @property
    def incoming_root(self) -> Path:
        """Online (HTTP) uploads in progress, before they join a dataset."""
        return self.upload_area / "incoming"

    @property
    def segments_root(self) -> Path:
        """Journals of segmented FTP uploads not yet assembled (``ftp/segments.py``)."""
        return self.upload_area / "segments"

    @property
    def public_root(self) -> Path:
        """Released open-access files, ``OMIX/<accession>/<file id><suffix>``.

        Served read-only by the anonymous FTP endpoint and over HTTPS.
        """
        return self.data_dir / "public"

    def ensure_folders(self) -> None:
        folders = (
            self.data_dir,
            self.preupload_root,
            self.archive_root,
            self.incoming_root,
            self.segments_root,
            self.public_root,
        )
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)

"""Where verified and released files are kept: the local folder or an S3 object store.

:class:`~.base.Store` is the one interface (put a verified file, read a range,
stat, exists, list, copy, delete); :class:`~.local.LocalStore` keeps today's
folders under the data folder (the default), :class:`~.s3.S3Store` an
S3-compatible bucket (``--store s3://bucket/prefix``). The runner opens the
store once (:func:`open_store`) and carries it on the settings every component
already receives; :func:`store_of` is how they reach it.
"""

from __future__ import annotations

import dataclasses

from server_stub.config import Settings
from server_stub.storage.base import (
    ARCHIVE,
    PUBLIC,
    ObjectInfo,
    RangeReader,
    Store,
    StoreError,
    check_key,
)
from server_stub.storage.local import LocalStore, md5_of_file

__all__ = [
    "ARCHIVE",
    "PUBLIC",
    "RangeReader",
    "LocalStore",
    "ObjectInfo",
    "Store",
    "StoreError",
    "check_key",
    "is_local",
    "md5_of_file",
    "open_store",
    "store_of",
    "with_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name (the local folders when no ``--store`` was given)."""
    if not settings.store_url:
        return LocalStore(settings.data_dir)
    try:
        from server_stub.storage.s3 import S3Store
    except ImportError as error:
        raise StoreError(
            f"--store {settings.store_url} needs boto3 ({error}): pip install 'omix-desktop[site]'"
        ) from None

    secret = None
    if settings.s3_secret_key_file is not None:
        secret = settings.s3_secret_key_file.read_text().strip()
    store = S3Store(
        settings.store_url,
        endpoint=settings.s3_endpoint,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=secret,
    )
    store.check_reachable()
    return store


def with_store(settings: Settings) -> Settings:
    """The same settings carrying the opened store (one client for the whole process)."""
    if settings.store is not None:
        return settings
    return dataclasses.replace(settings, store=open_store(settings))


def store_of(settings: Settings) -> Store:
    """The process's store: the one the runner opened, else one opened now."""
    store = settings.store
    if isinstance(store, Store):
        return store
    return open_store(settings)


def is_local(store: Store) -> bool:
    """Files on this machine's disk: moves and links instead of uploads and copies."""
    return isinstance(store, LocalStore)

"""The released open-access files on disk (``public/OMIX/<acc>/``) and their addresses.

Publishing links each file from the archive into a hidden folder
``public/OMIX/.<acc>.partial/`` (``os.link``: no copy; a copy only across
filesystems) with an md5sum-format ``<name>.md5`` beside it, then renames the
folder into place in one step, so readers see all files or none.

In an object store (``--store s3://…``), where nothing renames a folder, each
file is copied server-side from ``archive/<acc>/`` to ``public/OMIX/<acc>/``
(no byte goes through the server) with its ``.md5`` object beside it, and the
folder becomes visible when its manifest ``public/published/<acc>`` is
written last: the public FTP tree (:class:`StorePublicTree`) lists a folder,
and serves its files, only while the manifest names them (one listing of
``public/published/`` gives every visible folder). Unpublishing removes the
manifest first.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from server_stub.archive.archiving import archive_key
from server_stub.config import Settings
from server_stub.datasets.catalog import Links, ftp_path, public_name
from server_stub.ftp.hooks import ByteSource, TreeEntry
from server_stub.models import DataFile, Dataset
from server_stub.release.rules import publishable
from server_stub.storage import PUBLIC, Store, is_local, store_of

PUBLIC_FOLDER = "OMIX"
MANIFESTS = f"{PUBLIC}/published"
"""In an object store: ``<this>/<acc>`` is written last and names what ``<acc>`` shows."""
PARTIAL_SUFFIX = ".partial"
REMOVING_SUFFIX = ".removing"


class ReleaseError(RuntimeError):
    """A release that cannot finish now (missing or changed archive file…)."""


def public_folder(settings: Settings, accession: str) -> Path:
    return settings.public_root / PUBLIC_FOLDER / accession


def partial_folder(settings: Settings, accession: str) -> Path:
    return settings.public_root / PUBLIC_FOLDER / f".{accession}{PARTIAL_SUFFIX}"


def public_path(settings: Settings, file: DataFile) -> Path:
    return public_folder(settings, file.dataset.accession or "") / public_name(file)


def md5_line(file: DataFile) -> str:
    """md5sum format: ``<32 hex>  <name>``."""
    return f"{file.md5_computed or file.md5_declared}  {public_name(file)}\n"


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _link(source: Path, target: Path, size: int) -> None:
    """Make ``target`` the same file as ``source`` (hard link; copy across filesystems)."""
    try:
        stat = source.stat()
    except FileNotFoundError:
        raise ReleaseError(f"archive file {source.name} is missing") from None
    if stat.st_size != size:
        raise ReleaseError(
            f"archive file {source.name} has {stat.st_size} bytes, the database says {size}"
        )
    if target.exists():
        if os.path.samefile(source, target):
            return
        target.unlink()
    try:
        os.link(source, target)
        return
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
    temporary = target.with_name(f".{target.name}.copy")
    shutil.copyfile(source, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def _write_text(target: Path, text: str) -> None:
    if target.exists() and target.read_text() == text:
        return
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, target)


def archive_file(settings: Settings, accession: str, file: DataFile) -> Path:
    """Where archiving stored the file (``archive/<acc>/<stored name>``)."""
    return settings.archive_root / accession / (file.stored_name or file.file_id)


def expected_names(dataset: Dataset) -> dict[str, str]:
    """Every name of the dataset's public folder: ``"file"`` or the ``.md5`` text."""
    names: dict[str, str] = {}
    for file in dataset.files:
        name = public_name(file)
        names[name] = "file"
        names[f"{name}.md5"] = md5_line(file)
    return names


def _complete(folder: Path, dataset: Dataset) -> bool:
    try:
        present = set(os.listdir(folder))
    except FileNotFoundError:
        return False
    wanted = expected_names(dataset)
    if present != set(wanted):
        return False
    for file in dataset.files:
        path = folder / public_name(file)
        if path.stat().st_size != file.size:
            return False
    return True


def public_prefix(accession: str) -> str:
    """The store's folder key of a published dataset: ``public/OMIX/<acc>``."""
    return f"{PUBLIC}/{PUBLIC_FOLDER}/{accession}"


def manifest_text(dataset: Dataset) -> str:
    """One line per visible name: what a published folder holds, in order."""
    return "".join(f"{name}\n" for name in sorted(expected_names(dataset)))


def is_published(settings: Settings, accession: str) -> bool:
    """Whether readers see the dataset's public folder (in whichever store)."""
    store = store_of(settings)
    if is_local(store):
        return public_folder(settings, accession).is_dir()
    return store.exists(f"{MANIFESTS}/{accession}")


def _publish_objects(store: Store, dataset: Dataset) -> int:
    """Server-side copies and ``.md5`` objects, then the manifest that shows them."""
    accession = dataset.accession or ""
    prefix = public_prefix(accession)
    manifest = f"{MANIFESTS}/{accession}"
    wanted = expected_names(dataset)
    try:
        if store.read_bytes(manifest).decode() == manifest_text(dataset):
            return len(dataset.files)
    except FileNotFoundError:
        pass
    store.delete(manifest)  # hidden while it is (re)built
    for info in list(store.walk(prefix)):
        if info.key.removeprefix(prefix + "/") not in wanted:
            store.delete(info.key)
    for file in dataset.files:
        name = public_name(file)
        source = archive_key(file, accession)
        held = store.stat(source)
        if held is None:
            raise ReleaseError(f"archive file {source} is missing from the store")
        if held.size != file.size:
            raise ReleaseError(
                f"archive file {source} has {held.size} bytes, the database says {file.size}"
            )
        target = store.stat(f"{prefix}/{name}")
        if target is None or target.size != held.size or target.md5 != held.md5:
            store.copy(source, f"{prefix}/{name}")
        store.put_bytes(f"{prefix}/{name}.md5", md5_line(file).encode())
    store.put_bytes(manifest, manifest_text(dataset).encode())
    return len(dataset.files)


def published_names(settings: Settings) -> list[str]:
    """Every folder name under ``public/OMIX`` in the store (published or not)."""
    return [info.name for info in store_of(settings).list(f"{PUBLIC}/{PUBLIC_FOLDER}")]


def publish_files(settings: Settings, dataset: Dataset) -> int:
    """Put the dataset's files in the public tree, all at once; returns how many.

    Idempotent: an already complete folder is left as it is, a partial folder
    from an interrupted run is completed.
    """
    store = store_of(settings)
    if not is_local(store):
        return _publish_objects(store, dataset)
    accession = dataset.accession or ""
    final = public_folder(settings, accession)
    partial = partial_folder(settings, accession)
    if final.is_dir() and not partial.exists():
        if _complete(final, dataset):
            return len(dataset.files)
        os.replace(final, partial)  # rebuild it hidden, then show it again
    partial.mkdir(parents=True, exist_ok=True)
    wanted = expected_names(dataset)
    for entry in os.scandir(partial):
        if entry.name not in wanted:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
    for file in dataset.files:
        name = public_name(file)
        _link(archive_file(settings, accession, file), partial / name, file.size)
        _write_text(partial / f"{name}.md5", md5_line(file))
    _fsync_folder(partial)
    if final.exists():
        remove_folder(final)
    os.replace(partial, final)
    _fsync_folder(final.parent)
    return len(dataset.files)


def remove_folder(folder: Path) -> None:
    """Make the folder disappear at once (rename), then delete it."""
    hidden = folder.with_name(f".{folder.name.lstrip('.')}{REMOVING_SUFFIX}")
    if hidden.exists():
        shutil.rmtree(hidden, ignore_errors=True)
    try:
        os.replace(folder, hidden)
    except FileNotFoundError:
        return
    shutil.rmtree(hidden, ignore_errors=True)


def unpublish(settings: Settings, accession: str) -> None:
    store = store_of(settings)
    if not is_local(store):
        prefix = public_prefix(accession)
        store.delete(f"{MANIFESTS}/{accession}")  # invisible at once, then emptied
        for info in list(store.walk(prefix)):
            store.delete(info.key)
        return
    for folder in (public_folder(settings, accession), partial_folder(settings, accession)):
        if folder.exists():
            remove_folder(folder)


class StorePublicTree:
    """The released tree in an object store, as the public FTP server browses it.

    ``/`` holds ``OMIX``; ``/OMIX`` the published accessions (their manifests);
    ``/OMIX/<acc>`` the names its manifest lists, with the objects' sizes and
    dates. What a manifest does not name is not there, so a folder being
    (re)built is invisible until it is whole.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _manifest(self, accession: str) -> list[str] | None:
        try:
            text = self.store.read_bytes(f"{MANIFESTS}/{accession}").decode()
        except FileNotFoundError:
            return None
        return [line for line in text.splitlines() if line]

    def stat(self, virtual: str) -> TreeEntry | None:
        parts = [part for part in virtual.split("/") if part]
        if len(parts) == 0 or parts == [PUBLIC_FOLDER]:
            return TreeEntry(parts[-1] if parts else "/", 0, 0.0, True)
        if parts[0] != PUBLIC_FOLDER or len(parts) > 3:
            return None
        if len(parts) == 2:
            info = self.store.stat(f"{MANIFESTS}/{parts[1]}")
            return None if info is None else TreeEntry(parts[1], 0, info.modified, True)
        names = self._manifest(parts[1])
        if names is None or parts[2] not in names:
            return None
        info = self.store.stat(f"{public_prefix(parts[1])}/{parts[2]}")
        return None if info is None else TreeEntry(parts[2], info.size, info.modified, False)

    def list(self, virtual: str) -> list[TreeEntry]:
        parts = [part for part in virtual.split("/") if part]
        if not parts:
            return [TreeEntry(PUBLIC_FOLDER, 0, 0.0, True)]
        if parts == [PUBLIC_FOLDER]:
            return [
                TreeEntry(info.name, 0, info.modified, True)
                for info in self.store.list(MANIFESTS)
                if not info.folder
            ]
        if len(parts) != 2 or parts[0] != PUBLIC_FOLDER:
            return []
        names = self._manifest(parts[1])
        if names is None:
            return []
        return [
            TreeEntry(info.name, info.size, info.modified, False)
            for info in self.store.list(public_prefix(parts[1]))
            if not info.folder and info.name in names
        ]

    def open(self, virtual: str, offset: int) -> ByteSource:
        parts = [part for part in virtual.split("/") if part]
        entry = self.stat(virtual)
        if entry is None or entry.folder or len(parts) != 3:
            raise FileNotFoundError(virtual)
        if offset >= entry.size:  # a resume at the very end: nothing left to send
            return io.BytesIO(b"")
        return self.store.open_range(f"{public_prefix(parts[1])}/{parts[2]}", offset)


# --- downloads ----------------------------------------------------------------------


def count_download(session: Session, file_id: str) -> None:
    """One more download of a data file (HTTPS or FTP, counted from its first byte)."""
    session.execute(
        update(DataFile)
        .where(DataFile.file_id == file_id)
        .values(download_count=DataFile.download_count + 1)
    )


# --- links for pages ----------------------------------------------------------------


def public_file_urls(
    settings: Settings, dataset: Dataset, base_url: str | None = None
) -> list[dict[str, str | None]]:
    """Download addresses of a released dataset's files, in file order.

    ``https_url`` (or http, as the server is reached: ``settings.public_base_url``
    or ``base_url``, e.g. ``str(request.base_url)``), ``md5_url``, and for
    publicly downloadable files ``ftp_path`` (``/OMIX/<acc>/<name>``) and
    ``ftp_url``; these two are ``None`` for controlled or withheld data.
    """
    request_base = base_url or f"http://{settings.host}:{settings.http_port}"
    links = Links.for_request(settings, request_base)
    public = publishable(dataset) and dataset.released_at is not None
    rows: list[dict[str, str | None]] = []
    for file in dataset.files:
        path = ftp_path(dataset, file)
        rows.append(
            {
                "file_id": file.file_id,
                "name": public_name(file),
                "https_url": links.download(file),
                "md5_url": links.md5(file),
                "ftp_path": path if public else None,
                "ftp_url": links.ftp(path) if public else None,
            }
        )
    return rows

"""Downloads of released data files over HTTP(S), resumable with Range requests.

``GET /public/files/{file_id}/{public name}`` (``…/OMIX006457-01/OMIX006457-01.fq.gz``)
streams a released file. The address ends with the public name, the same name
as in the FTP tree (``/OMIX/OMIX006457/OMIX006457-01.fq.gz``), so a plain
``wget URL`` saves it under that name; ``URL + ".md5"`` is its md5sum-format
companion, so ``wget URL && wget URL.md5 && md5sum -c *.md5`` verifies it.
The file is served:

* open access: to anyone;
* controlled access: only with the bearer token of the dataset's owner or of
  a user whose access request was approved (``401`` without a token,
  ``403 access_not_approved`` otherwise);
* unreleased (or unknown) files: ``404 file_not_found``, whoever asks.

Range requests (one range: ``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) answer
``206`` with ``Content-Range``; ``If-Range`` with the ETag (the file's MD5)
or the ``Last-Modified`` date resumes only an unchanged file; a range past
the end answers ``416``. Several ranges in one request are answered with the
whole file (RFC 9110 lets a server ignore ``Range``).

The bytes come from the store (:mod:`server_stub.storage`): the public copy
when the file is published, else the archived one; from the local folders as
``os.pread`` of the file, from an object store as a ranged GET streamed
through, so memory stays flat whatever the size.

Counting: a download counts once when a GET starts at byte 0 (no ``Range``,
or a range starting at 0); continuations (``Range: bytes=N-`` with N > 0) and
HEAD requests do not count, so a download resumed any number of times, or
split by an accelerator into parallel ranges, counts once.

``GET /public/files/{file_id}/{public name}.md5`` answers the md5sum line of
the file (``<md5>  <public name>``, as the FTP tree's ``.md5`` files); like
the MD5 in the public file list it needs no sign-in.

The first addresses, ``…/{file_id}/download`` and ``…/{file_id}/md5``, stay
as aliases (same rules, same counting) for clients that built them; they name
the new address in a ``Link: <…>; rel="canonical"`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.types import Receive, Scope, Send

from server_stub.accounts import user_for_token
from server_stub.api.access import approved
from server_stub.api.deps import DatabaseDep, SettingsDep
from server_stub.api.responses import errors
from server_stub.archive.archiving import archive_key
from server_stub.config import Settings
from server_stub.datasets import catalog
from server_stub.datasets.catalog import public_name
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.models import Access, DataFile, Dataset
from server_stub.release.public_tree import count_download, md5_line, public_prefix
from server_stub.release.rules import publishable, withheld_reason
from server_stub.storage import ObjectInfo, RangeReader, Store, store_of

router = APIRouter(prefix="/public/files", tags=["downloads"])

CHUNK = 4 * 1024 * 1024
"""Bytes read and sent at a time: large blocks keep the event loop's share small."""

_bearer = HTTPBearer(auto_error=False)
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int
    """Inclusive, as in ``Content-Range``."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One byte range of ``size`` bytes, ``None`` to send everything.

    Raises :class:`Unsatisfiable` for a syntactically valid range that lies
    outside the file.
    """
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        count = int(last)
        if count == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - count), size - 1) if size else None
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))


def _etag(file: DataFile) -> str:
    return f'"{file.md5_computed or file.md5_declared}"'


def _if_range_allows(header: str | None, etag: str, modified: datetime) -> bool:
    """``If-Range`` absent, or naming the current file: the range may be served."""
    if header is None:
        return True
    header = header.strip()
    if header.startswith(("W/", '"')):
        return header == etag  # strong comparison only
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(modified.timestamp()) <= int(since.timestamp())


class FileRangeResponse(Response):
    """Streams ``length`` bytes of a stored file from ``start`` in large blocks.

    Reads happen in a worker thread (``os.pread`` locally, the body of a ranged
    GET from an object store); sending stops as soon as the client
    disconnects. ``headers`` must carry the content length.
    """

    def __init__(
        self,
        store: Store,
        key: str,
        start: int,
        length: int,
        status_code: int,
        headers: dict[str, str],
        send_body: bool = True,
    ) -> None:
        super().__init__(content=None, status_code=status_code, headers=headers)
        self.store = store
        self.key = key
        self.start = start
        self.length = length
        self.send_body = send_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reader: RangeReader | None = None
        if self.send_body and self.length > 0:  # opened before the headers: errors are 5xx
            reader = await asyncio.to_thread(
                self.store.open_range, self.key, self.start, self.length
            )
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            if reader is None:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await self._stream(reader, receive, send)
        finally:
            if reader is not None:
                await asyncio.to_thread(reader.close)

    async def _stream(self, reader: RangeReader, receive: Receive, send: Send) -> None:
        disconnected = asyncio.Event()

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    disconnected.set()
                    return

        def read(remaining: int) -> asyncio.Future[bytes]:
            return asyncio.ensure_future(asyncio.to_thread(reader.read, min(CHUNK, remaining)))

        watcher = asyncio.create_task(watch())
        remaining = self.length
        ahead = read(remaining)  # one block read ahead: the store's latency overlaps sending
        try:
            while remaining > 0 and not disconnected.is_set():
                data = await ahead
                if not data:
                    break  # the file shrank: archived files never do
                remaining -= len(data)
                if remaining > 0:
                    ahead = read(remaining)
                await send({"type": "http.response.body", "body": data, "more_body": remaining > 0})
            if remaining > 0 and not disconnected.is_set():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            if not ahead.done():  # let the read end before the reader is closed
                with contextlib.suppress(Exception):
                    await asyncio.shield(ahead)


def _optional_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return credentials.credentials if credentials and credentials.credentials else None


def _not_found(file_id: str) -> ApiError:
    return ApiError(404, "file_not_found", f"No released file '{file_id}'.")


def _released_file(session: Session, file_id: str) -> DataFile:
    file = session.scalar(
        select(DataFile)
        .join(Dataset, Dataset.id == DataFile.dataset_id)
        .where(DataFile.file_id == file_id, Dataset.released_at.is_not(None))
        .options(selectinload(DataFile.dataset))
    )
    if file is None:
        raise _not_found(file_id)
    return file


def _authorize(session: Session, dataset: Dataset, token: str | None) -> None:
    reason = withheld_reason(dataset)
    if reason is None:
        return
    most_missing = ApiError(
        403,
        "most_registration_missing",
        f"{dataset.accession} cannot be downloaded yet: its human genetic resource data "
        "are not registered with the Ministry of Science and Technology (MOST).",
    )
    if token is None and reason == "most_registration_missing":
        raise most_missing
    if token is None:
        raise ApiError(
            401,
            "not_authenticated",
            "This file is under controlled access: sign in with an approved account.",
        )
    user = user_for_token(session, token)
    if reason == "controlled" and dataset.access == Access.CONTROLLED:
        if not approved(session, dataset, user):
            raise ApiError(
                403,
                "access_not_approved",
                f"Downloading {dataset.accession} needs the submitter's approval: "
                "request access first.",
            )
        return
    if dataset.user_id != user.id:  # human genetic resource data, no MOST number yet
        raise most_missing


def _stored(store: Store, file: DataFile) -> ObjectInfo:
    """The public copy of the file if published, else the archived one."""
    dataset = file.dataset
    candidates = []
    if publishable(dataset):
        candidates.append(f"{public_prefix(dataset.accession or '')}/{public_name(file)}")
    candidates.append(archive_key(file))
    for key in candidates:
        info = store.stat(key)
        if info is not None and not info.folder:
            return info
    raise ApiError(
        503,
        "file_unavailable",
        f"{file.file_id} is not on the server's disk right now; try again later.",
    )


@dataclass
class _Plan:
    store: Store
    key: str
    size: int
    name: str
    etag: str
    modified: datetime
    controlled: bool
    wanted: ByteRange | None = None
    unsatisfiable: bool = False


def _prepare(
    database: Database,
    settings: Settings,
    file_id: str,
    token: str | None,
    range_header: str | None,
    if_range: str | None,
    head: bool,
) -> _Plan:
    """Check access, find the bytes, decide the range and count the download."""
    with database.session() as session:
        file = _released_file(session, file_id)
        dataset = file.dataset
        _authorize(session, dataset, token)
        store = store_of(settings)
        stored = _stored(store, file)
        plan = _Plan(
            store=store,
            key=stored.key,
            size=stored.size,
            name=public_name(file),
            etag=_etag(file),
            modified=dataset.released_at or datetime.now(UTC),
            controlled=withheld_reason(dataset) is not None,
        )
        if range_header and _if_range_allows(if_range, plan.etag, plan.modified):
            try:
                plan.wanted = parse_range(range_header, plan.size)
            except Unsatisfiable:
                plan.unsatisfiable = True
                return plan
        if not head and (plan.wanted is None or plan.wanted.start == 0):
            count_download(session, file.file_id)
        return plan


async def _serve(
    file_id: str,
    request: Request,
    database: Database,
    settings: Settings,
    token: str | None,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """The file's bytes (``200`` or ``206``), resumable; see the module documentation."""
    head = request.method == "HEAD"
    plan = await asyncio.to_thread(
        _prepare,
        database,
        settings,
        file_id,
        token,
        request.headers.get("range"),
        request.headers.get("if-range"),
        head,
    )
    headers = {
        **(extra_headers or {}),
        "accept-ranges": "bytes",
        "etag": plan.etag,
        "last-modified": format_datetime(plan.modified.astimezone(UTC), usegmt=True),
        "cache-control": "private, no-store" if plan.controlled else "public, max-age=3600",
    }
    if plan.unsatisfiable:
        headers["content-range"] = f"bytes */{plan.size}"
        error = ApiError(
            416, "range_not_satisfiable", f"The file has {plan.size} bytes.", size=plan.size
        )
        return JSONResponse(error.body(), status_code=416, headers=headers)
    kind, encoding = mimetypes.guess_type(plan.name, strict=False)
    headers["content-type"] = "application/octet-stream" if encoding or not kind else kind
    headers["content-disposition"] = f'attachment; filename="{plan.name}"'
    wanted = plan.wanted
    if wanted is None:
        headers["content-length"] = str(plan.size)
        return FileRangeResponse(
            plan.store, plan.key, 0, plan.size, 200, headers, send_body=not head
        )
    headers["content-range"] = f"bytes {wanted.start}-{wanted.end}/{plan.size}"
    headers["content-length"] = str(wanted.length)
    return FileRangeResponse(
        plan.store, plan.key, wanted.start, wanted.length, 206, headers, not head
    )


def _md5_response(line: str, name: str) -> PlainTextResponse:
    """The md5sum line as a small text file named ``<name>.md5``."""
    headers = {"content-disposition": f'attachment; filename="{name}.md5"'}
    return PlainTextResponse(line, headers=headers)


def _md5_of(database: Database, file_id: str) -> tuple[str, str]:
    """``(md5sum line, public name)`` of a released file."""
    with database.session() as session:
        file = _released_file(session, file_id)
        return md5_line(file), public_name(file)


def _canonical(database: Database, settings: Settings, file_id: str, base: str) -> str:
    with database.session() as session:
        file = _released_file(session, file_id)
        return catalog.Links.for_request(settings, base).download(file)


_BYTES = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSES = {
    200: {
        "description": "The file's bytes, typed from its public name (`text/plain`, "
        "`text/csv`…; `application/octet-stream` when compressed or unknown).",
        "content": {"*/*": _BYTES},
    },
    206: {"description": "The requested range (`Content-Range`).", "content": {"*/*": _BYTES}},
} | errors(401, 403, 404, 416, 503)
"""What a download address answers; the ``.md5`` companion is ``text/plain``."""


@router.get(
    "/{file_id}/download",
    response_model=None,
    response_class=Response,
    responses=FILE_RESPONSES,
)
@router.head("/{file_id}/download", response_model=None, include_in_schema=False)
async def download(
    file_id: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_optional_token)],
) -> Response:
    """The first download address, kept for existing clients: same bytes and rules."""
    base = str(request.base_url)
    canonical = await asyncio.to_thread(_canonical, database, settings, file_id, base)
    link = {"link": f'<{canonical}>; rel="canonical"'}
    return await _serve(file_id, request, database, settings, token, link)


@router.get("/{file_id}/md5", response_class=PlainTextResponse, responses=errors(404))
def md5(file_id: str, database: DatabaseDep) -> PlainTextResponse:
    """``<md5>  <public name>`` (md5sum format): the first address of the ``.md5``."""
    line, name = _md5_of(database, file_id)
    return _md5_response(line, name)


@router.get(
    "/{file_id}/{name}",
    response_model=None,
    response_class=Response,
    responses=FILE_RESPONSES,
)
@router.head("/{file_id}/{name}", response_model=None, include_in_schema=False)
async def named(
    file_id: str,
    name: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_optional_token)],
) -> Response:
    """The file under its public name, or its ``.md5`` companion; other names: ``404``.

    The public name is checked before the ``.md5`` form, so a file whose own
    suffix is ``.md5`` is still served, its companion being ``….md5.md5``.
    """
    line, public = await asyncio.to_thread(_md5_of, database, file_id)
    if name == public:
        return await _serve(file_id, request, database, settings, token)
    if name == f"{public}.md5":
        return _md5_response(line, public)
    raise _not_found(file_id)

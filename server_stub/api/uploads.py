"""Online (HTTP) upload: small files streamed to disk, MD5 computed on the way.

``POST /uploads`` takes either ``multipart/form-data`` (the first part with a
file name) or a raw body with ``?filename=``. The body is never held in
memory: it is written to ``incoming/`` in 1 MiB blocks while it is hashed,
and refused with ``413 online_limit_exceeded`` as soon as the user's pending
uploads would pass 100 MB. The answer's ``token`` selects the file into a
dataset (``{"source": "http", "upload": token}``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from omix_wire.files import check_size
from omix_wire.limits import ONLINE_UPLOAD_LIMIT
from omix_wire.naming import check_name
from server_stub.api.deps import DatabaseDep, SessionDep, SettingsDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.archive import online_uploads
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.models import OnlineUpload

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

try:  # python-multipart >= 0.0.13
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # pragma: no cover - older python-multipart
    from multipart.exceptions import (  # type: ignore[no-redef,import-untyped]
        MultipartParseError,
    )
    from multipart.multipart import (  # type: ignore[no-redef,import-untyped]
        MultipartParser,
        parse_options_header,
    )

router = APIRouter(prefix="/uploads", tags=["uploads"], responses=SIGNED_IN)

WRITE_BLOCK = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024


class InFlightBytes:
    """Bytes being received right now per user, counted against the online allowance.

    Held by the app (``app.state.in_flight_uploads``), not the module, so two
    apps in one process (tests, a site's workers) do not count each other's
    uploads. One event loop changes it: no lock needed.
    """

    def __init__(self) -> None:
        self._by_user: defaultdict[int, int] = defaultdict(int)

    def __getitem__(self, user_id: int) -> int:
        return self._by_user.get(user_id, 0)

    @contextlib.contextmanager
    def reserved(self, user_id: int, size: int) -> Iterator[None]:
        self._by_user[user_id] += size
        try:
            yield
        finally:
            self._by_user[user_id] -= size
            if self._by_user[user_id] <= 0:
                del self._by_user[user_id]


class OnlineUploadOut(BaseModel):
    token: str
    name: str
    size: int
    md5: str
    created_at: datetime
    expires_at: datetime


class OnlineUploadsOut(BaseModel):
    limit: int
    """Total bytes of unused online uploads a user may hold (100 MB)."""
    used: int
    uploads: list[OnlineUploadOut]


def _out(upload: OnlineUpload) -> OnlineUploadOut:
    return OnlineUploadOut(
        token=upload.token,
        name=upload.original_name,
        size=upload.size,
        md5=upload.md5,
        created_at=upload.created_at,
        expires_at=upload.created_at + online_uploads.UPLOAD_LIFETIME,
    )


def refuse_empty(size: int, name: str) -> None:
    """An empty body is no data file (the shared rule of :mod:`omix_wire.files`)."""
    verdict = check_size(size)
    if not verdict.ok:
        raise ApiError(
            422, str(verdict.problem), verdict.describe(f"'{name}'"), "file", name=name, size=size
        )


def invalid_name(name: str) -> ApiError:
    verdict = check_name(name)
    return ApiError(
        400,
        "invalid_name",
        f"The file name is not accepted: {verdict.describe()}.",
        "filename",
        problem=str(verdict.problem or ""),
        component=verdict.component,
        character=verdict.character,
    )


class _Receiver:
    """Writes one file to ``incoming/`` in large blocks, hashing as it goes."""

    def __init__(self, settings: Settings, allowance: int, used: int) -> None:
        self.token = secrets.token_hex(20)
        self.final = online_uploads.upload_path(settings, self.token)
        self.part = self.final.with_name(self.token + online_uploads.PART_SUFFIX)
        self.allowance = allowance
        self.used = used
        self.size = 0
        self.digest = hashlib.md5(usedforsecurity=False)
        self.pending = bytearray()
        self.stream: BinaryIO | None = None

    async def open(self) -> None:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.stream = await asyncio.to_thread(self.part.open, "xb")

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.allowance:
            raise online_uploads.limit_exceeded(self.used, self.size)
        self.pending += data

    async def flush(self, force: bool = False) -> None:
        if not self.pending or (len(self.pending) < WRITE_BLOCK and not force):
            return
        block = bytes(self.pending)
        self.pending.clear()
        await asyncio.to_thread(self._write, block)

    def _write(self, block: bytes) -> None:
        assert self.stream is not None
        self.digest.update(block)
        self.stream.write(block)

    async def finish(self) -> None:
        await self.flush(force=True)
        assert self.stream is not None
        stream, self.stream = self.stream, None
        await asyncio.to_thread(_close_synced, stream)
        await asyncio.to_thread(os.replace, self.part, self.final)

    async def discard(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            await asyncio.to_thread(stream.close)
        for path in (self.part, self.final):
            await asyncio.to_thread(path.unlink, True)


def _close_synced(stream: BinaryIO) -> None:
    stream.flush()
    os.fsync(stream.fileno())
    stream.close()


class _MultipartFile:
    """Feeds the first file part of a multipart body into a receiver."""

    def __init__(self, receiver: _Receiver) -> None:
        self.receiver = receiver
        self.filename: str | None = None
        self.finished = False
        self._in_file = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._header_bytes = 0

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._field = b""
        self._value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._grow(end - start)
        self._value += data[start:end]

    def _grow(self, count: int) -> None:
        self._header_bytes += count
        if self._header_bytes > MAX_HEADER_BYTES:
            raise ApiError(400, "invalid_upload", "The multipart headers are too large.")

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = b""
        self._value = b""

    def _headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"")
        _kind, options = parse_options_header(disposition)
        raw_name = options.get(b"filename")
        if raw_name is None or self.filename is not None:
            return
        name = raw_name.decode("utf-8", errors="replace")
        name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers may send a path
        if not check_name(name).ok:
            raise invalid_name(name)
        self.filename = name
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.receiver.feed(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self.finished = True


def _record(database: Database, user_id: int, receiver: _Receiver, name: str) -> OnlineUploadOut:
    with database.session() as session:
        used = online_uploads.pending_bytes(session, user_id)
        if used + receiver.size > ONLINE_UPLOAD_LIMIT:
            raise online_uploads.limit_exceeded(used, receiver.size)
        upload = OnlineUpload(
            token=receiver.token,
            user_id=user_id,
            original_name=name,
            size=receiver.size,
            md5=receiver.digest.hexdigest(),
        )
        session.add(upload)
        session.flush()
        return _out(upload)


def _used(database: Database, user_id: int) -> int:
    with database.session() as session:
        return online_uploads.pending_bytes(session, user_id)


UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}
"""Read from the stream by :func:`upload` itself (never parsed whole by FastAPI)."""


@router.post(
    "",
    status_code=201,
    response_model=OnlineUploadOut,
    responses=errors(400, 413),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload(
    request: Request,
    user: UserDep,
    database: DatabaseDep,
    settings: SettingsDep,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> OnlineUploadOut:
    """Receive one file (multipart ``file`` part, or raw body with ``?filename=``)."""
    user_id = user.id
    await asyncio.to_thread(online_uploads.clean_stale_now_and_then, database, settings)
    content_type = request.headers.get("content-type", "")
    multipart = content_type.lower().startswith("multipart/form-data")
    if not multipart:
        if not filename:
            raise ApiError(
                422,
                "required",
                "Give the file name (?filename=) or send multipart/form-data.",
                "filename",
            )
        if not check_name(filename).ok:
            raise invalid_name(filename)

    in_flight: InFlightBytes = request.app.state.in_flight_uploads
    used = await asyncio.to_thread(_used, database, user_id) + in_flight[user_id]
    allowance = max(ONLINE_UPLOAD_LIMIT - used, 0)
    declared = request.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > allowance + (MAX_HEADER_BYTES if multipart else 0)
    ):
        raise online_uploads.limit_exceeded(used, int(declared))

    receiver = _Receiver(settings, allowance, used)
    reserved = int(declared) if declared and declared.isdigit() else 0
    with in_flight.reserved(user_id, reserved):
        try:
            await receiver.open()
            if multipart:
                name = await _receive_multipart(request, content_type, receiver)
            else:
                assert filename is not None
                name = filename
                async for chunk in request.stream():
                    receiver.feed(chunk)
                    await receiver.flush()
            refuse_empty(receiver.size, name)
            await receiver.finish()
            return await asyncio.to_thread(_record, database, user_id, receiver, name)
        except BaseException:
            await receiver.discard()
            raise


async def _receive_multipart(request: Request, content_type: str, receiver: _Receiver) -> str:
    _kind, options = parse_options_header(content_type.encode("latin-1"))
    boundary = options.get(b"boundary")
    if not boundary:
        raise ApiError(400, "invalid_upload", "The multipart body has no boundary.")
    target = _MultipartFile(receiver)
    parser = MultipartParser(boundary, target.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            await receiver.flush()
        parser.finalize()
    except MultipartParseError as error:  # a broken body is the client's, not a 500
        raise ApiError(
            400, "invalid_upload", f"The multipart body is malformed: {error}.", "file"
        ) from None
    if target.filename is None or not target.finished:
        raise ApiError(422, "required", "The multipart body has no complete file part.", "file")
    return target.filename


@router.get("", response_model=OnlineUploadsOut)
def list_mine(user: UserDep, session: SessionDep) -> OnlineUploadsOut:
    """Uploads not yet used in a dataset, and how much of the 100 MB they take."""
    rows = session.scalars(
        select(OnlineUpload).where(OnlineUpload.user_id == user.id).order_by(OnlineUpload.id)
    )
    uploads = [_out(upload) for upload in rows]
    return OnlineUploadsOut(
        limit=ONLINE_UPLOAD_LIMIT, used=sum(item.size for item in uploads), uploads=uploads
    )


@router.delete("/{token}", status_code=204, responses=errors(404))
def discard(token: str, user: UserDep, session: SessionDep, settings: SettingsDep) -> Response:
    upload = online_uploads.find_upload(session, user.id, token)
    if upload is None:
        raise ApiError(404, "upload_not_found", "No such online upload in your account.", "token")
    session.delete(upload)
    session.commit()
    Path(online_uploads.upload_path(settings, token)).unlink(missing_ok=True)
    return Response(status_code=204)

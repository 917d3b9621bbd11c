"""The object store: any S3-compatible service (SeaweedFS in tests) through boto3.

``s3://bucket/prefix`` keeps key ``archive/OMIX000001/OMIX000001-01.fq.gz`` as
the object ``prefix/archive/OMIX000001/OMIX000001-01.fq.gz``. Large files go up
in parts, several at a time, each sent with its Content-MD5 so the store
refuses a damaged part; the whole-file MD5 travels as the object's ``md5``
metadata and, once the upload is complete, the object's size, metadata and
ETag (the MD5 of the part MD5s) are compared with what was read from disk.
Copies (release) are server-side: no byte goes through this process.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from server_stub.storage.base import ObjectInfo, S3Location, StoreError, check_key
from server_stub.storage.local import md5_of_file

log = logging.getLogger(__name__)

PART_SIZE = 16 * 1024 * 1024
"""Bytes per part of a multipart upload (grown for files over 10,000 parts)."""
MAX_PARTS = 10_000
PARALLEL_PARTS = 4
"""Parts read and in flight at once, for all uploads of the process: memory stays at
most this many parts (64 MiB), whatever the file size and however many files."""
COPY_LIMIT = 5 * 1024**3
"""Above this an object is copied part by part (the S3 limit of one CopyObject)."""
MD5_METADATA = "md5"


def part_size_for(size: int, smallest: int = PART_SIZE) -> int:
    """``smallest``, or a whole number of MiB large enough for 10,000 parts."""
    needed = -(-size // MAX_PARTS)
    mib = 1024 * 1024
    return max(smallest, -(-needed // mib) * mib)


Method = TypeVar("Method", bound=Callable[..., Any])


def translated(method: Method) -> Method:
    """boto3's errors as :class:`StoreError` (an ``OSError``), with the store's message.

    Callers already handle ``OSError`` for the local folders; the same handling
    then covers an unreachable or refusing object store.
    """

    @functools.wraps(method)
    def run(self: S3Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise StoreError(
                f"object store {self.url}: {detail.get('Code', '?')} {detail.get('Message', '')}"
            ) from error
        except BotoCoreError as error:
            raise StoreError(f"object store {self.url}: {error}") from error

    return run  # type: ignore[return-value]


def _content_md5(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class _ObjectRange:
    """The body of a ranged GET, read in pieces."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def read(self, size: int) -> bytes:
        data: bytes = self.body.read(size)
        return data

    def close(self) -> None:
        self.body.close()


class S3Store:
    """Keys as objects of one bucket, under one prefix."""

    def __init__(
        self,
        url: str,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = PART_SIZE,
        copy_limit: int = COPY_LIMIT,
    ) -> None:
        self.url = url
        self.location = S3Location.parse(url)
        self.part_size = max(5 * 1024 * 1024, part_size)
        """Bytes per part (S3's smallest is 5 MiB); files up to this size go in one PUT."""
        self.copy_limit = min(copy_limit, COPY_LIMIT)
        """Objects larger than this are copied part by part (UploadPartCopy)."""
        config = Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=PARALLEL_PARTS * 4,
            # our own Content-MD5 on every part; no extra CRC headers that some
            # S3-compatible stores do not know
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint or os.environ.get("AWS_ENDPOINT_URL") or None,
            region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )
        self._parts = ThreadPoolExecutor(PARALLEL_PARTS, thread_name_prefix="omix-s3-part")
        self._slots = threading.BoundedSemaphore(PARALLEL_PARTS)

    # --- names ------------------------------------------------------------------------

    def object_name(self, key: str) -> str:
        check_key(key)
        prefix = self.location.prefix
        return f"{prefix}/{key}" if prefix else key

    def _key_of(self, name: str) -> str:
        prefix = self.location.prefix
        return name[len(prefix) + 1 :] if prefix else name

    def local_path(self, key: str) -> Path | None:
        return None

    def check_reachable(self) -> None:
        """Fail at start with a clear message if the bucket cannot be reached."""
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise StoreError(
                f"object store {self.url}: bucket {self.location.bucket!r} answers {code} "
                "(create the bucket, or check the credentials in AWS_ACCESS_KEY_ID / "
                "AWS_SECRET_ACCESS_KEY)"
            ) from None
        except BotoCoreError as error:
            raise StoreError(
                f"object store {self.url} cannot be reached ({error}); check --s3-endpoint "
                "or AWS_ENDPOINT_URL"
            ) from None

    # --- writing ----------------------------------------------------------------------

    @translated
    def put_file(self, key: str, source: Path, md5: str | None = None) -> ObjectInfo:
        name = self.object_name(key)
        size = source.stat().st_size
        expected = md5 or md5_of_file(source)  # the metadata must be known before the parts
        if size <= self.part_size:
            data = source.read_bytes()
            digest = hashlib.md5(data, usedforsecurity=False)
            etag = digest.hexdigest()
            self.client.put_object(
                Bucket=self.location.bucket,
                Key=name,
                Body=data,
                ContentMD5=_content_md5(digest.digest()),
                Metadata={MD5_METADATA: etag},
            )
            read_md5 = etag
        else:
            read_md5, etag = self._multipart(name, source, size, expected)
        if read_md5 != expected:
            log.warning("%s changed while it was stored: %s, then %s", source, expected, read_md5)
        head = self.client.head_object(Bucket=self.location.bucket, Key=name)
        held = (
            int(head["ContentLength"]),
            head.get("Metadata", {}).get(MD5_METADATA),
            str(head["ETag"]).strip('"'),
        )
        if held != (size, read_md5, etag):
            raise StoreError(
                f"{key}: the store holds {held} (size, md5, ETag), not what was sent "
                f"{(size, read_md5, etag)}"
            )
        return ObjectInfo(key, size, head["LastModified"].timestamp(), read_md5)

    def _multipart(self, name: str, source: Path, size: int, md5: str) -> tuple[str, str]:
        """Parts read in order (the whole-file MD5), sent a few at a time."""
        bucket = self.location.bucket
        upload = self.client.create_multipart_upload(
            Bucket=bucket, Key=name, Metadata={MD5_METADATA: md5}
        )
        upload_id = upload["UploadId"]
        whole = hashlib.md5(usedforsecurity=False)
        futures: list[Future[tuple[int, str, bytes]]] = []
        step = part_size_for(size, self.part_size)
        try:
            with source.open("rb", buffering=0) as stream:
                number = 0
                while True:
                    self._slots.acquire()  # before the read: at most PARALLEL_PARTS in memory
                    try:
                        data = stream.read(step)
                    except BaseException:
                        self._slots.release()
                        raise
                    if not data:
                        self._slots.release()
                        break
                    number += 1
                    whole.update(data)  # the parts' own MD5s are computed by their threads
                    future = self._parts.submit(self._part, name, upload_id, number, data)
                    future.add_done_callback(lambda _done: self._slots.release())
                    futures.append(future)
                    del data
                    for sent in futures:  # a refused part stops the upload now
                        if sent.done() and sent.exception() is not None:
                            sent.result()
            answers = [future.result() for future in futures]
            parts = [{"PartNumber": number, "ETag": etag} for number, etag, _digest in answers]
            part_digests = [digest for _number, _etag, digest in answers]
            self.client.complete_multipart_upload(
                Bucket=bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            for future in futures:
                future.cancel()
            try:
                self.client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
            except Exception:
                log.exception("could not abort the multipart upload of %s", name)
            raise
        composite = hashlib.md5(b"".join(part_digests), usedforsecurity=False).hexdigest()
        return whole.hexdigest(), f"{composite}-{len(part_digests)}"

    def _part(self, name: str, upload_id: str, number: int, data: bytes) -> tuple[int, str, bytes]:
        """Send one part with its Content-MD5 (the store refuses it if the bytes differ)."""
        digest = hashlib.md5(data, usedforsecurity=False).digest()
        answer = self.client.upload_part(
            Bucket=self.location.bucket,
            Key=name,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ContentMD5=_content_md5(digest),
        )
        return number, str(answer["ETag"]), digest

    @translated
    def put_bytes(self, key: str, data: bytes) -> None:
        digest = hashlib.md5(data, usedforsecurity=False)
        self.client.put_object(
            Bucket=self.location.bucket,
            Key=self.object_name(key),
            Body=data,
            ContentMD5=_content_md5(digest.digest()),
            Metadata={MD5_METADATA: digest.hexdigest()},
        )

    # --- reading ----------------------------------------------------------------------

    @translated
    def open_range(self, key: str, start: int = 0, length: int | None = None) -> _ObjectRange:
        extra = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        try:
            answer = self.client.get_object(
                Bucket=self.location.bucket, Key=self.object_name(key), **extra
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from None
            raise
        return _ObjectRange(answer["Body"])

    @translated
    def read_bytes(self, key: str) -> bytes:
        reader = self.open_range(key)
        try:
            data: bytes = reader.body.read()
            return data
        finally:
            reader.close()

    @translated
    def stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.location.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        md5 = head.get("Metadata", {}).get(MD5_METADATA)
        modified = head["LastModified"].timestamp()
        return ObjectInfo(key, int(head["ContentLength"]), modified, md5)

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def _pages(self, prefix: str, delimiter: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        base = self.object_name(prefix.rstrip("/")) + "/"
        extra = {"Delimiter": delimiter} if delimiter else {}
        yield from paginator.paginate(Bucket=self.location.bucket, Prefix=base, **extra)

    @translated
    def list(self, prefix: str) -> list[ObjectInfo]:
        found: list[ObjectInfo] = []
        for page in self._pages(prefix, "/"):
            for common in page.get("CommonPrefixes", []):
                key = self._key_of(common["Prefix"].rstrip("/"))
                found.append(ObjectInfo(key, 0, 0.0, folder=True))
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue  # a folder marker some tools write
                key = self._key_of(item["Key"])
                found.append(ObjectInfo(key, int(item["Size"]), item["LastModified"].timestamp()))
        return sorted(found, key=lambda info: info.name)

    def walk(self, prefix: str) -> Iterator[ObjectInfo]:
        for page in self._pages(prefix, ""):
            for item in page.get("Contents", []):
                key = self._key_of(item["Key"])
                yield ObjectInfo(key, int(item["Size"]), item["LastModified"].timestamp())

    # --- copies and removal -----------------------------------------------------------

    @translated
    def copy(self, source: str, target: str) -> None:
        info = self.stat(source)
        if info is None:
            raise StoreError(f"{source} is not in the store")
        bucket = self.location.bucket
        origin = {"Bucket": bucket, "Key": self.object_name(source)}
        if info.size <= self.copy_limit:
            self.client.copy_object(
                Bucket=bucket,
                Key=self.object_name(target),
                CopySource=origin,
                MetadataDirective="COPY",
            )
        else:
            self._copy_in_parts(origin, self.object_name(target), info)
        copied = self.stat(target)
        if copied is None or copied.size != info.size or copied.md5 != info.md5:
            raise StoreError(f"the copy of {source} to {target} is not the same ({copied})")

    def _copy_in_parts(self, origin: dict[str, str], name: str, info: ObjectInfo) -> None:
        bucket = self.location.bucket
        metadata = {MD5_METADATA: info.md5} if info.md5 else {}
        upload = self.client.create_multipart_upload(Bucket=bucket, Key=name, Metadata=metadata)
        upload_id = upload["UploadId"]
        step = part_size_for(info.size, self.part_size)
        parts = []
        try:
            for number, start in enumerate(range(0, info.size, step), 1):
                end = min(start + step, info.size) - 1
                answer = self.client.upload_part_copy(
                    Bucket=bucket,
                    Key=name,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=origin,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
            raise

    @translated
    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.location.bucket, Key=self.object_name(key))

"""One FTP control connection and what the upload queue needs from it.

Built on :class:`aioftp.Client`, with the gaps DESIGN.md §6 lists filled in:

* explicit TLS with a caller's :class:`ssl.SSLContext` (``Client.context`` cannot
  take one); a server answering ``AUTH TLS`` with an error gives the clear
  ``tls_not_supported`` reason (the guide's "AUTH SSL" case). aioftp binds data
  connections to the control connection's TLS session, which servers such as
  vsftpd (``require_ssl_reuse``) insist on;
* remote size with ``SIZE`` first (one round trip; the client never sends it)
  and ``stat()`` (MLST, then LIST) as fallback;
* the range checksum ``XMD5 <path> <start> <end>`` (``end`` exclusive, answer
  ``2xx <32 hex>``) to check a partial remote file before resuming, and the
  whole-file MD5 after the upload; servers without it are detected once;
* resume with ``REST n`` + ``STOR`` (``upload_stream(offset=n)``);
* a data connection cut half way: FTP stream mode cannot tell it from the
  end of a file, so the caller always checks the remote size afterwards; a
  reset while the control connection still answers is read back, so a full
  disk (452/552, or the reset aioftp servers give) becomes a clear reason;
* no ABOR (open aioftp bugs): a cancelled transfer closes the connection.

Every failure leaves as a :class:`TransferError`; after one, the connection
is closed and must be reopened.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import aioftp

from omix_desktop.transfer.file_reader import FileShrankError, read_blocks
from omix_desktop.transfer.ftp_data import open_upload_stream, passive_address, secure_data
from omix_desktop.transfer.hashing import BLOCK_SIZE, IncrementalHasher
from omix_desktop.transfer.reasons import (
    FailureReason,
    TransferError,
    classify,
    classify_reply,
    status_code,
)

_HEX32 = re.compile(r"\b([0-9A-Fa-f]{32})\b")
_NOT_IMPLEMENTED = {"500", "501", "502", "504"}


@dataclass(frozen=True)
class FtpSettings:
    """Where and how to connect. The password is never persisted by the engine."""

    host: str
    port: int = 21
    user: str = "anonymous"
    password: str = field(default="anonymous@", repr=False)
    tls: bool = False
    """Explicit TLS (AUTH TLS) on the control and data connections."""
    ssl_context: ssl.SSLContext | None = None
    """Custom context (e.g. a lab's self-signed certificate); default: system trust."""
    remote_root: str = ""
    """Folder under the FTP home that uploads go into (created when missing)."""
    connect_timeout: float = 15.0
    socket_timeout: float = 60.0
    """No reply or no progress on a socket for this long counts as a dead connection."""
    checksum_timeout: float = 900.0
    """Time allowed for the server to hash a large file (XMD5)."""
    block_size: int = BLOCK_SIZE


class FtpConnection:
    """A logged-in control connection reused for many files by one queue worker."""

    def __init__(
        self, settings: FtpSettings, throttle: aioftp.StreamThrottle | None = None
    ) -> None:
        self.settings = settings
        self._throttle = throttle
        self._client: aioftp.Client | None = None
        self._made_dirs: set[PurePosixPath] = set()
        self.supports_xmd5: bool | None = None
        """None until tried; False once the server answered it as unknown."""
        self.supports_size: bool | None = None
        self.features: set[str] | None = None
        """The server's FEAT lines (upper case), once asked."""
        self.last_used = 0.0
        self.made_dirs: set[PurePosixPath] | None = None
        """Folders known to exist, shared by the queue's connections (one MKD each)."""

    @property
    def is_open(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> aioftp.Client:
        if self._client is None:
            raise RuntimeError("connection is not open")
        return self._client

    async def open(self) -> None:
        """Connect, upgrade to TLS if asked, log in, switch to binary mode."""
        await self.close()
        s = self.settings
        client = aioftp.Client(
            socket_timeout=s.socket_timeout,
            connection_timeout=s.connect_timeout,
            path_timeout=s.socket_timeout,
        )
        if self._throttle is not None:
            client.throttle = self._throttle  # shared: one speed limit for all transfers
        self._client = client
        try:
            try:
                await client.connect(s.host, s.port)
            except Exception as exc:
                raise classify(exc, during="connect") from exc
            if s.tls:
                try:
                    await client.upgrade_to_tls(s.ssl_context or ssl.create_default_context())
                except aioftp.StatusCodeError as exc:
                    raise classify_reply(exc, during="tls") from exc
                except Exception as exc:
                    raise classify(exc, during="tls") from exc
            try:
                await client.login(s.user, s.password)
            except aioftp.StatusCodeError as exc:
                raise classify_reply(exc, during="login") from exc
            await self._command("TYPE I", "200", during="login")
        except BaseException:
            client.close()
            self._client = None
            raise
        self._made_dirs.clear()
        self.features = None
        self.last_used = time.monotonic()

    async def close(self) -> None:
        """Say QUIT if the connection still answers quickly, then drop it."""
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.quit(), 2)
        client.close()

    def abandon(self) -> None:
        """Drop the connection at once (after an error or a cancel), no QUIT."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def remote(self, path: PurePosixPath | str) -> PurePosixPath:
        """The server-side path of a queue item's remote path."""
        root = self.settings.remote_root.strip("/")
        return PurePosixPath(root, str(path)) if root else PurePosixPath(str(path))

    async def _command(
        self, line: str, expected: str | tuple[str, ...], *, during: str
    ) -> tuple[str, list[str]]:
        try:
            code, info = await self.client.command(line, expected, "1xx")
        except aioftp.StatusCodeError as exc:
            raise classify_reply(exc, during=during) from exc
        except TransferError:
            raise
        except Exception as exc:
            self.abandon()
            raise classify(exc, during=during) from exc
        self.last_used = time.monotonic()
        return str(code), info

    async def _raw(self, line: str) -> tuple[str, list[str]]:
        """Send a command and return whatever reply comes (no code check)."""
        try:
            code, info = await self.client.command(line, ("1xx", "2xx", "3xx", "4xx", "5xx"))
        except Exception as exc:
            self.abandon()
            raise classify(exc, during="command") from exc
        self.last_used = time.monotonic()
        return str(code), info

    async def ensure_directory(self, directory: PurePosixPath) -> None:
        """Create ``directory`` and its parents, quietly accepting existing ones.

        ``MKD`` per level instead of aioftp's ``make_directory`` (which LISTs
        each parent): one round trip per level, cached per connection.
        """
        parts = [p for p in directory.parts if p not in {"", ".", "/"}]
        current = PurePosixPath()
        known = self._made_dirs if self.made_dirs is None else self.made_dirs
        for part in parts:
            current = current / part
            if current in known:
                continue
            code, info = await self._raw(f"MKD {current}")
            if code.startswith(("4", "5")) and code != "550" and code != "521":
                raise TransferError(
                    FailureReason.PERMISSION_DENIED,
                    {"code": code, "detail": f"{code} {' '.join(info).strip()}", "during": "mkd"},
                )
            known.add(current)

    async def remote_size(self, path: PurePosixPath) -> int | None:
        """Size of a remote file, or None when it does not exist."""
        if self.supports_size is not False:
            code, info = await self._raw(f"SIZE {path}")
            if code == "213":
                self.supports_size = True
                with contextlib.suppress(ValueError):
                    return int(info[-1].strip().split()[-1])
            elif code in _NOT_IMPLEMENTED:
                self.supports_size = False
            elif code == "550":
                # In binary mode (set at login) 550 means "no such file"; one
                # round trip instead of a LIST of the folder.
                return None
        try:
            facts: dict[str, Any] = dict(await self.client.stat(path))
        except aioftp.StatusCodeError as exc:
            if status_code(exc).startswith(("4", "5")):
                return None
            raise classify_reply(exc, during="stat") from exc
        except Exception as exc:
            self.abandon()
            raise classify(exc, during="stat") from exc
        if facts.get("type") not in (None, "file"):
            raise TransferError(
                FailureReason.PERMISSION_DENIED, {"detail": f"{path} is a folder on the server"}
            )
        return int(facts.get("size", 0))

    async def range_md5(self, path: PurePosixPath, start: int, end: int) -> str | None:
        """The server's MD5 of bytes ``[start, end)``; None if it offers no such command."""
        if self.supports_xmd5 is False:
            return None
        client = self.client
        previous = client.stream.read_timeout
        client.stream.read_timeout = max(previous or 0, self.settings.checksum_timeout)
        try:
            code, info = await self._raw(f"XMD5 {path} {start} {end}")
        finally:
            if self._client is client:
                client.stream.read_timeout = previous
        if code in _NOT_IMPLEMENTED:
            self.supports_xmd5 = False
            return None
        if not code.startswith("2"):
            if code == "550":  # no such file: nothing to compare with
                return None
            raise TransferError(
                FailureReason.SERVER_ERROR,
                {"code": code, "detail": f"{code} {' '.join(info).strip()}", "during": "xmd5"},
            )
        match = _HEX32.search(" ".join(info))
        if match is None:
            self.supports_xmd5 = False
            return None
        self.supports_xmd5 = True
        return match.group(1).lower()

    async def keep_alive(self) -> bool:
        """NOOP; False when the connection no longer answers (it is then dropped)."""
        if self._client is None:
            return False
        try:
            code, _info = await asyncio.wait_for(self._raw("NOOP"), self.settings.connect_timeout)
        except (TransferError, TimeoutError):
            self.abandon()
            return False
        return code.startswith("2")

    async def has_feature(self, name: str) -> bool:
        """Whether the server lists ``name`` in FEAT (asked once per connection)."""
        if self.features is None:
            code, info = await self._raw("FEAT")
            lines = info if code.startswith("2") else []
            self.features = {line.strip().upper() for line in lines}
        return name.upper() in self.features

    async def send(
        self,
        local: Path,
        remote: PurePosixPath,
        *,
        offset: int,
        size: int,
        hasher: IncrementalHasher | None,
        on_sent: Callable[[int], None],
        segment_total: int | None = None,
    ) -> str:
        """Upload bytes ``[offset, size)`` of ``local`` to ``remote`` (REST+STOR).

        With ``segment_total``, the bytes are one segment of a file of that
        size (``SEGM offset size total`` + STOR), sent beside others.
        Returns the server's final reply when it acknowledged the end of the
        transfer. The caller must still compare the remote size or MD5: an
        acknowledged transfer may be cut.
        """
        block_size = self._block_size()
        stream = None
        blocks = read_blocks(local, offset, size, hasher=hasher, block_size=block_size)
        try:
            try:
                segment = (offset, size, segment_total) if segment_total is not None else None
                stream = await open_upload_stream(
                    self.client,
                    self.settings.host,
                    remote,
                    offset,
                    segment,
                    connect_timeout=self.settings.connect_timeout,
                    socket_timeout=self.settings.socket_timeout,
                )
            except aioftp.StatusCodeError as exc:
                raise classify_reply(exc, during="stor") from exc
            except Exception as exc:
                self.abandon()
                raise classify(exc, during="stor") from exc
            while True:
                try:
                    block = await anext(blocks)
                except StopAsyncIteration:
                    break
                except FileShrankError as exc:
                    raise TransferError(FailureReason.FILE_CHANGED, {"detail": str(exc)}) from exc
                except OSError as exc:
                    raise classify(exc, during="read") from exc
                try:
                    await stream.write(block)
                except Exception as exc:
                    raise await self._data_failure(exc) from exc
                on_sent(len(block))
            try:
                stream.close()
                _code, reply = await self.client.command(None, "2xx", "1xx")
            except aioftp.StatusCodeError as exc:
                raise classify_reply(exc, during="stor") from exc
            except Exception as exc:
                self.abandon()
                raise classify(exc, during="stor") from exc
            self.last_used = time.monotonic()
            return " ".join(reply).strip()
        except BaseException:
            if stream is not None:
                stream.close()
            # A transfer that failed half way may leave a reply pending on the
            # control connection; reusing it would mix replies up: start afresh.
            self.abandon()
            raise
        finally:
            await blocks.aclose()  # type: ignore[attr-defined]  # an async generator

    async def list_names(self, folder: PurePosixPath) -> set[str] | None:
        """Names in a remote folder (NLST), one round trip for many files.

        An empty set for a folder that does not exist; None when the server
        cannot list it (the caller then asks about each file instead).
        """
        try:
            host, port = await passive_address(self.client, self.settings.host)
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.settings.connect_timeout
            )
        except aioftp.StatusCodeError:
            return None
        except Exception as exc:
            self.abandon()
            raise classify(exc, during="list") from exc
        try:
            code, info = await self._raw(
                f"NLST {folder}" if str(folder) not in ("", ".") else "NLST"
            )
            if code == "550" or code == "450":
                return set()
            if not code.startswith("1"):
                return None
            await secure_data(
                self.client, writer, self.settings.host, self.settings.connect_timeout
            )
            data = await asyncio.wait_for(reader.read(), self.settings.socket_timeout)
            writer.close()
            code, _info = await self._raw_reply()
            if not code.startswith("2"):
                return None
        except TransferError:
            raise
        except Exception as exc:
            self.abandon()
            raise classify(exc, during="list") from exc
        finally:
            writer.transport.abort()
        text = data.decode("utf-8", errors="replace")
        return {line.strip().rsplit("/", 1)[-1] for line in text.splitlines() if line.strip()}

    async def _raw_reply(self) -> tuple[str, list[str]]:
        try:
            code, info = await self.client.command(None, ("2xx", "4xx", "5xx"), "1xx")
        except Exception as exc:
            self.abandon()
            raise classify(exc, during="command") from exc
        self.last_used = time.monotonic()
        return str(code), info

    async def _data_failure(self, exc: BaseException) -> TransferError:
        """Classify a broken data connection, asking the control connection why.

        A server whose disk is full may reset the data connection; if the control
        connection is alive, its reply (452/552/451...) says what happened.
        """
        if isinstance(exc, asyncio.TimeoutError | TimeoutError):
            self.abandon()
            return classify(exc, during="stor")
        client = self._client
        if client is not None:
            try:
                code, info = await asyncio.wait_for(
                    client.command(None, ("1xx", "2xx", "3xx", "4xx", "5xx"), "1xx"), 3
                )
            except Exception:
                pass
            else:
                text = str(code)
                if text.startswith(("4", "5")):
                    error = classify_reply(
                        aioftp.StatusCodeError(aioftp.Code("2xx"), aioftp.Code(text), info),
                        during="stor",
                    )
                    if error.reason is FailureReason.CONNECTION_LOST or text == "451":
                        error.params["data_reset"] = True
                    return error
                return TransferError(
                    FailureReason.CONNECTION_LOST,
                    {
                        "detail": f"{type(exc).__name__} on the data connection",
                        "data_reset": True,
                        "control_alive": True,
                    },
                )
        self.abandon()
        return classify(exc, during="stor")

    def _block_size(self) -> int:
        """1 MiB normally; smaller under a low speed limit so the rate stays smooth."""
        limit = self._throttle.write.limit if self._throttle is not None else None
        if limit:
            return max(16 * 1024, min(self.settings.block_size, int(limit) // 8))
        return self.settings.block_size


TLS_PROBE_TIMEOUT = 10.0


async def probe_tls(settings: FtpSettings) -> bool:
    """ "Auto" encryption: use TLS when the server offers it (AUTH TLS), else plain.

    A server that offers TLS but fails the handshake keeps TLS on, so the user
    sees the certificate problem instead of silently sending in clear text.
    """
    connection = FtpConnection(replace(settings, tls=True))
    try:
        await asyncio.wait_for(connection.open(), TLS_PROBE_TIMEOUT)
    except TransferError as error:
        return error.reason is FailureReason.TLS_FAILED
    except (OSError, TimeoutError):
        return False
    else:
        return True
    finally:
        with contextlib.suppress(Exception):
            await connection.close()

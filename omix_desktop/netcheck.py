"""The network check: can this computer upload to the archive, and if not, why.

Runs the steps a user would otherwise debug in FileZilla's status bar (the
user guide's AUTH SSL and MLSD problems), one after the other, and reports
each as a :class:`CheckResult` with a machine code and parameters; the UI
translates them with :func:`omix_desktop.i18n.errors.check_result_message`.
No Qt here; the HTTP call runs in a worker thread.

Steps: HTTP health, FTP port answers with a greeting, ``AUTH TLS`` gets an
answer (encryption offered or not), FTP sign-in, and a passive data
connection carrying a directory listing (MLSD, LIST as fallback).

A server that offers no encryption is never a green step: the FTP sign-in
would then send the account's password (the archive password) and the files
in clear text, which the user must be told plainly (a warning; a failure
when the settings demand encryption, since every upload would be refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import aioftp

from omix_desktop.api.client import ApiClient
from omix_desktop.api.errors import ApiError, ServerUnavailableError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0


class Check(StrEnum):
    HTTP = "http"
    FTP_PORT = "ftp_port"
    FTP_TLS = "ftp_tls"
    FTP_LOGIN = "ftp_login"
    FTP_PASSIVE = "ftp_passive"


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


RESULT_CODES = frozenset(
    {
        "http_ok", "http_unreachable", "http_timeout", "http_not_archive",
        "ftp_ok", "ftp_unreachable", "ftp_no_greeting",
        "tls_offered", "tls_not_offered", "tls_not_offered_required", "tls_no_answer",
        "login_ok", "login_refused", "login_skipped",
        "passive_ok", "passive_failed", "passive_skipped",
        "skipped_no_ftp",
    }
)  # fmt: skip
"""Every code a :class:`CheckResult` may carry (the UI has a sentence for each)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One step's outcome: ``code`` (+ ``params``) for the user, ``detail`` for the log."""

    check: Check
    status: Status
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    def __post_init__(self) -> None:
        if self.code not in RESULT_CODES:
            raise ValueError(f"unknown network check code {self.code!r}")


@dataclass(frozen=True, slots=True)
class Target:
    """What to check. The FTP host defaults to the HTTP server's host."""

    server_url: str
    ftp_port: int
    ftp_host: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls_mode: str = "auto"
    """The app's FTP encryption setting (``auto``, ``on``, ``off``): with ``on`` a
    server without TLS cannot be used at all."""

    @property
    def host(self) -> str:
        return self.ftp_host or urlsplit(self.server_url).hostname or "127.0.0.1"


async def check_http(target: Target, step_seconds: float) -> CheckResult:
    params = {"url": target.server_url}

    def probe() -> dict[str, Any]:
        client = ApiClient(target.server_url, timeout=(step_seconds, step_seconds), retries=0)
        try:
            return client.health()
        finally:
            client.close()

    try:
        answer = await asyncio.to_thread(probe)
    except ServerUnavailableError as error:
        code = "http_timeout" if error.code == "server_timeout" else "http_unreachable"
        return CheckResult(Check.HTTP, Status.FAILED, code, params, str(error))
    except (ApiError, ValueError) as error:
        return CheckResult(Check.HTTP, Status.FAILED, "http_not_archive", params, str(error))
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        return CheckResult(Check.HTTP, Status.FAILED, "http_not_archive", params, repr(answer))
    return CheckResult(Check.HTTP, Status.OK, "http_ok", params, f"version {answer.get('version')}")


async def _read_reply(reader: asyncio.StreamReader, step_seconds: float) -> tuple[str, str]:
    """One FTP reply (multi-line aware): its code and its text."""
    lines: list[str] = []
    async with asyncio.timeout(step_seconds):
        while True:
            raw = await reader.readline()
            if not raw:
                raise ConnectionError("the server closed the connection")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) >= 4 and line[:3].isdigit() and line[3] == " ":
                return line[:3], "\n".join(lines)
            if len(lines) == 1 and not (line[:3].isdigit() and line[3:4] in {"-", " "}):
                return "", line


async def check_ftp_port_and_tls(target: Target, step_seconds: float) -> list[CheckResult]:
    """Connect, read the greeting, then ask ``AUTH TLS`` and see what is answered."""
    params = {"host": target.host, "port": target.ftp_port}
    try:
        async with asyncio.timeout(step_seconds):
            reader, writer = await asyncio.open_connection(target.host, target.ftp_port)
    except (OSError, TimeoutError) as error:
        return [
            CheckResult(Check.FTP_PORT, Status.FAILED, "ftp_unreachable", params, repr(error)),
            CheckResult(Check.FTP_TLS, Status.SKIPPED, "skipped_no_ftp", params),
        ]
    try:
        try:
            code, text = await _read_reply(reader, step_seconds)
        except (OSError, TimeoutError) as error:
            code, text = "", repr(error)
        if code != "220":
            return [
                CheckResult(Check.FTP_PORT, Status.FAILED, "ftp_no_greeting", params, text),
                CheckResult(Check.FTP_TLS, Status.SKIPPED, "skipped_no_ftp", params),
            ]
        results = [CheckResult(Check.FTP_PORT, Status.OK, "ftp_ok", params, text)]
        try:
            writer.write(b"AUTH TLS\r\n")
            await writer.drain()
            code, text = await _read_reply(reader, step_seconds)
        except (OSError, TimeoutError) as error:
            code, text = "", repr(error)
        if code == "234":
            results.append(CheckResult(Check.FTP_TLS, Status.OK, "tls_offered", params, text))
        elif code[:1] in {"4", "5"}:
            results.append(_without_tls(target, params, text))
        else:
            results.append(
                CheckResult(Check.FTP_TLS, Status.WARNING, "tls_no_answer", params, text)
            )
        return results
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(step_seconds):
                await writer.wait_closed()


def _without_tls(target: Target, params: dict[str, Any], text: str) -> CheckResult:
    """AUTH TLS refused: the password would travel unencrypted (or, with encryption
    required in the settings, nothing can be uploaded)."""
    if target.tls_mode == "on":
        return CheckResult(Check.FTP_TLS, Status.FAILED, "tls_not_offered_required", params, text)
    return CheckResult(Check.FTP_TLS, Status.WARNING, "tls_not_offered", params, text)


async def check_login_and_passive(target: Target, step_seconds: float) -> list[CheckResult]:
    """Sign in with the account, then list the home folder over a passive data connection."""
    user = target.user or ""
    if not target.user or not target.password:
        return [
            CheckResult(Check.FTP_LOGIN, Status.SKIPPED, "login_skipped", {"user": user}),
            CheckResult(Check.FTP_PASSIVE, Status.SKIPPED, "passive_skipped", {}),
        ]
    client = aioftp.Client(
        socket_timeout=step_seconds, connection_timeout=step_seconds, path_timeout=step_seconds
    )
    results: list[CheckResult] = []
    try:
        try:
            async with asyncio.timeout(step_seconds * 2):
                await client.connect(target.host, target.ftp_port)
                await client.login(target.user, target.password)
        except (aioftp.StatusCodeError, OSError, TimeoutError, ConnectionError) as error:
            detail = f"{type(error).__name__}: {error}"
            return [
                CheckResult(
                    Check.FTP_LOGIN, Status.FAILED, "login_refused", {"user": user}, detail
                ),
                CheckResult(Check.FTP_PASSIVE, Status.SKIPPED, "passive_skipped", {}),
            ]
        results.append(CheckResult(Check.FTP_LOGIN, Status.OK, "login_ok", {"user": user}))
        try:
            async with asyncio.timeout(step_seconds * 2):
                entries = await client.list()
        except (aioftp.StatusCodeError, OSError, TimeoutError, ConnectionError) as error:
            detail = f"{type(error).__name__}: {error}"
            results.append(
                CheckResult(Check.FTP_PASSIVE, Status.FAILED, "passive_failed", {}, detail)
            )
        else:
            results.append(
                CheckResult(Check.FTP_PASSIVE, Status.OK, "passive_ok", {"count": len(entries)})
            )
        with contextlib.suppress(Exception):
            async with asyncio.timeout(step_seconds):
                await client.quit()
        return results
    finally:
        client.close()


async def run_network_check(
    target: Target,
    *,
    step_seconds: float = DEFAULT_TIMEOUT,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Every step in order; ``on_result`` sees each result as soon as it is known."""
    results: list[CheckResult] = []

    def report(items: list[CheckResult]) -> None:
        for item in items:
            log.info(
                "network check %s: %s %s (%s)", item.check, item.status, item.code, item.detail
            )
            results.append(item)
            if on_result is not None:
                on_result(item)

    report([await check_http(target, step_seconds)])
    port_and_tls = await check_ftp_port_and_tls(target, step_seconds)
    report(port_and_tls)
    if port_and_tls[0].status is Status.OK:
        report(await check_login_and_passive(target, step_seconds))
    else:
        report(
            [
                CheckResult(Check.FTP_LOGIN, Status.SKIPPED, "skipped_no_ftp", {}),
                CheckResult(Check.FTP_PASSIVE, Status.SKIPPED, "skipped_no_ftp", {}),
            ]
        )
    return results

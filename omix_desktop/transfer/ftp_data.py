"""FTP data connections: the passive address, TLS on them, and an upload stream.

Kept apart from :mod:`ftp_uploader` (the control connection) because this is
where the order of events matters most and differs from aioftp's own
``upload_stream``: the data connection is opened while ``REST``/``SEGM`` and
``STOR`` go out (one round trip less per file), and its TLS handshake waits
for the server's ``150`` (vsftpd only starts its side then) and reuses the
control connection's TLS session (vsftpd's ``require_ssl_reuse``).
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import PurePosixPath

import aioftp
from aioftp.common import SSLSessionBoundContext

from omix_desktop.transfer.reasons import status_code


async def passive_address(client: aioftp.Client, host: str) -> tuple[str, int]:
    """EPSV, falling back to PASV; the server's PASV address is ignored (NAT)."""
    try:
        _code, info = await client.command("EPSV", "229")
        _ip, port = client.parse_epsv_response(info[-1])
    except aioftp.StatusCodeError as exc:
        if not status_code(exc).startswith("50"):
            raise
        _code, info = await client.command("PASV", "227")
        _ip, port = client.parse_pasv_response(info[-1])
    return host, port


async def secure_data(
    client: aioftp.Client, writer: asyncio.StreamWriter, host: str, handshake_timeout: float
) -> None:
    """TLS on a data connection when the control connection has it (same session)."""
    control_tls = client.stream.writer.transport.get_extra_info("ssl_object")
    if control_tls is None:
        return
    context = SSLSessionBoundContext(
        ssl.PROTOCOL_TLS_CLIENT, context=control_tls.context, session=control_tls.session
    )
    await writer.start_tls(
        context,  # duck-typed SSLContext wrapper
        server_hostname=host,
        ssl_handshake_timeout=handshake_timeout,
    )


async def open_upload_stream(
    client: aioftp.Client,
    host: str,
    remote: PurePosixPath,
    offset: int,
    segment: tuple[int, int, int] | None,
    *,
    connect_timeout: float,
    socket_timeout: float,
) -> aioftp.DataConnectionThrottleStreamIO:
    """Open a passive data connection and start ``REST``/``SEGM`` + ``STOR`` on it."""
    host, port = await passive_address(client, host)
    connecting = asyncio.ensure_future(
        asyncio.wait_for(asyncio.open_connection(host, port), connect_timeout)
    )
    writer: asyncio.StreamWriter | None = None
    try:
        if segment is not None:
            await client.command("SEGM {} {} {}".format(*segment), "350")
        elif offset:
            await client.command(f"REST {offset}", "350")
        await client.command(f"STOR {remote}", "1xx")
        reader, writer = await connecting
        await secure_data(client, writer, host, connect_timeout)
    except BaseException:
        if writer is not None:
            writer.transport.abort()
        elif connecting.done() and not connecting.cancelled() and not connecting.exception():
            connecting.result()[1].transport.abort()
        else:
            connecting.cancel()
        raise
    return aioftp.DataConnectionThrottleStreamIO(
        client,
        reader,
        writer,
        throttles={"_": client.throttle},
        timeout=socket_timeout,
    )

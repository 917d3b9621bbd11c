"""Explicit FTP over TLS (RFC 4217): ``AUTH TLS``, ``PBSZ 0``, ``PROT P|C``.

The control connection starts in plain text and is upgraded in place with
``StreamWriter.start_tls`` (Python 3.11+). Data connections are wrapped in TLS
when the client asked for ``PROT P``. Sessions may be resumed on data
connections (clients such as aioftp and FileZilla do) but are not required
(Python's ``ftplib.FTP_TLS`` never reuses them).
"""

from __future__ import annotations

import ssl

from server_stub.config import Settings

NOT_CONFIGURED = "TLS is not configured on this server; use plain FTP"


def server_context(settings: Settings) -> ssl.SSLContext | None:
    """The control connections' TLS context, or None when no certificate was given."""
    if settings.ftp_tls_cert is None or settings.ftp_tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(settings.ftp_tls_cert), str(settings.ftp_tls_key))
    context.options |= ssl.OP_NO_COMPRESSION
    return context


def data_context(settings: Settings) -> ssl.SSLContext | None:
    """The data connections' TLS context: the same certificate, no session tickets.

    With TLS 1.3 a server sends its session tickets *after* the handshake. An
    uploading client (curl, lftp) never reads from the data connection, so the
    tickets sit unread in its socket buffer, and closing a socket with unread
    data makes the kernel send a reset instead of a clean end: the last bytes
    still in flight were lost and the upload ended ``426`` (1-3 MiB files, where
    the close came before the client happened to read). A data connection has
    no use for tickets (nothing resumes from it), so it sends none. Clients
    that offer the control connection's session still connect; they get a full
    handshake (this server does not require session reuse).
    """
    context = server_context(settings)
    if context is not None:
        context.num_tickets = 0
    return context


def is_secure(writer_transport: object) -> bool:
    get = getattr(writer_transport, "get_extra_info", None)
    return bool(get and get("ssl_object") is not None)

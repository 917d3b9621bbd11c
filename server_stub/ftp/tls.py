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
    """The server's TLS context, or None when no certificate was given."""
    if settings.ftp_tls_cert is None or settings.ftp_tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(settings.ftp_tls_cert), str(settings.ftp_tls_key))
    context.options |= ssl.OP_NO_COMPRESSION
    return context


def is_secure(writer_transport: object) -> bool:
    get = getattr(writer_transport, "get_extra_info", None)
    return bool(get and get("ssl_object") is not None)

"""``omix-server``: run the archive, or administer its accounts.

omix-server [--data-dir DIR] [--host 127.0.0.1] [--http-port 8000]
            [--ftp-port 2121] [--ftp-passive-ports 30000-30100]
            [--database-url URL] [--ftp-tls-cert PEM --ftp-tls-key PEM]
            [--public-ftp-port 2122] [--release-interval 30] [--clock-file FILE]
            [--store s3://bucket/prefix [--s3-endpoint URL] [--s3-region R]
             [--s3-access-key KEY] [--s3-secret-key-file FILE]]
            [--preupload-dir SHARED-DIR]
omix-server admin create-user EMAIL --first-name … [--password-stdin]
omix-server admin make-curator EMAIL
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from server_stub.config import Settings, default_data_dir

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _port_range(text: str) -> tuple[int, int]:
    try:
        low, high = (int(part) for part in text.split("-", 1))
    except ValueError:
        message = f"expected a range like 30000-30100, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if not (0 < low <= high <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid port range")
    return low, high


def _add_server_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--data-dir``/``--database-url``, before or after ``admin …``.

    On the sub-commands they default to "not given" (SUPPRESS), so that
    ``omix-server --data-dir D admin create-user …`` keeps ``D`` instead of
    silently using the default folder.
    """
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--data-dir", type=Path, default=default, help="data folder")
    parser.add_argument("--database-url", default=default, help="postgresql://… (default: SQLite)")


def _store_url(text: str) -> str:
    """``s3://bucket/prefix``, checked now so a typo fails before anything starts."""
    from server_stub.storage.base import S3Location

    try:
        S3Location.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error} (for example s3://omix/archive)") from None
    return text


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    """Where the archive and public trees live: folders (default) or an S3 object store."""
    parser.add_argument(
        "--store",
        type=_store_url,
        default=None,
        help="s3://bucket/prefix: keep archive and public trees in an S3-compatible store",
    )
    parser.add_argument("--s3-endpoint", default=None, help="store address (or AWS_ENDPOINT_URL)")
    parser.add_argument("--s3-region", default=None, help="(or AWS_DEFAULT_REGION; us-east-1)")
    parser.add_argument("--s3-access-key", default=None, help="(or AWS_ACCESS_KEY_ID)")
    parser.add_argument(
        "--s3-secret-key-file",
        type=Path,
        default=None,
        help="file holding the secret key (or AWS_SECRET_ACCESS_KEY)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omix-server", description="The OMIX reference archive server."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start a throw-away server, upload and archive a file, report, exit",
    )
    _add_server_options(parser, top=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--ftp-port", type=int, default=2121)
    parser.add_argument("--ftp-passive-ports", type=_port_range, default=(30000, 30100))
    parser.add_argument("--ftp-tls-cert", type=Path, default=None)
    parser.add_argument("--ftp-tls-key", type=Path, default=None)
    parser.add_argument(
        "--public-ftp-port",
        type=int,
        default=2122,
        help="anonymous read-only FTP of released open-access data (default 2122)",
    )
    parser.add_argument(
        "--release-interval",
        type=float,
        default=30.0,
        help="seconds between release scheduler passes (default 30)",
    )
    parser.add_argument(
        "--preupload-dir",
        type=Path,
        default=None,
        help="folder for uploads not yet archived (default: the data folder); "
        "give every node of a site the same shared folder",
    )
    parser.add_argument(
        "--clock-file",
        type=Path,
        default=None,
        help="testing: file with today's date (YYYY-MM-DD) or a day offset (+N) for releases",
    )
    _add_store_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true")

    commands = parser.add_subparsers(dest="command")
    admin = commands.add_parser("admin", help="account administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)

    create = admin_commands.add_parser("create-user", help="create an account")
    _add_server_options(create)
    create.add_argument("email")
    create.add_argument("--password-stdin", action="store_true", help="read password from stdin")
    for name in ("first-name", "last-name", "organization", "department"):
        create.add_argument(f"--{name}", default="-")
    for name in ("street-address", "city", "postal-code", "country-region"):
        create.add_argument(f"--{name}", default="-")
    create.add_argument("--curator", action="store_true")

    curator = admin_commands.add_parser("make-curator", help="grant the curator role")
    _add_server_options(curator)
    curator.add_argument("email")
    curator.add_argument("--revoke", action="store_true", help="take the role away instead")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    extra = {}
    if getattr(args, "host", None) is not None:
        extra = dict(
            host=args.host,
            http_port=args.http_port,
            ftp_port=args.ftp_port,
            ftp_passive_ports=args.ftp_passive_ports,
            ftp_tls_cert=args.ftp_tls_cert,
            ftp_tls_key=args.ftp_tls_key,
            public_ftp_port=args.public_ftp_port,
            release_interval=args.release_interval,
            clock_file=args.clock_file,
            store_url=args.store,
            s3_endpoint=args.s3_endpoint,
            s3_region=args.s3_region,
            s3_access_key=args.s3_access_key,
            s3_secret_key_file=args.s3_secret_key_file,
            preupload_dir=args.preupload_dir,
        )
    return Settings(
        data_dir=args.data_dir or default_data_dir(),
        database_url=args.database_url,
        **extra,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.version:
        from omix_wire.version import version

        print(f"omix-server {version()}")
        return 0
    if args.self_test:
        from server_stub.selftest import run as self_test

        return self_test()
    if args.command == "admin":
        from server_stub.admin import run_admin

        return run_admin(args, settings_from(args))
    settings = settings_from(args)
    if (settings.ftp_tls_cert is None) != (settings.ftp_tls_key is None):
        parser.error("--ftp-tls-cert and --ftp-tls-key go together")
    if settings.store_url is None and (settings.s3_endpoint or settings.s3_access_key):
        parser.error("--s3-endpoint and --s3-access-key need --store s3://bucket/prefix")
    from server_stub.memory import install_memory_report, limit_malloc_arenas
    from server_stub.runner import serve

    limit_malloc_arenas()
    install_memory_report()
    try:
        asyncio.run(serve(settings))
    except OSError as error:
        print(f"omix-server: cannot start: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())

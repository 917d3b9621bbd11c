"""The app's log: a rotating file with secrets removed, and the support bundle.

:class:`RedactingFilter` sits on the file handler and rewrites every record
(message, arguments and traceback) so that passwords, tokens and
``Authorization`` headers never reach the disk; values the app knows are
secret (the password typed at sign-in, the session token) are registered with
:meth:`RedactingFilter.add_secret` and removed wherever they appear.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import re
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

MASK = "***"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5

_KEY = (
    r"password|passwd|pwd|new_password|current_password|secret|token|access_token"
    r"|api_key|authorization|cookie"
)
_PATTERNS = (
    # key=value, key: value, "key": "value"
    re.compile(
        rf"""(?ix)
        (?P<key>["']?\b(?:{_KEY})\b["']?\s*[:=]\s*)
        (?P<value>"[^"]*"|'[^']*'|(?:Bearer\s+)?[^\s,;&}}\]]+)
        """
    ),
    re.compile(r"(?i)(?P<key>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/=-]+)"),
    re.compile(r"(?im)(?P<key>\bPASS\s+)(?P<value>\S+)"),  # the FTP command
    re.compile(r"(?i)(?P<key>://[^/\s:@]+:)(?P<value>[^@\s/]+)(?=@)"),  # user:pass@host
)


def _mask(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def redact(text: str, secrets: frozenset[str] = frozenset()) -> str:
    """``text`` with every recognisable secret replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(_mask, text)
    return text


class RedactingFilter(logging.Filter):
    """Removes secrets from each record before a handler writes it."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def add_secret(self, value: str | None) -> None:
        if value:
            self._secrets.add(value)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self.secrets
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


@dataclass
class LogSetup:
    log_file: Path
    handler: logging.Handler
    redactor: RedactingFilter

    def close(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()


def setup_logging(log_file: Path, level: int = logging.INFO) -> LogSetup:
    """Attach a rotating, redacting file handler to the root logger."""
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    redactor = RedactingFilter()
    handler.addFilter(redactor)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    logging.captureWarnings(True)
    return LogSetup(log_file, handler, redactor)


def make_support_bundle(
    log_dir: Path,
    destination: Path,
    *,
    about: Mapping[str, str] | None = None,
    secrets: frozenset[str] = frozenset(),
) -> Path:
    """Zip every log in ``log_dir`` (redacted again) with a short ``about.txt``."""
    facts = {
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **(about or {}),
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("about.txt", "".join(f"{k}: {v}\n" for k, v in facts.items()))
        for path in sorted(log_dir.glob("*.log*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                bundle.writestr(f"logs/{path.name}", redact(text, secrets))
    return destination

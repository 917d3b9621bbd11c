"""The app's settings: declared once, typed, saved atomically as JSON.

Each setting is a field of :class:`Settings` whose ``description`` is marked
for translation but translated only when shown (:func:`describe`). The file
is written to a temporary file beside it, flushed to disk and renamed over
the old one, with permissions for the user alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omix_desktop.i18n.translator import N_, Translator

log = logging.getLogger(__name__)

DEFAULT_FTP_PORT = 2121
TLS_MODES = ("auto", "on", "off")


DESCRIPTION = "description"


def _setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={DESCRIPTION: description})


@dataclass
class Settings:
    language: str = _setting("", N_("Language of the interface (empty: the system's)."))
    server_url: str = _setting(
        "", N_("Address of the archive server (empty: a local reference server).")
    )
    ftp_port: int = _setting(DEFAULT_FTP_PORT, N_("FTP port of the archive server."))
    tls_mode: str = _setting("auto", N_("Encryption of FTP connections: auto, on or off."))
    speed_limit_kib: int = _setting(
        0, N_("Upload speed limit over all transfers, in KiB/s (0: no limit).")
    )
    parallel_transfers: int = _setting(2, N_("Number of files uploaded at the same time."))
    speed_schedule: str = _setting(
        "", N_("Speed limits by time of day, e.g. 08:00,2M 19:00,off (empty: none).")
    )
    connections_per_file: int = _setting(
        0, N_("Connections one large file is sent over (0: automatic, 1: one stream).")
    )
    last_email: str = _setting("", N_("Email of the last account that signed in."))
    download_folder: str = _setting("", N_("Folder that released files are downloaded into."))
    remember: bool = _setting(False, N_("Remember the sign-in in the system's keyring."))
    notifications: bool = _setting(True, N_("Show a notification when transfers finish or fail."))
    window_geometry: str = _setting("", N_("Size and position of the main window."))
    table_columns: str = _setting("", N_("Column widths and order of the app's tables."))


def describe(name: str, tr: Translator) -> str:
    """The translated description of one setting."""
    for item in dataclasses.fields(Settings):
        if item.name == name:
            return tr.gettext(item.metadata[DESCRIPTION])
    raise KeyError(name)


class ConfigStore:
    """Loads and saves :class:`Settings` at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError) as error:
            log.warning("settings file %s unreadable (%s); using defaults", self.path, error)
            return Settings()
        settings = Settings()
        if not isinstance(raw, dict):
            return settings
        for item in dataclasses.fields(Settings):
            if item.name not in raw:
                continue
            value = raw[item.name]
            default = getattr(settings, item.name)
            if type(value) is type(default):
                setattr(settings, item.name, value)
            else:
                log.warning("setting %s has a wrong type; using the default", item.name)
        return settings

    def save(self, settings: Settings) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True)
        handle, temporary = tempfile.mkstemp(
            prefix=".settings-", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if os.name == "posix":
            with contextlib.suppress(OSError):
                folder = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)

"""Form drafts kept on disk, so a half-filled dataset survives a crash or a restart.

A draft is a JSON object per form (``drafts/<name>.json`` in the app's data
folder), written atomically (temporary file, then rename) so a crash while
saving leaves the previous draft, never a truncated one. Blocking: the UI
calls it from a worker thread.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "drafts"

    def _path(self, name: str) -> Path:
        if not name.isidentifier():
            raise ValueError(f"draft names are identifiers, not {name!r}")
        return self.folder / f"{name}.json"

    def load(self, name: str) -> dict[str, Any] | None:
        """The saved draft, or None (none saved, or unreadable: logged, never raised)."""
        path = self._path(name)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("ignoring the unreadable draft %s: %s", path, error)
            return None
        return value if isinstance(value, dict) else None

    def save(self, name: str, draft: dict[str, Any]) -> None:
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(draft, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, path)

    def discard(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

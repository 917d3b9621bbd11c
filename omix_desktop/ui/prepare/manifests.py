"""Prepare files: comparing the list with an md5sum file, and saving one.

Reading and writing the manifest happen in a worker thread; the table only
records what the manifest states, and pre-flight then flags the differences.
"""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePosixPath

from PySide6.QtWidgets import QLabel

from omix_desktop.i18n.message import Joined, Message
from omix_desktop.i18n.translator import N_
from omix_desktop.transfer import ManifestError, read_manifest, write_manifest
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import Screen
from omix_desktop.ui.prepare.model import PrepareModel
from omix_wire.naming import composed


class ManifestActions(Screen):
    """Manifest import and export of :class:`~omix_desktop.ui.prepare.PrepareScreen`."""

    model: PrepareModel
    message: QLabel

    async def check_now(self) -> None:  # pragma: no cover - provided by the screen
        raise NotImplementedError

    # -- manifests ----------------------------------------------------------------------

    def choose_manifest(self) -> None:
        self.spawn(self._choose_manifest())

    async def _choose_manifest(self) -> None:
        _ = self.i18n.gettext
        path = await dialogs.open_file_name(
            self, _("Compare with MD5 file"), "", _("MD5 files (*.md5 *.txt);;All files (*)")
        )
        if path:
            await self._import(Path(path))

    def import_manifest(self, path: Path) -> asyncio.Task[None]:
        return self.spawn(self._import(path))

    async def _import(self, path: Path) -> None:
        _ = self.i18n.gettext
        try:
            entries = await asyncio.to_thread(read_manifest, path)
        except ManifestError as error:
            first = error.problems[0]
            self.say(
                self.message,
                Message(
                    N_(
                        "{file} is not a valid MD5 file: line {line} cannot be read "
                        "(“{text}”). Each line must be an MD5 and a file name, as md5sum "
                        "writes them."
                    ),
                    file=path.name, line=first.line, text=first.text[:80],
                ),
                error=True,
            )  # fmt: skip
            return
        except (OSError, UnicodeDecodeError) as error:
            text = Message(N_("Cannot read {file} ({error})."), file=path.name, error=str(error))
            self.say(self.message, text, error=True)
            return
        # composed (NFC) on both sides: a manifest written on macOS may spell names decomposed
        by_name = {composed(e.name.lstrip("./").lstrip("*")): e.md5 for e in entries}
        by_base = {PurePosixPath(name).name: md5 for name, md5 in by_name.items()}
        matched = mismatched = 0
        for row, file in enumerate(self.model.rows):
            stated = by_name.get(str(file.remote)) or by_base.get(composed(file.local.name))
            if stated is None:
                continue
            file.manifest_md5 = stated
            matched += 1
            if file.md5 and file.md5 != stated:
                mismatched += 1
            self.model.touch(row)
        await self.check_now()
        text = Message(
            N_("{file}: {matched} of {total} files listed; {mismatched} with a different MD5."),
            file=path.name, matched=matched, total=len(self.model.rows), mismatched=mismatched,
        )  # fmt: skip
        self.say(self.message, text, error=bool(mismatched))

    def choose_export(self) -> None:
        self.spawn(self._choose_export())

    async def _choose_export(self) -> None:
        _ = self.i18n.gettext
        path = await dialogs.save_file_name(
            self, _("Save MD5 file"), "md5sum.txt", _("MD5 files (*.md5 *.txt);;All files (*)")
        )
        if path:
            await self._export(Path(path))

    def export_manifest(self, path: Path) -> asyncio.Task[None]:
        return self.spawn(self._export(path))

    async def _export(self, path: Path) -> None:
        _ = self.i18n.gettext
        entries = [(str(f.remote), f.md5) for f in self.model.rows if f.md5]
        missing = sum(1 for f in self.model.rows if not f.md5)
        try:
            await asyncio.to_thread(write_manifest, path, entries)
        except OSError as error:
            self.say(
                self.message,
                Message(
                    N_("Cannot save {file} ({error}). Choose another folder."),
                    file=path.name, error=error.strerror or str(error),
                ),
                error=True,
            )  # fmt: skip
            return
        saved = Message(N_("Saved {count} MD5s to {file}."), count=len(entries), file=str(path))
        left = Message(N_("{count} files are not hashed yet and were left out."), count=missing)
        self.say(self.message, Joined((saved, left) if missing else (saved,)))

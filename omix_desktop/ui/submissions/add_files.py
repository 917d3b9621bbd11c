"""Adding files to a submitted dataset: from the pre-upload area, or sent online.

Each new file needs its MD5 from this computer (the archive checks it against
its own): for pre-uploaded files it comes from the transfer engine, for files
sent online it is computed here, in a worker thread, before sending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.client import ApiClient
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import md5_file


class PreuploadPicker(QDialog):
    """Tick pre-uploaded files (valid, complete, not yet in a dataset)."""

    def __init__(self, parent: QWidget, tr: Translator, paths: list[str]) -> None:
        super().__init__(parent)
        _ = tr.gettext
        self.setWindowTitle(_("Add files from the pre-upload area"))
        self.list = QListWidget()
        for path in paths:
            item = QListWidgetItem(path)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        intro = QLabel(
            _("Tick the files to add. Their MD5s come from this computer's uploads.")
            if paths
            else _("No file in your pre-upload area can be added: upload files first.")
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [
            self.list.item(row).text()
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]


def addable(listing: list[Any]) -> list[str]:
    """Pre-uploaded files a dataset can take now."""
    return sorted(
        item.path
        for item in listing
        if item.valid and item.state == "complete" and not item.selected_by
    )


def ftp_entries(
    paths: list[str], engine_md5: Mapping[str, str], data_type: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries for files whose MD5 this computer knows, and the paths it does not."""
    entries, unknown = [], []
    for path in paths:
        md5 = engine_md5.get(path)
        if md5 is None:
            unknown.append(path)
            continue
        entries.append(
            {"source": "ftp", "path": path, "title": Path(path).name, "samples": 1,
             "md5": md5, "data_type": data_type}
        )  # fmt: skip
    return entries, unknown


async def online_entries(api: ApiClient, files: list[Path], data_type: str) -> list[dict[str, Any]]:
    """Hash each file here, send it over HTTPS, and describe it for the dataset."""
    entries = []
    for path in files:
        md5 = await asyncio.to_thread(md5_file, path)
        upload = await asyncio.to_thread(api.upload_online, path)
        entries.append(
            {"source": "http", "upload": upload.token, "title": path.name, "samples": 1,
             "md5": md5, "data_type": data_type}
        )  # fmt: skip
    return entries

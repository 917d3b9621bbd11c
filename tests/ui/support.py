"""Helpers for the UI tests: an in-memory keyring, running the qasync loop, walking widgets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QMenuBar,
    QTreeWidget,
    QWidget,
)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: tests never touch the system's keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("not stored")


def run_until(
    loop: asyncio.AbstractEventLoop, predicate: Callable[[], Any], timeout: float = 20.0
) -> None:
    """Run the qasync loop (and so Qt's) until ``predicate()`` is true."""

    async def wait() -> None:
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
            await asyncio.sleep(0.02)

    loop.run_until_complete(wait())


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every user-visible text under ``root``: widget texts,
    placeholders, tooltips, titles, combo items, list and tree items, menus and actions.
    The content of editable fields (what the user typed) is left out."""
    widgets = [root, *root.findChildren(QWidget)]
    for position, widget in enumerate(widgets):
        parent = widget.parentWidget()
        if (
            isinstance(widget, QMenu)
            and isinstance(parent, QMenuBar)
            and widget.menuAction() not in parent.actions()
        ):
            continue  # the menu bar's overflow menu: repeats the menus, depends on width
        name = f"{position}:{type(widget).__name__}:{widget.objectName() or '?'}"
        if widget.toolTip():
            yield f"{name}.toolTip", widget.toolTip()
        if widget.isWindow() and widget.windowTitle():
            yield f"{name}.windowTitle", widget.windowTitle()
        if widget.accessibleName():
            yield f"{name}.accessibleName", widget.accessibleName()
        if isinstance(widget, QLabel | QAbstractButton) and widget.text():
            yield f"{name}.text", widget.text()
        if isinstance(widget, QLineEdit) and widget.placeholderText():
            yield f"{name}.placeholder", widget.placeholderText()
        if isinstance(widget, QGroupBox) and widget.title():
            yield f"{name}.title", widget.title()
        if isinstance(widget, QComboBox):
            for index in range(widget.count()):
                yield f"{name}.item{index}", widget.itemText(index)
        if isinstance(widget, QListWidget):
            for index in range(widget.count()):
                yield f"{name}.item{index}", widget.item(index).text()
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            for column in range(widget.columnCount()):
                yield f"{name}.header{column}", header.text(column)
            for row in range(widget.topLevelItemCount()):
                item = widget.topLevelItem(row)
                for column in range(widget.columnCount()):
                    yield f"{name}.row{row}.{column}", item.text(column)
        if isinstance(widget, QMenu):
            yield f"{name}.title", widget.title()
        for index, action in enumerate(widget.actions()):
            if action.text() and not action.isSeparator():
                yield f"{name}.action{index}", action.text()
    if isinstance(root, QMainWindow):
        for index, action in enumerate(root.menuBar().actions()):
            yield f"menubar.action{index}", action.text()

"""Screens not built yet: say what they will do, and that they come later."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.base import Screen
from omix_desktop.ui.context import AppContext

Text = Callable[[Translator], str]


class ComingLaterScreen(Screen):
    """A clear "coming in a later version" page with the screen's purpose."""

    def __init__(
        self,
        context: AppContext,
        key: str,
        title: Text,
        purpose: Text,
        parent: QWidget | None = None,
    ) -> None:
        self.key = key  # instance attribute: one class serves several screens
        super().__init__(context, parent)
        self._title = title
        self._purpose = purpose
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.purpose = QLabel()
        self.purpose.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: palette(mid); font-style: italic;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(self.heading)
        layout.addWidget(self.purpose)
        layout.addSpacing(12)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.retranslate()

    def nav_title(self) -> str:
        return self._title(self.i18n)

    def retranslate(self) -> None:
        self.heading.setText(self._title(self.i18n))
        self.purpose.setText(self._purpose(self.i18n))
        self.notice.setText(self.i18n.gettext("This screen is coming in a later version."))


def _purposes() -> dict[str, tuple[Text, Text]]:
    return {
        "prepare": (
            lambda tr: tr.gettext("Prepare files"),
            lambda tr: tr.gettext(
                "Add files and folders, check their names against the archive's rules, "
                "compute their MD5 checksums in the background and send them to the "
                "transfer queue."),
        ),
        "transfers": (
            lambda tr: tr.gettext("Transfers"),
            lambda tr: tr.gettext(
                "Queued, failed and successful uploads, each with progress, speed and time "
                "left; retry, pause, resume and cancel."),
        ),
        "new_dataset": (
            lambda tr: tr.gettext("New dataset"),
            lambda tr: tr.gettext(
                "Fill in the dataset's information, select its uploaded files, choose the "
                "BioProject and the release date, and submit."),
        ),
        "submissions": (
            lambda tr: tr.gettext("My submissions"),
            lambda tr: tr.gettext(
                "Follow your datasets through verification, curation and release; edit "
                "them, release early and share reviewer links."),
        ),
        "released": (
            lambda tr: tr.gettext("Released data"),
            lambda tr: tr.gettext(
                "Browse and search released datasets and download their files."),
        ),
    }  # fmt: skip


def later(context: AppContext, key: str) -> ComingLaterScreen:
    """The placeholder for the screen ``key`` (one of :func:`_purposes`)."""
    title, purpose = _purposes()[key]
    return ComingLaterScreen(context, key, title, purpose)

"""Settings and help: language, connection, log file and support bundle, network check."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from omix_desktop import version
from omix_desktop.config import TLS_MODES, describe
from omix_desktop.i18n.errors import check_name_label, check_result_message
from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import LANGUAGES, N_
from omix_desktop.logs import make_support_bundle
from omix_desktop.netcheck import CheckResult, Status, Target, run_network_check
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import Screen, message_label, show_message
from omix_desktop.ui.context import AppContext

log = logging.getLogger(__name__)

_ICONS = {
    Status.OK: QStyle.StandardPixmap.SP_DialogApplyButton,
    Status.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Status.FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Status.SKIPPED: QStyle.StandardPixmap.SP_MessageBoxInformation,
}
_COLOURS = {Status.WARNING: "#9a5b00", Status.FAILED: "#b00020"}
WARNING_STYLE = "color: #9a5b00; font-weight: 600;"


class SettingsScreen(Screen):
    """Settings and help.

    Attributes (for tests): language_combo, server_edit, ftp_port_spin, tls_combo,
    save_button, notify_check, log_path_edit, bundle_button, check_button,
    check_results (QTreeWidget),
    results (the last network check's :class:`CheckResult` list).
    """

    key = "settings"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.results: list[CheckResult] = []
        self._checking = False
        self._saved_note = ""

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 18pt; font-weight: 600;")

        boxes = (
            self._build_language_box(),
            self._build_connection_box(),
            self._build_notify_box(),
            self._build_support_box(),
            self._build_check_box(),
        )
        body = QWidget()
        body.setMaximumWidth(900)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(32, 24, 32, 24)
        body_layout.addWidget(self.heading)
        for box in boxes:
            body_layout.addWidget(box)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.load_from_settings()
        context.session.changed.connect(self.load_from_settings)
        context.language.changed.connect(self._sync_language_combo)
        self.retranslate()

    def _build_language_box(self) -> QGroupBox:
        """The interface language (switches at once)."""
        self.language_box = QGroupBox()
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("language")
        for language in LANGUAGES.values():
            self.language_combo.addItem(language.native_name, language.code)
        self.language_combo.currentIndexChanged.connect(self._language_chosen)
        self.language_label = QLabel()
        self.language_label.setBuddy(self.language_combo)
        language_form = QFormLayout(self.language_box)
        language_form.addRow(self.language_label, self.language_combo)
        return self.language_box

    def _build_connection_box(self) -> QGroupBox:
        """Server address, FTP port and encryption."""
        self.connection_box = QGroupBox()
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("server")
        self.ftp_port_spin = QSpinBox()
        self.ftp_port_spin.setObjectName("ftp_port")
        self.ftp_port_spin.setRange(1, 65535)
        self.tls_combo = QComboBox()
        self.tls_combo.setObjectName("tls")
        for mode in TLS_MODES:
            self.tls_combo.addItem("", mode)
        self.save_button = QPushButton()
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save_connection)
        self.connection_message = message_label()
        self.server_label, self.ftp_port_label, self.tls_label = QLabel(), QLabel(), QLabel()
        self.server_label.setBuddy(self.server_edit)
        self.ftp_port_label.setBuddy(self.ftp_port_spin)
        self.tls_label.setBuddy(self.tls_combo)
        connection_form = QFormLayout(self.connection_box)
        connection_form.addRow(self.server_label, self.server_edit)
        connection_form.addRow(self.ftp_port_label, self.ftp_port_spin)
        connection_form.addRow(self.tls_label, self.tls_combo)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.connection_message)
        save_row.addStretch(1)
        connection_form.addRow(save_row)
        return self.connection_box

    def _build_notify_box(self) -> QGroupBox:
        """Notifications when transfers finish or fail (tray, or the status bar)."""
        self.notify_box = QGroupBox()
        self.notify_check = QCheckBox()
        self.notify_check.setObjectName("notifications")
        self.notify_check.setChecked(self.context.settings.notifications)
        self.notify_check.toggled.connect(self._notifications_toggled)
        QVBoxLayout(self.notify_box).addWidget(self.notify_check)
        return self.notify_box

    def _notifications_toggled(self, on: bool) -> None:
        self.context.settings.notifications = on
        self.context.save_settings()

    def _build_support_box(self) -> QGroupBox:
        """Where the log is, and a support bundle to send."""
        self.support_box = QGroupBox()
        self.log_path_edit = QLineEdit(str(self.context.paths.log_file))
        self.log_path_edit.setObjectName("log_path")
        self.log_path_edit.setReadOnly(True)
        self.log_label = QLabel()
        self.log_label.setBuddy(self.log_path_edit)
        self.open_logs_button = QPushButton()
        self.open_logs_button.setObjectName("open_logs")
        self.open_logs_button.clicked.connect(self.open_log_folder)
        self.bundle_button = QPushButton()
        self.bundle_button.setObjectName("support_bundle")
        self.bundle_button.clicked.connect(self.choose_bundle_path)
        self.support_message = message_label()
        support_form = QFormLayout(self.support_box)
        support_form.addRow(self.log_label, self.log_path_edit)
        support_row = QHBoxLayout()
        support_row.addWidget(self.open_logs_button)
        support_row.addWidget(self.bundle_button)
        support_row.addStretch(1)
        support_form.addRow(support_row)
        support_form.addRow(self.support_message)
        return self.support_box

    def _build_check_box(self) -> QGroupBox:
        """The network check and its results."""
        self.check_box = QGroupBox()
        self.check_intro = QLabel()
        self.check_intro.setWordWrap(True)
        self.check_button = QPushButton()
        self.check_button.setObjectName("network_check")
        self.check_button.clicked.connect(self.run_check)
        self.check_results = QTreeWidget()
        self.check_results.setObjectName("check_results")
        self.check_results.setColumnCount(2)
        self.check_results.setRootIsDecorated(False)
        self.check_results.setWordWrap(True)
        self.check_results.setMinimumHeight(160)
        header = self.check_results.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.check_status = message_label()
        check_layout = QVBoxLayout(self.check_box)
        check_layout.addWidget(self.check_intro)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.check_status)
        check_row.addStretch(1)
        check_layout.addLayout(check_row)
        check_layout.addWidget(self.check_results)
        return self.check_box

    def nav_title(self) -> str:
        return self.i18n.gettext("Settings")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("Settings and help"))
        self.language_box.setTitle(_("Language"))
        self.language_label.setText(_("Interface language"))
        self.language_combo.setToolTip(describe("language", self.i18n))
        self.connection_box.setTitle(_("Connection"))
        self.server_label.setText(_("Server address"))
        self.server_edit.setPlaceholderText(_("Local reference server (started by this app)"))
        self.server_edit.setToolTip(describe("server_url", self.i18n))
        self.ftp_port_label.setText(_("FTP port"))
        self.ftp_port_spin.setToolTip(describe("ftp_port", self.i18n))
        self.tls_label.setText(_("FTP encryption"))
        self.tls_combo.setToolTip(describe("tls_mode", self.i18n))
        tls_names = {
            "auto": _("Automatic (use it when the server offers it)"),
            "on": _("Always (refuse plain FTP)"),
            "off": _("Off (plain FTP)"),
        }
        for index in range(self.tls_combo.count()):
            self.tls_combo.setItemText(index, tls_names[self.tls_combo.itemData(index)])
        self.save_button.setText(_("Save connection settings"))
        self.notify_box.setTitle(_("Notifications"))
        self.notify_check.setText(_("Notify me when transfers finish or fail"))
        self.notify_check.setToolTip(describe("notifications", self.i18n))
        self.support_box.setTitle(_("Log file and support"))
        self.log_label.setText(_("Log file"))
        self.open_logs_button.setText(_("Open log folder"))
        self.bundle_button.setText(_("Create support bundle…"))
        self.bundle_button.setToolTip(
            _(
                "A zip file of the logs, with passwords and tokens removed, to send to the "
                "archive's administrator."
            )
        )
        self.check_box.setTitle(_("Network check"))
        self.check_intro.setText(
            _(
                "Tests the server's web service, its FTP port, encryption (AUTH TLS), the FTP "
                "sign-in and a passive data connection, and explains what is wrong."
            )
        )
        self.check_button.setText(_("Run network check"))
        self.check_results.setHeaderLabels([_("Check"), _("Result")])
        self._render_results()
        self._show_summary()
        if self._checking:
            self.say(self.check_status, Message(N_("Checking…")))
        if self._saved_note == "saved":
            self.say(self.connection_message, Message(N_("Saved.")))

    # -- language -----------------------------------------------------------------------

    def _sync_language_combo(self, code: str) -> None:
        index = self.language_combo.findData(code)
        if index >= 0 and index != self.language_combo.currentIndex():
            self.language_combo.blockSignals(True)
            self.language_combo.setCurrentIndex(index)
            self.language_combo.blockSignals(False)

    def _language_chosen(self, index: int) -> None:
        code = self.language_combo.itemData(index)
        if code and code != self.i18n.language:
            self.context.settings.language = code
            self.context.save_settings()
            self.i18n.set_language(code)

    # -- connection ---------------------------------------------------------------------

    def load_from_settings(self) -> None:
        settings = self.context.settings
        self._sync_language_combo(self.i18n.language)
        if not self.server_edit.hasFocus():
            self.server_edit.setText(settings.server_url)
        self.ftp_port_spin.setValue(self.context.session.ftp_port)
        self.ftp_port_spin.setEnabled(not self.context.session.uses_local_server)
        index = self.tls_combo.findData(settings.tls_mode)
        self.tls_combo.setCurrentIndex(max(index, 0))

    def save_connection(self) -> None:
        settings = self.context.settings
        url = self.server_edit.text().strip().rstrip("/")
        changed = url != settings.server_url
        settings.server_url = url
        if url:
            settings.ftp_port = self.ftp_port_spin.value()
        settings.tls_mode = str(self.tls_combo.currentData())
        self.context.save_settings()
        self._saved_note = "saved"
        self.say(self.connection_message, Message(N_("Saved.")))
        if changed:
            self.spawn(self.context.session.server_changed())

    # -- logs ---------------------------------------------------------------------------

    def open_log_folder(self) -> None:
        folder = self.context.paths.log_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def choose_bundle_path(self) -> None:
        self.spawn(self._choose_bundle_path())

    async def _choose_bundle_path(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        suggested = Path.home() / f"omix-support-{stamp}.zip"
        path = await dialogs.save_file_name(
            self, self.i18n.gettext("Save support bundle"), str(suggested),
            self.i18n.gettext("Zip files (*.zip)"),
        )  # fmt: skip
        if path:
            await self.create_bundle(Path(path))

    async def create_bundle(self, destination: Path) -> Path:
        import asyncio

        from PySide6 import __version__ as qt_version

        secrets = self.context.redactor.secrets if self.context.redactor else frozenset()
        about = {"omix-desktop": version(), "PySide6": qt_version, "language": self.i18n.language}
        result = await asyncio.to_thread(
            make_support_bundle, self.context.paths.log_dir, destination,
            about=about, secrets=secrets,
        )  # fmt: skip
        self.say(
            self.support_message, Message(N_("Support bundle saved to {path}."), path=str(result))
        )
        return result

    # -- network check ------------------------------------------------------------------

    def run_check(self) -> None:
        if not self._checking:
            self.spawn(self.network_check())

    async def network_check(self) -> list[CheckResult]:
        session = self.context.session
        self._checking = True
        self.check_button.setEnabled(False)
        self.results = []
        self._render_results()
        self.say(self.check_status, Message(N_("Checking…")))
        try:
            if session.uses_local_server:
                await session.ensure_server()
            credentials = session.ftp_credentials
            target = Target(
                server_url=session.server_url or self.context.settings.server_url,
                ftp_port=session.ftp_port,
                user=credentials[0] if credentials else None,
                password=credentials[1] if credentials else None,
                tls_mode=self.context.settings.tls_mode,
            )

            def add(result: CheckResult) -> None:
                self.results.append(result)
                self._render_results()

            await run_network_check(target, on_result=add)
        finally:
            self._checking = False
            self.check_button.setEnabled(True)
        self._show_summary()
        return self.results

    def _show_summary(self) -> None:
        """One line over the results: failed, works but unsafely (a warning), or all fine."""
        if self._checking or not self.results:
            return
        _ = self.i18n.gettext
        statuses = {result.status for result in self.results}
        if Status.FAILED in statuses:
            self.say(self.check_status, Message(N_("Some checks failed; see below.")), error=True)
        elif Status.WARNING in statuses:
            text = _("It works, but with a warning: read it below before you upload.")
            show_message(self.check_status, text)
            self.check_status.setStyleSheet(WARNING_STYLE)
        else:
            self.say(self.check_status, Message(N_("Everything works.")))

    def _render_results(self) -> None:
        self.check_results.clear()
        style = self.style()
        for result in self.results:
            item = QTreeWidgetItem(
                [
                    check_name_label(result.check, self.i18n),
                    check_result_message(result.code, result.params, self.i18n),
                ]
            )
            item.setIcon(0, style.standardIcon(_ICONS[result.status]))
            if result.status in _COLOURS:  # a warning is never shown as a success
                for column in (0, 1):
                    item.setForeground(column, QBrush(QColor(_COLOURS[result.status])))
            item.setData(0, 256, result.status.value)  # Qt.UserRole
            item.setToolTip(1, result.detail)
            self.check_results.addTopLevelItem(item)

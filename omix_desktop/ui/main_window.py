"""The main window: navigation between screens, menus, status bar, remembered geometry.

Also where the finished-app parts meet: the sidebar's icons and the window icon
(``ui/look.py``, following dark mode), overall transfer progress in the status
bar (a progress bar screen readers announce) and in the tray icon
(``ui/tray.py``), Ctrl+1…Ctrl+7 to go to a screen, and each screen's tab order
and accessible names (``ui/accessibility.py``), redone after a language switch.
"""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QTableView,
    QWidget,
)

from omix_desktop import version
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import LANGUAGES
from omix_desktop.ui import dialogs
from omix_desktop.ui.accessibility import layout_order, name_controls, order_tabs
from omix_desktop.ui.base import Screen
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.look import APP_TITLE, look_for
from omix_desktop.ui.screens import work_screens
from omix_desktop.ui.settings_screen import SettingsScreen
from omix_desktop.ui.sign_in import SignInScreen
from omix_desktop.ui.transfer_summary import TransferSummary
from omix_desktop.ui.tray import Tray

log = logging.getLogger(__name__)

__all__ = ["APP_TITLE", "MainWindow"]

NAV_ICON = 20
"""Sidebar icon size in logical pixels (Qt scales them to the screen)."""


class MainWindow(QMainWindow):
    """Navigation on the left, the current screen on the right.

    Attributes:
        screens: ``{key: Screen}`` in navigation order; nav: the QListWidget;
        stack: the QStackedWidget; language_actions: ``{code: QAction}``;
        go_actions: ``{key: QAction}`` (Ctrl+1…); progress: the status bar's overall
        transfer progress; summary: the :class:`TransferSummary`; tray: the :class:`Tray`.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("main_window")
        self.sign_in = SignInScreen(context)
        self.settings_screen = SettingsScreen(context)
        ordered: list[Screen] = [self.sign_in, *work_screens(context), self.settings_screen]
        self.screens: dict[str, Screen] = {screen.key: screen for screen in ordered}

        self.look = look_for()
        self.setWindowIcon(self.look.app_icon())
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(NAV_ICON, NAV_ICON))
        self.nav.setSpacing(2)
        self.stack = QStackedWidget()
        for screen in ordered:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, screen.key)
            item.setIcon(self.look.icon(screen.key))
            self.nav.addItem(item)
            self.stack.addWidget(screen)
        self.nav.currentRowChanged.connect(self._show_row)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.session_label = QLabel()
        self.session_label.setObjectName("session_status")
        self.progress = QProgressBar()
        self.progress.setObjectName("overall_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        self.progress.setVisible(False)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.session_label)
        self.summary = TransferSummary(context, self)
        self.summary.changed.connect(self._progress_changed)

        self._build_menus()
        self.tray = Tray(context, self.summary, self, self.close, self)
        self.look.changed.connect(self._icons_changed)
        context.language.changed.connect(self.retranslate)
        context.session.changed.connect(self._session_changed)
        context.session.expired.connect(self._session_expired)
        self.nav.setCurrentRow(0)
        self.resize(1000, 700)
        self.restore_geometry()
        self.retranslate()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.bundle_action = QAction(self)
        self.bundle_action.triggered.connect(self._support_bundle)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.bundle_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.language_menu = bar.addMenu("")
        self.language_menu.setObjectName("language_menu")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for language in LANGUAGES.values():
            action = QAction(language.native_name, self)  # each language in its own name
            action.setCheckable(True)
            action.setData(language.code)
            action.triggered.connect(lambda _checked=False, code=language.code: self.choose(code))
            group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[language.code] = action

        self.go_menu = bar.addMenu("")
        self.go_menu.setObjectName("go_menu")
        self.go_actions: dict[str, QAction] = {}
        for number, key in enumerate(self.screens, start=1):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, k=key: self._go(k))
            self.go_menu.addAction(action)
            self.go_actions[key] = action

        self.help_menu = bar.addMenu("")
        self.about_action = QAction(self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._about)
        self.help_menu.addAction(self.about_action)

    def retranslate(self) -> None:
        _ = self.context.translator.gettext
        self.statusBar().clearMessage()  # a passing notice in the old language goes with it
        self.file_menu.setTitle(_("&File"))
        self.bundle_action.setText(_("Create support bundle…"))
        self.quit_action.setText(_("&Quit"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About OMIX Desktop"))
        self.nav.setAccessibleName(_("Screens"))
        self.go_menu.setTitle(_("&Go"))
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            screen = self.screens[item.data(Qt.ItemDataRole.UserRole)]
            item.setText(screen.nav_title())
            self.go_actions[screen.key].setText(screen.nav_title())
        self._size_nav()
        for code, action in self.language_actions.items():
            action.setChecked(code == self.context.translator.language)
        self.progress.setAccessibleName(_("Overall transfer progress"))
        self._progress_changed()
        self._update_title()
        self._session_changed()
        self.update_keyboard_order()

    def update_keyboard_order(self) -> None:
        """Tab order in layout order and accessible names on every screen (also after
        a language switch: names taken from labels follow them)."""
        order_tabs(self.centralWidget())
        for screen in self.screens.values():
            name_controls(screen)
            order_tabs(screen)
        name_controls(self)

    def _size_nav(self) -> None:
        """As wide as the longest screen name in this language (no pixel-fixed width)."""
        metrics = self.nav.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(self.nav.item(r).text()) for r in range(self.nav.count())),
            default=0,
        )
        padding = metrics.averageCharWidth() * 6
        self.nav.setFixedWidth(max(metrics.averageCharWidth() * 18, widest + NAV_ICON + padding))

    def _icons_changed(self) -> None:
        """The palette changed (dark mode): the sidebar's icons in the new text colour."""
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            item.setIcon(self.look.icon(item.data(Qt.ItemDataRole.UserRole)))

    def _progress_changed(self) -> None:
        percent = self.summary.percent()
        text = self.summary.text()
        self.progress.setVisible(percent is not None)
        self.progress.setValue(percent or 0)
        self.progress.setToolTip(text)
        self.progress.setAccessibleDescription(text)  # read with the value by screen readers

    def _update_title(self) -> None:
        screen = self.current_screen()
        self.setWindowTitle(f"{screen.nav_title()} — {APP_TITLE}" if screen else APP_TITLE)

    # -- navigation ---------------------------------------------------------------------

    def current_screen(self) -> Screen | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Screen) else None

    def show_screen(self, key: str) -> Screen:
        screen = self.screens[key]
        self.nav.setCurrentRow(list(self.screens).index(key))
        return screen

    def _go(self, key: str) -> None:
        """Ctrl+number: that screen, with the keyboard focus in it."""
        screen = self.show_screen(key)
        if screen.isAncestorOf(self.focusWidget()):
            return
        for widget in layout_order(screen):
            if widget.isVisible() and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        screen = self.current_screen()
        if screen is not None:
            screen.activated()
            name_controls(screen)
            order_tabs(screen)
        self._update_title()

    # -- language -----------------------------------------------------------------------

    def choose(self, code: str) -> None:
        """Switch the interface language now and remember the choice."""
        self.context.settings.language = code
        self.context.save_settings()
        self.context.translator.set_language(code)

    # -- session ------------------------------------------------------------------------

    def _session_changed(self) -> None:
        _ = self.context.translator.gettext
        session = self.context.session
        if session.user is not None:
            text = fill(_("Signed in as {email}"), {"email": session.user.email})
        else:
            text = _("Not signed in")
        self.session_label.setText(text)

    def _session_expired(self, _code: str) -> None:
        self.show_screen("sign_in")

    # -- menus --------------------------------------------------------------------------

    def _support_bundle(self) -> None:
        self.show_screen("settings")
        self.settings_screen.choose_bundle_path()

    def _about(self) -> None:
        _ = self.context.translator.gettext
        about = dialogs.inform(
            self,
            _("About OMIX Desktop"),
            _("Uploads data to the OMIX archive and follows it to release.")
            + "\n\n"
            + fill(_("Version {version}"), {"version": version()})
            + "\n"
            + fill(_("Log file: {path}"), {"path": str(self.context.paths.log_file)}),
        )
        self.context.spawn(about, owner=self)

    # -- geometry -----------------------------------------------------------------------

    def _tables(self) -> dict[str, QTableView]:
        """Every table of every screen, by ``screen/table`` name (stable across runs)."""
        return {
            f"{key}/{view.objectName()}": view
            for key, screen in self.screens.items()
            for view in screen.findChildren(QTableView)
            if view.objectName()
        }

    def restore_geometry(self) -> None:
        saved = self.context.settings.window_geometry
        if saved:
            self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii")))
        try:
            columns = json.loads(self.context.settings.table_columns or "{}")
        except ValueError:
            columns = {}
        for name, view in self._tables().items():
            state = columns.get(name) if isinstance(columns, dict) else None
            if isinstance(state, str):
                view.horizontalHeader().restoreState(QByteArray.fromBase64(state.encode("ascii")))

    def save_geometry(self) -> None:
        data = self.saveGeometry().toBase64().data().decode("ascii")
        self.context.settings.window_geometry = data
        columns = {
            name: view.horizontalHeader().saveState().toBase64().data().decode("ascii")
            for name, view in self._tables().items()
        }
        self.context.settings.table_columns = json.dumps(columns, sort_keys=True)
        self.context.save_settings()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.save_geometry()
        self.tray.close()
        super().closeEvent(event)

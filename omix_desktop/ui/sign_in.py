"""Sign in: server address, email, password, remember me, and registration."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.credentials import CredentialStore, StoreKind
from omix_desktop.api.errors import ApiError, AuthenticationError
from omix_desktop.i18n.errors import api_error_message, fill
from omix_desktop.keyring_text import where_is_my_password
from omix_desktop.local_server import LocalServerError
from omix_desktop.ui.base import FieldError, Screen, message_label, show_message, with_error
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.register_dialog import RegisterDialog

log = logging.getLogger(__name__)


class SignInScreen(Screen):
    """Signs the user in to the configured server (or the local reference server).

    Attributes (for tests and the other screens):
        server_edit, email_edit, password_edit, remember_box, sign_in_button,
        register_button, sign_out_button, message: the widgets.
    """

    key = "sign_in"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._busy = False
        self._status: tuple[str, bool] | None = None  # (what, is_error) shown in message
        self._last_error: ApiError | Exception | None = None

        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.intro = QLabel()
        self.intro.setWordWrap(True)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_form())
        self.pages.addWidget(self._build_signed_in())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(12)
        layout.addWidget(self.pages)
        layout.addStretch(1)

        context.session.changed.connect(self._session_changed)
        context.session.server_state.connect(self._server_state)
        context.session.expired.connect(self._expired)
        self._load_remembered()
        self.retranslate()

    # -- building -----------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        page = QWidget()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.server_edit = QLineEdit(self.context.settings.server_url)
        self.server_edit.setObjectName("server")
        self.server_edit.setClearButtonEnabled(True)
        self.server_note = QLabel()
        self.server_note.setWordWrap(True)
        self.server_note.setStyleSheet("color: palette(mid);")
        server_box = QWidget()
        server_layout = QVBoxLayout(server_box)
        server_layout.setContentsMargins(0, 0, 0, 0)
        server_layout.addWidget(self.server_edit)
        server_layout.addWidget(self.server_note)

        self.email_edit = QLineEdit(self.context.settings.last_email)
        self.email_edit.setObjectName("email")
        email_box, self.email_error = with_error(self.email_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        password_box, self.password_error = with_error(self.password_edit)

        self.remember_box = QCheckBox()
        self.remember_box.setObjectName("remember")
        self.remember_box.setChecked(self.context.settings.remember)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setMinimumWidth(360)
        self.keyring_note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.keyring_note.setObjectName("keyring_note")
        self.keyring_note.setVisible(False)
        self._keyring_failed = False
        """Storing failed once although a store exists: say it cannot remember."""
        self.remember_box.toggled.connect(self._show_keyring_note)

        self.server_label = QLabel()
        self.email_label = QLabel()
        self.password_label = QLabel()
        for label, field in (
            (self.server_label, self.server_edit),
            (self.email_label, self.email_edit),
            (self.password_label, self.password_edit),
        ):
            label.setBuddy(field)
        self.form.addRow(self.server_label, server_box)
        self.form.addRow(self.email_label, email_box)
        self.form.addRow(self.password_label, password_box)
        self.form.addRow("", self.remember_box)
        self.form.addRow("", self.keyring_note)

        self.sign_in_button = QPushButton()
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.register_button = QPushButton()
        self.register_button.setObjectName("register")
        self.register_button.clicked.connect(self.open_register)
        self.password_edit.returnPressed.connect(self.sign_in)
        self.email_edit.returnPressed.connect(self.password_edit.setFocus)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.register_button)
        buttons.addStretch(1)

        self.message = message_label()
        self.message.setObjectName("message")

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        page.setMaximumWidth(640)
        QWidget.setTabOrder(self.server_edit, self.email_edit)
        QWidget.setTabOrder(self.email_edit, self.password_edit)
        QWidget.setTabOrder(self.password_edit, self.remember_box)
        QWidget.setTabOrder(self.remember_box, self.sign_in_button)
        QWidget.setTabOrder(self.sign_in_button, self.register_button)
        return page

    def _build_signed_in(self) -> QWidget:
        page = QWidget()
        self.signed_in_label = QLabel()
        self.signed_in_label.setObjectName("signed_in")
        self.signed_in_label.setWordWrap(True)
        self.signed_in_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sign_out_button = QPushButton()
        self.sign_out_button.setObjectName("sign_out")
        self.sign_out_button.clicked.connect(self.sign_out)
        row = QHBoxLayout()
        row.addWidget(self.sign_out_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.signed_in_label)
        layout.addLayout(row)
        return page

    # -- texts --------------------------------------------------------------------------

    def nav_title(self) -> str:
        return self.i18n.gettext("Sign in")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("Sign in to the archive"))
        self.intro.setText(
            _(
                "Use your archive account. The same email and password also sign you in to "
                "the FTP pre-upload service."
            )
        )
        self.server_label.setText(_("Server address"))
        self.server_edit.setPlaceholderText(_("Local reference server (started by this app)"))
        self.server_edit.setToolTip(
            _(
                "The archive's web address, for example https://archive.example.org. Leave it "
                "empty to use a reference server on this computer."
            )
        )
        self.server_edit.setAccessibleName(_("Server address"))
        self.email_label.setText(_("Email"))
        self.email_edit.setPlaceholderText(_("name@example.org"))
        self.email_edit.setAccessibleName(_("Email"))
        self.password_label.setText(_("Password"))
        self.password_edit.setAccessibleName(_("Password"))
        self.remember_box.setText(_("Remember me on this computer"))
        where = where_is_my_password(self.i18n)
        self.remember_box.setToolTip(where)
        self.remember_box.setAccessibleDescription(where)
        self._show_keyring_note()
        self.sign_in_button.setText(_("Sign in"))
        self.register_button.setText(_("Create an account…"))
        self.sign_out_button.setText(_("Sign out"))
        self._update_server_note()
        self._update_signed_in()
        self._show_status()

    def _update_server_note(self) -> None:
        _ = self.i18n.gettext
        session = self.context.session
        if self.server_edit.text().strip():
            self.server_note.setText("")
            self.server_note.setVisible(False)
            return
        if session.local_server is not None and session.local_server.shared:
            text = fill(
                _(
                    "Another OMIX Desktop on this computer already runs the local reference "
                    "server at {url}; this window uses it. It stops when that app quits."
                ),
                {"url": session.local_server.url},
            )
        elif session.local_server is not None and session.local_server.running:
            text = fill(
                _("A local reference server runs at {url}."), {"url": session.local_server.url}
            )
        else:
            text = _("The app starts a reference server on this computer when you sign in.")
        self.server_note.setText(text)
        self.server_note.setVisible(True)

    def _update_signed_in(self) -> None:
        session = self.context.session
        user = session.user
        if user is None:
            self.pages.setCurrentIndex(0)
            return
        self.signed_in_label.setText(
            fill(
                self.i18n.gettext("Signed in as {name} ({email}) on {server}."),
                {
                    "name": user.display_name,
                    "email": user.email,
                    "server": session.server_url or "",
                },
            )
        )
        self.pages.setCurrentIndex(1)

    def _set_status(self, what: str | None, error: bool = False) -> None:
        self._status = (what, error) if what else None
        self._show_status()

    def _show_status(self) -> None:
        """Re-render the current message in the current language."""
        _ = self.i18n.gettext
        if self._status is None:
            show_message(self.message, "")
            return
        what, error = self._status
        texts = {
            "signing_in": lambda: _("Signing in…"),
            "starting_server": lambda: _("Starting the local reference server…"),
            "registered": lambda: _("Your account was created. Signing in…"),
            "server_failed": lambda: _(
                "The local reference server could not start. See the log file (Settings) "
                "for the reason."
            ),
            "expired": lambda: _("Your session has ended. Sign in again; queued uploads are kept."),
            "error": lambda: self._error_text(),
        }
        show_message(self.message, texts.get(what, lambda: what)(), error=error)

    def _error_text(self) -> str:
        error = self._last_error
        if isinstance(error, ApiError):
            return api_error_message(error, self.i18n)
        if isinstance(error, LocalServerError):
            return self.i18n.gettext(
                "The local reference server could not start. See the log file (Settings) for "
                "the reason."
            )
        return fill(self.i18n.gettext("Unexpected error: {detail}"), {"detail": str(error)})

    # -- remember me --------------------------------------------------------------------

    def _store(self) -> CredentialStore:
        server = self.server_edit.text().strip() or "local"
        return self.context.credential_store(server)

    def _show_keyring_note(self, *_args: object) -> None:
        """Where the password is kept (named for this computer's store) while "Remember me"
        is ticked; that it cannot be kept when there is no store."""
        available = CredentialStore.available() and not self._keyring_failed
        kind = None if available else StoreKind.NONE
        self.keyring_note.setText(where_is_my_password(self.i18n, kind))
        self.keyring_note.setVisible(not available or self.remember_box.isChecked())

    def _load_remembered(self) -> None:
        available = CredentialStore.available()
        self._show_keyring_note()
        if not available:
            self.remember_box.setChecked(False)
            self.remember_box.setEnabled(False)
            return
        email = self.email_edit.text().strip()
        if self.remember_box.isChecked() and email:
            secret = self._store().load(email)
            if secret:
                self.context.remember_secret(secret)
                self.password_edit.setText(secret)

    def has_remembered_sign_in(self) -> bool:
        return bool(
            self.remember_box.isChecked() and self.email_edit.text() and self.password_edit.text()
        )

    def _remember(self, email: str, password: str) -> None:
        settings = self.context.settings
        store = self._store()
        if self.remember_box.isChecked():
            settings.remember = store.save(email, password)
            self._keyring_failed = not settings.remember
            self._show_keyring_note()
        else:
            store.forget(email)
            settings.remember = False
        settings.last_email = email
        self.context.save_settings()

    # -- actions ------------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for error in (self.email_error, self.password_error):
            error.clear_error()
        self._set_status(None)

    def _apply_server(self) -> bool:
        """Store the typed server address; True if it changed."""
        url = self.server_edit.text().strip().rstrip("/")
        if url == self.context.settings.server_url:
            return False
        self.context.settings.server_url = url
        self.context.save_settings()
        return True

    def sign_in(self) -> None:
        if self._busy:
            return
        email = self.email_edit.text().strip()
        password = self.password_edit.text()
        self._clear_errors()
        _ = self.i18n.gettext
        missing = False
        if not email:
            self.email_error.show_error(_("This field is required."))
            missing = True
        if not password:
            self.password_error.show_error(_("This field is required."))
            missing = True
        if missing:
            return
        self.spawn(self._sign_in(email, password))

    async def _sign_in(self, email: str, password: str) -> None:
        self._set_busy(True)
        self.context.remember_secret(password)
        try:
            if self._apply_server():
                await self.context.session.server_changed()
            if self.context.session.server_url is None:
                self._set_status("starting_server")
            else:
                self._set_status("signing_in")
            await self.context.session.sign_in(email, password)
        except ApiError as error:
            log.info("sign-in refused: %s", error.code)
            self._show_error(error)
        except LocalServerError as error:
            log.error("local server failed: %s\n%s", error, error.log_tail)
            self._last_error = error
            self._set_status("server_failed", error=True)
        else:
            self.context.remember_secret(
                self.context.session.api.token if self.context.session.api else None
            )
            self._remember(email, password)
            self._set_status(None)
            if not self.remember_box.isChecked():
                self.password_edit.clear()
        finally:
            self._set_busy(False)

    def _show_error(self, error: ApiError) -> None:
        self._last_error = error
        if isinstance(error, AuthenticationError) and error.code == "invalid_credentials":
            self.password_edit.selectAll()
            self.password_edit.setFocus()
        self._set_status("error", error=True)

    @property
    def busy(self) -> bool:
        """True while signing in (tests wait for it to end)."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.sign_in_button,
            self.register_button,
            self.server_edit,
            self.email_edit,
            self.password_edit,
        ):
            widget.setEnabled(not busy)

    def sign_out(self) -> None:
        self.spawn(self.context.session.sign_out())

    def open_register(self) -> RegisterDialog:
        """Show the registration form; on success sign in with the new account."""
        dialog = RegisterDialog(self.context, self)
        dialog.registered.connect(self._registered)
        dialog.setModal(True)
        dialog.open()
        return dialog

    def _registered(self, email: str, password: str) -> None:
        self.email_edit.setText(email)
        self.password_edit.setText(password)
        self._set_status("registered")
        self.spawn(self._sign_in(email, password))

    def _session_changed(self) -> None:
        self._update_signed_in()
        self._update_server_note()

    def _server_state(self, state: str) -> None:
        self._update_server_note()

    def _expired(self, code: str) -> None:
        self._set_status("expired", error=True)

    def fields(self) -> dict[str, FieldError]:
        return {"email": self.email_error, "password": self.password_error}

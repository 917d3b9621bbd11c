"""Registration: every field of the guide's form, errors shown next to their field.

Signals:
    registered(str, str): email and password of the new account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.errors import ApiError
from omix_desktop.api.models import Registration
from omix_desktop.i18n.errors import api_error_message, field_errors, fill
from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import N_, Translator
from omix_desktop.local_server import LocalServerError
from omix_desktop.ui.base import FieldError, Retranslatable, message_label, show_message, with_error
from omix_desktop.ui.context import AppContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    """The API's field name."""
    label: Callable[[Translator], str]
    required: bool
    section: str
    secret: bool = False


def form_fields() -> list[FormField]:
    """The guide's registration form, in its order (labels translated when shown)."""
    return [
        FormField("email", lambda tr: tr.gettext("Email"), True, "account"),
        FormField("password", lambda tr: tr.gettext("Password"), True, "account", True),
        FormField(
            "confirm_password", lambda tr: tr.gettext("Confirm password"), True, "account", True
        ),
        FormField("first_name", lambda tr: tr.gettext("First name"), True, "personal"),
        FormField("middle_name", lambda tr: tr.gettext("Middle name"), False, "personal"),
        FormField("last_name", lambda tr: tr.gettext("Last name"), True, "personal"),
        FormField("street_address", lambda tr: tr.gettext("Street address"), True, "personal"),
        FormField("city", lambda tr: tr.gettext("City"), True, "personal"),
        FormField("state_province", lambda tr: tr.gettext("State / Province"), False, "personal"),
        FormField("postal_code", lambda tr: tr.gettext("Postal code"), True, "personal"),
        FormField("country_region", lambda tr: tr.gettext("Country / Region"), True, "personal"),
        FormField(
            "organization", lambda tr: tr.gettext("Institute / Organization"), True, "institution"
        ),
        FormField("department", lambda tr: tr.gettext("Department"), True, "institution"),
        FormField("laboratory", lambda tr: tr.gettext("Laboratory"), False, "institution"),
        FormField(
            "title_position", lambda tr: tr.gettext("Title / Position"), False, "institution"
        ),
        FormField("research_area", lambda tr: tr.gettext("Research area"), False, "institution"),
    ]


MIN_PASSWORD = 8


class RegisterDialog(QDialog, Retranslatable):
    """The registration form.

    Attributes:
        edits: ``{field name: QLineEdit}``; errors: ``{field name: FieldError}``;
        message: the form-level message; buttons: OK ("Create account") / Cancel.
    """

    registered = Signal(str, str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("register_dialog")
        self.fields = form_fields()
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, FieldError] = {}
        self.labels: dict[str, QLabel] = {}
        self.sections: dict[str, QGroupBox] = {}
        self._problem: ApiError | None = None
        self._local_problems: dict[str, str] = {}
        self._busy = False

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        forms: dict[str, QFormLayout] = {}
        for section in ("account", "personal", "institution"):
            box = QGroupBox()
            box.setObjectName(f"section_{section}")
            forms[section] = QFormLayout(box)
            forms[section].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            self.sections[section] = box
            body_layout.addWidget(box)
        for item in self.fields:
            edit = QLineEdit()
            edit.setObjectName(item.name)
            if item.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            box, error = with_error(edit)
            label = QLabel()
            label.setBuddy(edit)
            forms[item.section].addRow(label, box)
            self.edits[item.name] = edit
            self.errors[item.name] = error
            self.labels[item.name] = label
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.message = message_label()
        self.message.setObjectName("message")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setObjectName("create_account")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 720)
        self._follow_language()
        self.retranslate()

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.setWindowTitle(_("Create an account"))
        self.intro.setText(
            _(
                "Fields marked with * are required. Your email and password will also be your "
                "FTP sign-in."
            )
        )
        self.sections["account"].setTitle(_("Account sign-in information"))
        self.sections["personal"].setTitle(_("Personal information"))
        self.sections["institution"].setTitle(_("Institutional information"))
        for item in self.fields:
            label = item.label(self.i18n)
            text = fill(_("{label} *"), {"label": label}) if item.required else label
            self.labels[item.name].setText(text)
            self.edits[item.name].setAccessibleName(label)
        self.edits["email"].setPlaceholderText(_("name@example.org"))
        self.edits["password"].setPlaceholderText(
            fill(_("At least {count} characters"), {"count": MIN_PASSWORD})
        )
        self.create_button.setText(_("Create account"))
        self.cancel_button.setText(_("Cancel"))
        self._render_problems()

    # -- validation ---------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {
            name: (edit.text() if name in {"password", "confirm_password"} else edit.text().strip())
            for name, edit in self.edits.items()
        }

    def _check_locally(self, values: dict[str, str]) -> dict[str, str]:
        """Problem codes found before asking the server (required, confirmation)."""
        problems: dict[str, str] = {}
        for item in self.fields:
            if item.required and not values[item.name]:
                problems[item.name] = "required"
        if values["password"] and values["password"] != values["confirm_password"]:
            problems["confirm_password"] = "mismatch"
        return problems

    def _local_text(self, code: str) -> str:
        _ = self.i18n.gettext
        if code == "mismatch":
            return _("The two passwords differ. Type the same password twice.")
        return _("This field is required.")

    def _render_problems(self) -> None:
        """Show the current problems (local and from the server) in the current language."""
        for error in self.errors.values():
            error.clear_error()
        server_fields: dict[str, str] = {}
        if self._problem is not None:
            server_fields = field_errors(self._problem, self.i18n)
        for name, text in server_fields.items():
            if name in self.errors:
                self.errors[name].show_error(text)
        for name, code in self._local_problems.items():
            self.errors[name].show_error(self._local_text(code))
        if self._problem is not None:
            unplaced = [name for name in server_fields if name not in self.errors]
            if not server_fields or unplaced:
                show_message(self.message, api_error_message(self._problem, self.i18n), error=True)
            else:
                show_message(
                    self.message,
                    self.i18n.gettext("Correct the fields marked in red, then try again."),
                    error=True,
                )
        elif self._local_problems:
            show_message(
                self.message,
                self.i18n.gettext("Correct the fields marked in red, then try again."),
                error=True,
            )
        elif self._busy:
            show_message(self.message, self.i18n.gettext("Creating the account…"))
        else:
            show_message(self.message, "")

    # -- submitting ---------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy:
            return
        values = self.values()
        self._problem = None
        self._local_problems = self._check_locally(values)
        self._render_problems()
        if self._local_problems:
            first = next(iter(self._local_problems))
            self.edits[first].setFocus()
            return
        form = Registration(**{k: v for k, v in values.items() if k != "confirm_password"})
        self.context.spawn(self._register(form), owner=self)

    async def _register(self, form: Registration) -> None:
        self._set_busy(True)
        self.context.remember_secret(form.password)
        try:
            await self.context.session.register(form)
        except ApiError as error:
            log.info("registration refused: %s (%s)", error.code, error.field)
            self._problem = error
            self._set_busy(False)
            for problem in error.problems:
                if problem.field in self.edits:
                    self.edits[problem.field].setFocus()
                    break
            return
        except LocalServerError as error:
            log.error("local server failed: %s\n%s", error, error.log_tail)
            self._set_busy(False)
            self.say(
                self.message,
                Message(
                    N_(
                        "The local reference server could not start. See the log "
                        "file (Settings) for the reason."
                    )
                ),
                error=True,
            )
            return
        self._set_busy(False)
        self.registered.emit(form.email, form.password)
        self.accept()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.create_button.setEnabled(not busy)
        self._render_problems()

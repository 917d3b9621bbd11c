"""Signing in, registering and remembering the sign-in, against the real server."""

from __future__ import annotations

import asyncio

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from omix_desktop.api.credentials import SERVICE
from omix_desktop.api.errors import AuthenticationError
from omix_desktop.local_server import free_port
from omix_desktop.ui.main_window import MainWindow
from omix_desktop.ui.register_dialog import RegisterDialog
from omix_desktop.ui.sign_in import SignInScreen
from tests.support.accounts import PASSWORD, new_user, registration
from tests.support.server import ServerProcess
from tests.ui.support import MemoryKeyring, run_until


def screen_for(context, qtbot: QtBot) -> SignInScreen:
    screen = SignInScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def sign_in(screen: SignInScreen, qtbot: QtBot, email: str, password: str) -> None:
    screen.email_edit.setText(email)
    screen.password_edit.setText(password)
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)


def test_sign_in_shows_the_account(context, qtbot: QtBot, loop, server: ServerProcess) -> None:
    user = new_user(server.api)
    screen = screen_for(context, qtbot)
    sign_in(screen, qtbot, user.email, user.password)
    run_until(loop, lambda: context.session.user is not None)
    assert context.session.user.email == user.email
    run_until(loop, lambda: screen.sign_in_button.isEnabled())
    assert screen.pages.currentIndex() == 1
    assert user.email in screen.signed_in_label.text()
    assert not screen.message.isVisible()
    assert context.session.ftp_credentials == (user.email, user.password)


def test_wrong_password_says_so(context, qtbot: QtBot, loop, server: ServerProcess) -> None:
    user = new_user(server.api)
    screen = screen_for(context, qtbot)
    sign_in(screen, qtbot, user.email, "not-the-password")
    run_until(loop, lambda: not screen.busy)
    assert screen.message.text().startswith("Wrong email or password.")
    assert context.session.user is None
    # the message follows the language
    context.translator.set_language("zh_CN")
    assert screen.message.text().startswith("邮箱或密码错误")


def test_empty_fields_are_marked_without_asking_the_server(context, qtbot: QtBot) -> None:
    screen = screen_for(context, qtbot)
    screen.email_edit.clear()
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    assert screen.email_error.isVisible()
    assert screen.email_error.text() == "This field is required."
    assert screen.password_error.text() == "This field is required."


def test_unreachable_server_is_explained(make_context, qtbot: QtBot, loop) -> None:
    context = make_context(server_url=f"http://127.0.0.1:{free_port()}")
    screen = screen_for(context, qtbot)
    sign_in(screen, qtbot, "someone@example.org", PASSWORD)
    run_until(loop, lambda: not screen.busy)
    assert screen.message.text().startswith("Cannot reach the server.")


def fill_registration(dialog: RegisterDialog, **overrides: str) -> None:
    email = overrides.pop("email", "x@example.org")
    confirm = overrides.pop("confirm_password", None)
    form = registration(email, **overrides)
    form["confirm_password"] = confirm if confirm is not None else form["password"]
    for name, edit in dialog.edits.items():
        edit.setText(str(form[name]))


def test_register_shows_server_errors_next_to_their_fields(context, qtbot: QtBot, loop) -> None:
    screen = screen_for(context, qtbot)
    dialog = screen.open_register()
    fill_registration(dialog, email="not-an-email", password="short", confirm_password="short")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: dialog.errors["email"].isVisible())
    assert dialog.errors["email"].text() == (
        "This is not a valid email address. Use the form name@example.org."
    )
    assert dialog.errors["password"].text() == "Too short: use at least 8 characters."
    others = [name for name, error in dialog.errors.items() if error.isVisible()]
    assert sorted(others) == ["email", "password"]
    assert dialog.isVisible()
    context.translator.set_language("zh_CN")
    assert dialog.errors["email"].text() == "邮箱地址无效。请使用 name@example.org 的格式。"
    assert dialog.errors["password"].text() == "过短：至少需要 8 个字符。"


def test_register_checks_required_fields_and_confirmation(context, qtbot: QtBot) -> None:
    screen = screen_for(context, qtbot)
    dialog = screen.open_register()
    fill_registration(dialog, city="", confirm_password="something-else")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["city"].text() == "This field is required."
    assert dialog.errors["confirm_password"].text().startswith("The two passwords differ.")
    assert dialog.labels["city"].text() == "City *"
    assert dialog.labels["middle_name"].text() == "Middle name"


def test_register_then_signed_in(context, qtbot: QtBot, loop, server: ServerProcess) -> None:
    screen = screen_for(context, qtbot)
    dialog = screen.open_register()
    fill_registration(dialog, email="registered-in-ui@example.org")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: context.session.user is not None)
    assert not dialog.isVisible()
    assert context.session.user.email == "registered-in-ui@example.org"
    assert context.session.user.research_area == "Genomics"


def test_email_taken_is_shown_on_the_email_field(
    context, qtbot: QtBot, loop, server: ServerProcess
) -> None:
    user = new_user(server.api)
    screen = screen_for(context, qtbot)
    dialog = screen.open_register()
    fill_registration(dialog, email=user.email)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: dialog.errors["email"].isVisible())
    assert dialog.errors["email"].text().startswith("An account with this email already exists.")


def test_remember_me_keeps_the_password_in_the_keyring(
    context, qtbot: QtBot, loop, server: ServerProcess, memory_keyring: MemoryKeyring
) -> None:
    user = new_user(server.api)
    screen = screen_for(context, qtbot)
    screen.remember_box.setChecked(True)
    sign_in(screen, qtbot, user.email, user.password)
    run_until(loop, lambda: context.session.user is not None and screen.sign_in_button.isEnabled())
    assert user.password in memory_keyring.secrets.values()
    assert context.settings.remember and context.settings.last_email == user.email
    assert context.config.load().remember  # saved to disk

    # the next start finds the sign-in
    later = screen_for(context, qtbot)
    assert later.email_edit.text() == user.email
    assert later.password_edit.text() == user.password
    assert later.has_remembered_sign_in()

    # signing in without "remember me" forgets it
    loop.run_until_complete(context.session.sign_out())
    later.remember_box.setChecked(False)
    sign_in(later, qtbot, user.email, user.password)
    run_until(loop, lambda: context.session.user is not None and later.sign_in_button.isEnabled())
    assert memory_keyring.secrets == {}
    assert keyring.get_password(SERVICE, f"{user.email}@{server.url}") is None


def test_without_a_secure_store_the_sign_in_is_not_remembered(context, qtbot: QtBot) -> None:
    keyring.set_keyring(fail.Keyring())
    screen = screen_for(context, qtbot)
    assert screen.keyring_note.isVisible()
    assert "no secure password store" in screen.keyring_note.text()
    assert not screen.remember_box.isEnabled()
    assert not screen.remember_box.isChecked()


def test_expired_session_asks_to_sign_in_again(
    context, qtbot: QtBot, loop, server: ServerProcess
) -> None:
    user = new_user(server.api)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    sign_in(window.sign_in, qtbot, user.email, user.password)
    run_until(loop, lambda: context.session.user is not None)
    window.show_screen("settings")
    api = context.session.api
    api.token = "revoked-or-expired-token"
    with pytest.raises(AuthenticationError) as caught:
        loop.run_until_complete(asyncio.to_thread(api.me))
    text = window.settings_screen.api_error_text(caught.value)
    assert "Sign in again" in text
    assert context.session.user is None
    assert window.current_screen() is window.sign_in
    assert window.sign_in.message.text() == (
        "Your session has ended. Sign in again; queued uploads are kept."
    )
    assert window.session_label.text() == "Not signed in"

"""The network check's encryption step, against the real server without and with FTP TLS.

A server that refuses ``AUTH TLS`` is a warning that says, in both languages,
that the password would travel unencrypted; with encryption required in the
settings it is a failure (every upload would be refused); a server with a
certificate is green.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from omix_desktop.netcheck import Check, Status
from omix_desktop.ui.settings_screen import SettingsScreen
from tests.support.accounts import new_user
from tests.support.server import ServerProcess
from tests.ui.support import run_until


def checked(context, loop, qtbot: QtBot) -> SettingsScreen:
    """The Settings screen after a click on Run network check, once all five steps are in."""
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    qtbot.mouseClick(screen.check_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: len(screen.results) == 5 and screen.check_button.isEnabled())
    return screen


def tls_row(screen: SettingsScreen):
    index = [result.check for result in screen.results].index(Check.FTP_TLS)
    return screen.results[index], screen.check_results.topLevelItem(index)


def test_no_tls_is_a_warning_that_the_password_travels_unencrypted(
    context, loop, qtbot: QtBot, server: ServerProcess
) -> None:
    user = new_user(server.api, prefix="plain")
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    screen = checked(context, loop, qtbot)
    result, item = tls_row(screen)
    assert (result.status, result.code) == (Status.WARNING, "tls_not_offered")
    assert item.data(0, 256) == "warning"
    assert item.text(1).startswith("Not encrypted:")
    assert "password and your files would travel over the network unencrypted" in item.text(1)
    assert item.foreground(1).color().name() == "#9a5b00"  # not the default (success) colour
    assert screen.check_status.text().startswith("It works, but with a warning")
    context.translator.set_language("zh_CN")
    _result, item = tls_row(screen)
    assert "未加密" in item.text(1) and "密码" in item.text(1)
    assert screen.check_status.text().startswith("可以使用，但有一项警告")
    context.translator.set_language("en")
    assert tls_row(screen)[1].text(1).startswith("Not encrypted:")


def test_no_tls_with_encryption_required_fails(
    make_context, loop, qtbot: QtBot, server: ServerProcess
) -> None:
    context = make_context(server=server, tls_mode="on")
    screen = checked(context, loop, qtbot)
    result, item = tls_row(screen)
    assert (result.status, result.code) == (Status.FAILED, "tls_not_offered_required")
    assert "every upload will be refused" in item.text(1)
    assert screen.check_status.text() == "Some checks failed; see below."


def test_a_server_with_tls_is_green(
    make_context, loop, qtbot: QtBot, own_server: ServerProcess, tmp_path: Path
) -> None:
    pytest.importorskip("cryptography")
    from tests.server.test_ftp_tls import make_certificate

    cert, key = make_certificate(tmp_path)
    own_server.extra_args = ["--ftp-tls-cert", str(cert), "--ftp-tls-key", str(key)]
    own_server.start()
    context = make_context(server=own_server, tls_mode="on")
    user = new_user(own_server.api, prefix="tls")
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    screen = checked(context, loop, qtbot)
    result, item = tls_row(screen)
    assert (result.status, result.code) == (Status.OK, "tls_offered")
    assert item.data(0, 256) == "ok"
    assert "unencrypted" not in item.text(1)
    assert [r.status for r in screen.results] == [Status.OK] * 5, screen.results
    assert screen.check_status.text() == "Everything works."

"""Settings: the network check against the real server and a closed port, logs, geometry."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from omix_desktop.local_server import free_port
from omix_desktop.netcheck import Status
from omix_desktop.ui.main_window import MainWindow
from omix_desktop.ui.settings_screen import SettingsScreen
from tests.support.accounts import new_user
from tests.support.server import ServerProcess
from tests.ui.support import run_until


def test_network_check_against_the_real_server_without_tls(
    context, qtbot: QtBot, loop, server: ServerProcess
) -> None:
    user = new_user(server.api)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    qtbot.mouseClick(screen.check_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: len(screen.results) == 5 and screen.check_button.isEnabled())
    assert [r.status for r in screen.results] == [
        Status.OK,
        Status.OK,
        Status.WARNING,
        Status.OK,
        Status.OK,
    ], screen.results  # the test server offers no TLS: never green (test_network_check_tls.py)
    assert [r.code for r in screen.results] == [
        "http_ok", "ftp_ok", "tls_not_offered", "login_ok", "passive_ok",
    ]  # fmt: skip
    assert screen.check_results.topLevelItemCount() == 5
    assert screen.check_status.text().startswith("It works, but with a warning")
    first = screen.check_results.topLevelItem(0)
    assert first.text(0) == "Web service (HTTP)"
    assert first.text(1) == f"The archive server answers at {server.url}."
    context.translator.set_language("zh_CN")
    assert screen.check_results.topLevelItem(0).text(0) == "网页服务（HTTP）"


def test_network_check_explains_a_closed_port(make_context, qtbot: QtBot, loop) -> None:
    port = free_port()
    context = make_context(server_url=f"http://127.0.0.1:{port}", ftp_port=free_port())
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    results = loop.run_until_complete(screen.network_check())
    assert results[0].status is Status.FAILED
    assert results[0].code == "http_unreachable"
    assert results[1].code == "ftp_unreachable"
    assert {r.status for r in results[2:]} == {Status.SKIPPED}
    text = screen.check_results.topLevelItem(0).text(1)
    assert text.startswith(f"Nothing answers at http://127.0.0.1:{port}. Check the server address")
    assert screen.check_status.text() == "Some checks failed; see below."


def test_network_check_without_sign_in_skips_the_ftp_login(context, qtbot: QtBot, loop) -> None:
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    results = loop.run_until_complete(screen.network_check())
    assert [r.status for r in results] == [
        Status.OK, Status.OK, Status.WARNING, Status.SKIPPED, Status.SKIPPED,
    ]  # fmt: skip
    assert screen.check_results.topLevelItem(3).text(1).startswith("Not tested: sign in first")


def test_connection_settings_are_saved(context, qtbot: QtBot, loop) -> None:
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    assert screen.log_path_edit.text() == str(context.paths.log_file)
    screen.tls_combo.setCurrentIndex(screen.tls_combo.findData("off"))
    screen.ftp_port_spin.setValue(2999)
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    saved = context.config.load()
    assert saved.tls_mode == "off"
    assert saved.ftp_port == 2999
    assert screen.connection_message.text() == "Saved."


def test_support_bundle_has_the_logs_without_secrets(
    context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    log_file = context.paths.log_file
    log_file.write_text("INFO login {'email': 'a@b.org', 'password': 'hunter2hunter2'}\n")
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    bundle = loop.run_until_complete(screen.create_bundle(tmp_path / "bundle.zip"))
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        text = archive.read("logs/omix-desktop.log").decode()
    assert "about.txt" in names
    assert "hunter2hunter2" not in text and "'password': '***'" in text
    assert screen.support_message.text().startswith("Support bundle saved to")


def test_window_geometry_is_remembered(make_context, qtbot: QtBot) -> None:
    context = make_context()
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.resize(700, 500)
    size = (window.width(), window.height())  # what it took (at least its minimum width)
    assert size[1] == 500
    window.close()
    assert context.config.load().window_geometry
    again = MainWindow(make_context())
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == size


def test_column_widths_are_remembered(make_context, qtbot: QtBot) -> None:
    window = MainWindow(make_context())
    qtbot.addWidget(window)
    window.show()
    table = window.screens["submissions"].table
    table.horizontalHeader().resizeSection(1, 333)
    window.close()
    again = MainWindow(make_context())
    qtbot.addWidget(again)
    assert again.screens["submissions"].table.horizontalHeader().sectionSize(1) == 333

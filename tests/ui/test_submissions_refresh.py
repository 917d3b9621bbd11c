"""My submissions refreshes by itself: new datasets appear without Refresh, keeping the
user's selection and scroll position (real server, real widgets, the screen's own watch)."""

from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from omix_desktop.ui.screens import work_screens
from omix_desktop.ui.submissions import SubmissionsScreen
from tests.support.release import submit
from tests.support.submission import ftp_put
from tests.ui.support import run_until
from tests.ui.test_new_dataset import fill_info, set_cell
from tests.ui.test_submissions import sign_in


def shown(screen: SubmissionsScreen) -> list[str]:
    return [screen.proxy.index(row, 0).data() for row in range(screen.proxy.rowCount())]


def selected(screen: SubmissionsScreen) -> str | None:
    rows = screen.table.selectionModel().selectedRows()
    return rows[0].data() if rows else None


def test_a_dataset_made_by_another_client_appears_keeping_selection_and_scroll(
    context, loop, qtbot: QtBot, user
) -> None:
    for _number in range(14):
        submit(user)
    sign_in(context, loop, user)
    screen = SubmissionsScreen(context)
    qtbot.addWidget(screen)
    screen.resize(900, 420)
    screen.show()
    screen.activated()  # the watch: nobody presses Refresh in this test
    run_until(loop, lambda: screen.proxy.rowCount() == 14)

    bar = screen.table.verticalScrollBar()
    assert bar.maximum() > 0, "the list must scroll for this test"
    bar.setValue(bar.maximum())  # scrolled down, as a user looking for an older dataset
    top = screen._top_row()
    assert top is not None
    view = screen.table.viewport().rect()
    row = screen.table.indexAt(view.center()).row()
    chosen = screen.proxy.index(row, 0).data()
    cell = screen.table.visualRect(screen.proxy.index(row, 1)).center()
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    run_until(loop, lambda: screen.current is not None and screen.current.accession == chosen)

    newer = submit(user).accession  # another client (the API, with the same account)
    run_until(loop, lambda: newer in shown(screen), timeout=60)
    assert shown(screen)[0] == newer  # newest first
    assert selected(screen) == chosen and screen.current.accession == chosen
    assert screen._top_row() == top  # the rows the user was looking at did not move
    assert "Refresh" == screen.refresh_button.text()  # never clicked


def test_a_dataset_made_in_the_form_is_in_my_submissions_at_once(
    context, loop, qtbot: QtBot, server, user
) -> None:
    sign_in(context, loop, user)
    screens = work_screens(context)
    for screen in screens:
        qtbot.addWidget(screen)
    form, submissions = screens[2], screens[3]
    submit(user)  # one dataset already there; nothing in motion once it is archived
    submissions.activated()
    run_until(loop, lambda: submissions.proxy.rowCount() == 1)
    # idle: the watch backs off; a dataset made now used to wait for the next look
    run_until(loop, lambda: submissions.watch_delay >= 12, timeout=60)

    data = os.urandom(20_000)
    ftp_put(server, user, "form_made.fq", data)
    form.show()
    loop.run_until_complete(form.load())
    fill_info(form, loop)
    set_cell(form, "form_made.fq", "use", True)
    set_cell(form, "form_made.fq", "md5", hashlib.md5(data).hexdigest())
    accession = loop.run_until_complete(form.submit())
    assert accession
    run_until(loop, lambda: accession in shown(submissions), timeout=8)  # well before 12 s

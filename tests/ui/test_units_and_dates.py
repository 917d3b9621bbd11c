"""One unit system for sizes, ids never cut, and dates in Babel's locale formats."""

from __future__ import annotations

import os
from datetime import date, timedelta

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.format import format_date, format_size
from omix_desktop.ui.submissions.screen import FILE_COLUMNS
from tests.support.release import submit
from tests.ui.support import run_until
from tests.ui.test_dialogs import click, open_dialog
from tests.ui.test_new_dataset import new_screen
from tests.ui.test_submissions import screen_for, sign_in


def test_sizes_ids_and_dates_in_my_submissions(context, loop, qtbot: QtBot, user) -> None:
    release = date.today() + timedelta(days=40)
    data = os.urandom(1_500_000)
    accession = submit(user, {"counts.tsv": data}, release_date=release).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    screen.resize(700, 500)  # narrow: columns must still show the whole ids
    loop.run_until_complete(screen.open(accession))
    qtbot.waitUntil(lambda: screen.files.rowCount() == 1)

    # sizes: the decimal units of the i18n formatter (1.5 MB, never 1.4 MiB)
    size = screen.files.item(0, FILE_COLUMNS.index("size")).text()
    assert size == format_size(len(data), "en") == "1.5 MB"

    # ids: the id columns fit their content
    file_id = screen.current.files[0].file_id
    metrics = screen.files.fontMetrics()
    assert screen.files.horizontalHeader().sectionSize(0) > metrics.horizontalAdvance(file_id)
    datasets = screen.table
    assert datasets.horizontalHeader().sectionSize(0) > metrics.horizontalAdvance(accession)

    # dates: Babel's medium format, in the summary and in the release date editor
    assert format_date(release, "en") in screen.summary.text()
    click(screen, qtbot, "release")
    run_until(loop, lambda: open_dialog(screen, QDialog) is not None, timeout=10)
    dialog = open_dialog(screen, QDialog)
    assert dialog.date.text() == format_date(date.today(), "en")  # "Dec 1, 2026"
    dialog.reject()

    context.translator.set_language("zh_CN")
    assert format_date(release, "zh_CN") in screen.summary.text()
    click(screen, qtbot, "release")
    run_until(loop, lambda: open_dialog(screen, QDialog) is not None, timeout=10)
    dialog = open_dialog(screen, QDialog)
    assert dialog.date.text() == format_date(date.today(), "zh_CN")  # "2026年12月1日"
    dialog.reject()


def test_the_new_dataset_release_date_follows_the_language(
    context, loop, qtbot: QtBot, user
) -> None:
    sign_in(context, loop, user)
    form = new_screen(context, loop, qtbot)
    chosen = form.release_date.date().toPython()
    assert form.release_date.text() == format_date(chosen, "en")
    context.translator.set_language("zh_CN")
    assert form.release_date.text() == format_date(chosen, "zh_CN")

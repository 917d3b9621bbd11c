"""A data file's type is chosen from the archive's list and checked as it is typed."""

from __future__ import annotations

import hashlib
import os

import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from tests.support.server import ServerProcess
from tests.support.submission import ftp_put
from tests.ui.test_new_dataset import fill_info, new_screen, set_cell, sign_in
from tests.ui.test_typed_md5 import cell_of


def open_editor(qtbot: QtBot, table, path: str) -> QComboBox:
    item = cell_of(table, path, "data_type")
    table.setCurrentItem(item)
    table.editItem(item)
    editors = [e for e in table.viewport().findChildren(QComboBox) if e.isVisible()]
    assert len(editors) == 1
    return editors[0]


def commit(qtbot: QtBot, table, editor: QComboBox) -> None:
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)


def test_file_data_type_from_the_servers_list(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    listed = requests.get(f"{server.api}/reference/data-types", timeout=10).json()
    names = [name for t in listed for name in (t["name"], *t["subtypes"])]
    subtype = listed[0]["subtypes"][0]
    sign_in(context, loop, user)
    data = os.urandom(5000)
    ftp_put(server, user, "reads_1.fq", data)
    form = new_screen(context, loop, qtbot)
    table = form.files

    editor = open_editor(qtbot, table, "reads_1.fq")
    assert [editor.itemText(i) for i in range(editor.count())] == list(dict.fromkeys(names))
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), "Transcriptom")  # not (yet) a name of the list
    assert editor.property("invalid") is True
    assert "is not one of the archive's data types" in editor.toolTip()
    qtbot.keyClicks(editor.lineEdit(), "e")
    assert editor.property("invalid") is False and editor.toolTip() == ""
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), subtype.upper())  # any case: stored as the list spells it
    assert editor.property("invalid") is False
    commit(qtbot, table, editor)
    entry = table.entries["reads_1.fq"]
    assert entry.data_type == subtype

    editor = open_editor(qtbot, table, "reads_1.fq")
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), "Genome assembly of my lab")
    assert editor.property("invalid") is True
    commit(qtbot, table, editor)
    assert entry.data_type == "Genome assembly of my lab"
    note = cell_of(table, "reads_1.fq", "note").text()
    assert "“Genome assembly of my lab” is not one of the archive's data types" in note
    assert cell_of(table, "reads_1.fq", "data_type").toolTip() == note
    set_cell(form, "reads_1.fq", "use", True)
    set_cell(form, "reads_1.fq", "md5", hashlib.md5(data).hexdigest())
    fill_info(form, loop)
    assert loop.run_until_complete(form.submit()) is None  # refused here, before the server
    assert "reads_1.fq: “Genome assembly of my lab”" in form.files_error.text()

    context.translator.set_language("zh_CN")
    assert "数据类型" in cell_of(table, "reads_1.fq", "note").text()
    context.translator.set_language("en")

    editor = open_editor(qtbot, table, "reads_1.fq")
    editor.lineEdit().selectAll()
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Backspace)  # empty: the dataset's type
    commit(qtbot, table, editor)
    assert entry.data_type == "" and form.files_error.text() == ""
    accession = loop.run_until_complete(form.submit())
    assert accession

"""New dataset: the guide's form against the real server, from pre-uploaded files to Archived."""

from __future__ import annotations

import asyncio
import hashlib
import os

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from omix_desktop.ui.dataset_form import NewDatasetScreen
from omix_desktop.ui.dataset_form.files_table import COLUMNS
from tests.server.ftp_support import cut_upload, payload
from tests.support.server import ServerProcess
from tests.support.submission import ftp_login, ftp_put, wait_for
from tests.ui.support import run_until


def sign_in(context, loop, user) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))


def new_screen(context, loop, qtbot: QtBot) -> NewDatasetScreen:
    screen = NewDatasetScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    loop.run_until_complete(screen.load())
    return screen


def set_cell(screen: NewDatasetScreen, path: str, column: str, value: str | bool) -> None:
    table = screen.files
    for row in range(table.rowCount()):
        item = table.item(row, COLUMNS.index(column))
        if item.data(Qt.ItemDataRole.UserRole) == path:
            if isinstance(value, bool):
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            else:
                item.setText(value)
            return
    raise AssertionError(f"{path} is not in the file list")


def fill_info(screen: NewDatasetScreen, loop, organism: str = "Oryza sativa") -> None:
    screen.title.setText("Leaf transcriptome under drought")
    screen.description.setPlainText("RNA-seq of rice leaves at three time points.")
    screen.organism.setText(organism)
    screen.data_type.setCurrentText("Transcriptome")
    screen.data_subtype.setCurrentText("Gene expression matrix")
    loop.run_until_complete(screen._add_bioproject("Drought response"))
    screen.terms.setChecked(True)


def test_submit_from_pre_uploaded_files_reaches_archived(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    sign_in(context, loop, user)
    data = os.urandom(50_000)
    ftp_put(server, user, "run1/leaf_1.fq", data)
    screen = new_screen(context, loop, qtbot)
    assert "run1/leaf_1.fq" in screen.files.entries
    fill_info(screen, loop)
    set_cell(screen, "run1/leaf_1.fq", "use", True)
    set_cell(screen, "run1/leaf_1.fq", "title", "Leaf, replicate 1")
    set_cell(screen, "run1/leaf_1.fq", "md5", hashlib.md5(data).hexdigest().upper())
    assert screen.problems() == {}

    accession = loop.run_until_complete(screen.submit())
    assert accession and accession.startswith("OMIX")
    assert accession in screen.message.text()
    api = context.session.api
    state = wait_for(lambda: api.dataset(accession), lambda d: d.status == "Archived")
    assert state.status == "Archived"
    assert state.files[0].title == "Leaf, replicate 1"
    assert screen.title.text() == ""  # the form is ready for the next dataset


def test_a_wrong_md5_is_reported_by_the_archive(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    sign_in(context, loop, user)
    ftp_put(server, user, "b.fq", b"real content")
    screen = new_screen(context, loop, qtbot)
    fill_info(screen, loop)
    set_cell(screen, "b.fq", "use", True)
    set_cell(screen, "b.fq", "md5", "0" * 32)
    accession = loop.run_until_complete(screen.submit())
    api = context.session.api
    state = wait_for(lambda: api.dataset(accession), lambda d: d.status != "Checking")
    assert state.status == "MD5 Checked Failed"


def test_unticking_keeps_what_was_typed_and_bad_md5_is_caught_as_you_type(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    sign_in(context, loop, user)
    ftp_put(server, user, "c.fq", b"c")
    screen = new_screen(context, loop, qtbot)
    set_cell(screen, "c.fq", "use", True)
    set_cell(screen, "c.fq", "title", "Typed title")
    set_cell(screen, "c.fq", "md5", "not-an-md5")
    assert "32 hexadecimal" in screen.problems()["files"]
    set_cell(screen, "c.fq", "use", False)
    loop.run_until_complete(screen.load_files())  # a refresh of the listing too
    set_cell(screen, "c.fq", "use", True)
    entry = screen.files.entries["c.fq"]
    assert (entry.title, entry.md5, entry.selected) == ("Typed title", "not-an-md5", True)


def test_the_draft_survives_a_restart(context, loop, qtbot: QtBot, user) -> None:
    sign_in(context, loop, user)
    screen = new_screen(context, loop, qtbot)
    screen.title.setText("Half-typed title")
    screen.controlled_access.setChecked(True)
    draft_file = screen.drafts.folder / "new_dataset.json"
    run_until(loop, draft_file.exists, timeout=5)
    screen.deleteLater()

    again = new_screen(context, loop, qtbot)
    assert again.title.text() == "Half-typed title"
    assert again.controlled_access.isChecked()


def test_human_data_needs_homo_sapiens_and_server_errors_land_on_the_field(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    sign_in(context, loop, user)
    ftp_put(server, user, "d.fq", b"d")
    screen = new_screen(context, loop, qtbot)
    fill_info(screen, loop, organism="Oryza sativa")
    screen.human.setChecked(True)
    assert "Homo sapiens" in screen.problems()["organism"]
    screen.human.setChecked(False)
    screen.organism.setText("Notanorganism imaginarius")
    set_cell(screen, "d.fq", "use", True)
    set_cell(screen, "d.fq", "md5", hashlib.md5(b"d").hexdigest())
    assert loop.run_until_complete(screen.submit()) is None
    assert "organism list" in screen.errors["organism"].text()


def test_organism_hints_after_three_letters(context, loop, qtbot: QtBot, user) -> None:
    sign_in(context, loop, user)
    screen = new_screen(context, loop, qtbot)
    qtbot.keyClicks(screen.organism, "Or")
    loop.run_until_complete(asyncio.sleep(0.5))
    assert screen.organism_hints.stringList() == []  # two letters: no request
    qtbot.keyClicks(screen.organism, "y")
    run_until(loop, lambda: "Oryza sativa" in screen.organism_hints.stringList(), timeout=10)
    assert "Oryza sativa" in screen.organism_hints.stringList()


def test_language_switch_retranslates_the_form(context, loop, qtbot: QtBot, user) -> None:
    sign_in(context, loop, user)
    screen = new_screen(context, loop, qtbot)
    context.translator.set_language("zh_CN")
    assert screen.submit_button.text() == "提交数据集"
    assert screen.files.horizontalHeaderItem(COLUMNS.index("md5")).text() == "MD5 值"
    context.translator.set_language("en")
    assert screen.submit_button.text() == "Submit dataset"


def test_small_files_from_this_computer_are_sent_online_at_submission(
    context, loop, qtbot: QtBot, server: ServerProcess, user, tmp_path
) -> None:
    sign_in(context, loop, user)
    screen = new_screen(context, loop, qtbot)
    fill_info(screen, loop)
    local = tmp_path / "matrix.tsv"
    local.write_bytes(os.urandom(40_000))
    loop.run_until_complete(screen.add_local_files([local]))
    entry = screen.files.entries[f"online:{local}"]
    assert entry.selected and entry.md5 == hashlib.md5(local.read_bytes()).hexdigest()
    assert screen.problems() == {}
    accession = loop.run_until_complete(screen.submit())
    api = context.session.api
    state = wait_for(lambda: api.dataset(accession), lambda d: d.status == "Archived")
    assert state.status == "Archived" and state.files[0].source == "http"


def test_md5_of_a_file_uploaded_by_the_app_is_filled_in(
    context, loop, qtbot: QtBot, user, tmp_path
) -> None:
    from pathlib import PurePosixPath

    from omix_desktop.transfer import ItemState, PlannedFile

    sign_in(context, loop, user)
    run_until(loop, lambda: context.uploads.queue is not None)
    local = tmp_path / "sent_by_app.fq"
    local.write_bytes(os.urandom(30_000))
    queue = context.uploads.queue

    async def send() -> None:
        queue.add([PlannedFile(local, PurePosixPath("sent_by_app.fq"))])

    loop.run_until_complete(send())
    run_until(loop, lambda: queue.items()[0].state is ItemState.VERIFIED, timeout=30)
    screen = new_screen(context, loop, qtbot)
    entry = screen.files.entries["sent_by_app.fq"]
    assert entry.md5 == hashlib.md5(local.read_bytes()).hexdigest()
    assert entry.md5_from_engine
    assert "computed on this computer" in screen.files.note(entry)


def test_an_upload_cut_short_says_so_on_the_file(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    """A reset data connection (the server answered 426) leaves an incomplete file."""
    sign_in(context, loop, user)
    with ftp_login(server, user) as ftp:
        reply = cut_upload(ftp, "STOR cut.fq", payload(3 * 1024 * 1024), reset=True)
    assert reply.startswith("426")
    screen = new_screen(context, loop, qtbot)
    entry = screen.files.entries["cut.fq"]
    assert entry.incomplete == "connection_lost"
    assert "cut off before the end" in screen.files.note(entry)

"""The user guide, end to end, in the app's real main window: Chinese, then English.

One app instance walks every step of the guide (seed/omix-user-guide-v1.3.zh.txt)
with real clicks and typing against a real ``omix-server`` on loopback:
register, prepare (a bad name, a duplicate and an empty file refused or
flagged), upload (Queued → Successful, one file paused and resumed), and
midway a restart (the main window closed, the app's services shut down, a new
window on the same profile: Transfers and this computer's MD5s are still
there); then the new dataset form, a typed MD5 that differs → MD5 Checked
Failed → Fix MD5 prefilled → Archived, every field of the basic information
edited, files added (one pre-uploaded, one sent online as on the guide's web
form) and another deleted, a reviewer link (its preview shows
metadata, never files), the MOST number, curation (a curator approves through
the API: the app has no curator screen), early release → Released, and Released
data browsed and a file downloaded with its MD5 verified. Visible texts are
checked in the chosen language at the key points.

Only the dialogs a user answers are reached by their widgets (found open on
the window); nothing of our own is mocked.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLineEdit
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.server_terms import term
from omix_desktop.ui.prepare.model import Column as PrepareColumn
from omix_desktop.ui.register_dialog import RegisterDialog
from omix_desktop.ui.submissions.add_files import PreuploadPicker
from omix_desktop.ui.submissions.edit_basic_info import BasicInfoDialog
from omix_desktop.ui.submissions.model import COLUMNS as SUBMISSION_COLUMNS
from omix_desktop.ui.submissions.screen import FILE_COLUMNS
from omix_desktop.ui.transfers.texts import Column as TransferColumn
from tests.support.accounts import registration
from tests.support.release import approve, new_curator
from tests.support.server import ServerProcess
from tests.ui.guide_walk import Walk, choose, md5, tick
from tests.ui.test_typed_md5 import cell_of, type_into_cell

# -- the steps ----------------------------------------------------------------------------


def register(walk: Walk, email: str, password: str) -> None:
    sign_in = walk.screen("sign_in")
    walk.click(sign_in.register_button)
    dialog = walk.dialog(RegisterDialog)
    assert isinstance(dialog, RegisterDialog)
    walk.in_language(dialog.windowTitle(), "the registration form's title")
    form = registration(email, password=password)
    form["confirm_password"] = password
    for name, edit in dialog.edits.items():
        walk.type(edit, str(form[name]))
    walk.click(dialog.create_button)
    walk.wait(lambda: walk.context.session.user is not None)
    assert walk.context.session.user.email == email
    walk.wait(lambda: email in walk.window.session_label.text())
    walk.in_language(walk.window.session_label.text(), "the status bar")


def sign_in(walk: Walk, email: str, password: str) -> None:
    screen = walk.screen("sign_in")
    walk.type(screen.email_edit, email)
    walk.type(screen.password_edit, password)
    walk.click(screen.sign_in_button)
    walk.wait(lambda: walk.context.session.user is not None)
    walk.wait(lambda: walk.context.uploads.queue is not None)


def prepare_files(walk: Walk, folder: Path) -> dict[str, Path]:
    """Add the files (a bad name, a duplicate, an empty one); rename, send; the names
    the good ones got on the server → their local files."""
    folder.mkdir()
    (folder / "leaf_1.fq").write_bytes(os.urandom(90_000))
    (folder / "leaf_2.fq").write_bytes(os.urandom(90_000))
    (folder / "root 3.fq").write_bytes(os.urandom(20_000))
    (folder / "leaf_1_copy.fq").write_bytes((folder / "leaf_1.fq").read_bytes())
    (folder / "empty.fq").write_bytes(b"")
    prepare = walk.screen("prepare")

    # Upload into folder: a space is refused as typed, in the chosen language
    walk.type(prepare.remote_edit, "run 1")
    walk.wait(lambda: not prepare.folder.valid)
    walk.in_language(prepare.folder.error_text(), "the folder's error")
    walk.type(prepare.remote_edit, "run1")
    walk.wait(lambda: prepare.folder.valid)

    walk.click(prepare.add_files_button)
    walk.choose_in_file_dialog(
        folder, ["leaf_1.fq", "leaf_2.fq", "root 3.fq", "leaf_1_copy.fq", "empty.fq"]
    )
    walk.wait(lambda: len(prepare.model.rows) == 5 and not prepare.hashing())
    walk.wait(lambda: prepare._check_task is None or prepare._check_task.done())
    prepare.model.flush()

    def check(name: str) -> str:
        row = next(i for i, f in enumerate(prepare.model.rows) if f.remote.name == name)
        return prepare.model.index(row, PrepareColumn.CHECK).data()

    for name in ("root 3.fq", "leaf_1_copy.fq", "empty.fq"):
        walk.in_language(check(name), f"the check of {name}")
    if walk.language == "en":
        assert "'root 3.fq' contains a space" in check("root 3.fq")
        assert check("empty.fq").startswith("The file is empty (0 bytes)")
        assert "Duplicate: same content (MD5) as run1/leaf_1.fq" in check("leaf_1_copy.fq")
    else:
        assert "空格" in check("root 3.fq")
        assert "run1/leaf_1.fq" in check("leaf_1_copy.fq")
    assert check("leaf_1.fq") == walk._("OK")
    rows = prepare.model.rows
    assert {f.remote.name for f in rows if f.blocked} >= {"root 3.fq", "empty.fq"}

    # the bad name: a renamed copy replaces it; the duplicate and the empty file removed
    bad = next(i for i, f in enumerate(rows) if f.remote.name == "root 3.fq")
    walk.select_rows(prepare.table, [bad])
    walk.click(prepare.rename_button)
    walk.wait(lambda: any(f.remote.name == "root_3.fq" for f in prepare.model.rows))
    walk.wait(lambda: not prepare.hashing())
    flagged = [
        i
        for i, f in enumerate(prepare.model.rows)
        if f.remote.name in ("leaf_1_copy.fq", "empty.fq")
    ]
    walk.select_rows(prepare.table, flagged)
    walk.click(prepare.remove_button)
    walk.wait(lambda: len(prepare.model.rows) == 3)
    names = {str(f.remote): f.local for f in prepare.model.rows}
    assert set(names) == {"run1/leaf_1.fq", "run1/leaf_2.fq", "run1/root_3.fq"}
    return names


def upload(walk: Walk, files: dict[str, Path]) -> None:
    """Send to Transfers under a speed limit; pause one and resume it; all Successful."""
    transfers = walk.screen("transfers")
    transfers.speed_spin.setFocus()
    transfers.speed_spin.selectAll()
    walk.qtbot.keyClicks(transfers.speed_spin, "60")
    walk.click(transfers.save_button)
    walk.wait(lambda: walk.context.settings.speed_limit_kib == 60)

    prepare = walk.screen("prepare")
    prepare.table.clearSelection()
    walk.click(prepare.send_button)
    walk.wait(lambda: prepare.model.rows == [])
    walk.in_language(prepare.message.text(), "the sent message")
    assert prepare.message.text() == walk.plural(
        "{count} file sent to Transfers.", "{count} files sent to Transfers.", 3
    )

    transfers = walk.screen("transfers")
    lists = transfers.lists
    lists.flush()
    queued = lists.models["queued"]
    assert lists.counts()["queued"] == 3
    paused = "run1/leaf_2.fq"
    row = next(
        r for r in range(queued.rowCount()) if queued.index(r, TransferColumn.NAME).data() == paused
    )
    state = queued.index(row, TransferColumn.STATE).data()
    walk.in_language(state, "the Queued list's status column")
    transfers.tabs.setCurrentIndex(0)
    walk.select_rows(transfers.views["queued"], [row])
    walk.click(transfers.pause_button)

    def state_of(name: str, list_name: str = "queued") -> str | None:
        lists.flush()
        model = lists.models[list_name]
        for r in range(model.rowCount()):
            if model.index(r, TransferColumn.NAME).data() == name:
                return model.index(r, TransferColumn.STATE).data()
        return None

    walk.wait(lambda: state_of(paused) == walk._("Paused"))
    walk.wait(lambda: lists.counts()["successful"] == 2)  # the others go on
    assert state_of(paused) == walk._("Paused")
    row = next(
        r for r in range(queued.rowCount()) if queued.index(r, TransferColumn.NAME).data() == paused
    )
    walk.select_rows(transfers.views["queued"], [row])
    walk.click(transfers.resume_button)
    walk.wait(lambda: lists.counts()["successful"] == 3, timeout=60)
    checks = walk.context.uploads.server_checks
    walk.wait(lambda: len(checks) == 3 and all(c.state == "verified" for c in checks.values()))
    lists.flush()
    for name in files:
        assert state_of(name, "successful") == walk._("Uploaded and verified")
    walk.in_language(transfers.tabs.tabText(2), "the Successful tab")

    # no limit for the rest of the walk
    transfers.speed_spin.setFocus()
    transfers.speed_spin.selectAll()
    walk.qtbot.keyClicks(transfers.speed_spin, "0")
    walk.click(transfers.save_button)
    walk.wait(lambda: walk.context.settings.speed_limit_kib == 0)


def still_there_after_restart(walk: Walk, files: dict[str, Path], email: str, password: str):
    """A new window on the same profile: the transfers and this computer's MD5s."""
    walk.close_window()
    walk.open_window()
    sign_in(walk, email, password)
    transfers = walk.screen("transfers")
    walk.wait(lambda: transfers.lists.counts()["successful"] == 3)
    transfers.lists.flush()
    model = transfers.lists.models["successful"]
    names = {model.index(r, TransferColumn.NAME).data() for r in range(model.rowCount())}
    assert names == set(files)
    form = walk.screen("new_dataset")
    walk.wait(lambda: set(files) <= set(form.files.entries))
    for remote, local in files.items():
        entry = form.files.entries[remote]
        assert entry.md5 == md5(local) and entry.md5_from_engine, remote
        note = form.files.note(entry)
        walk.in_language(note, "the MD5's note")
        if walk.language == "en":
            assert "computed on this computer" in note
    return form


def fill_dataset_form(walk: Walk, form, files: dict[str, Path]) -> str:  # type: ignore[no-untyped-def]
    """Every field; two files chosen; one MD5 typed wrong (warned at the field)."""
    walk.type(form.title, "Rice leaf transcriptome under drought")
    walk.type(form.description, "RNA-seq of rice leaves at three time points of drought.")
    walk.type(form.organism, "Oryza sativa")
    walk.wait(lambda: form.data_type.count() > 1)
    choose(walk, form.data_type, "Transcriptome")
    walk.in_language(form.data_type.currentText(), "the data type")
    choose(walk, form.data_subtype, "Gene expression matrix")
    walk.click(form.open_access)
    assert form.open_access.isChecked()
    walk.click(form.new_bioproject)
    walk.answer_text("Drought response of rice")
    walk.wait(lambda: "Drought response of rice" in form.bioproject.currentText())
    walk.click(form.release_on)
    assert form.release_on.isChecked()
    form.release_date.setDate(QDate.currentDate().addDays(60))
    walk.type(form.most_registration_number, "2026YFC2500001-01")
    walk.click(form.terms)
    assert form.terms.isChecked()

    table = form.files
    for remote in ("run1/leaf_1.fq", "run1/leaf_2.fq"):
        use = cell_of(table, remote, "use")
        table.scrollToItem(use)
        tick(walk, table, table.visualItemRect(use))
        assert use.checkState() == Qt.CheckState.Checked and table.entries[remote].selected
        type_into_cell(walk.qtbot, table, remote, "title", f"Leaf {remote[-4]}")
        assert table.entries[remote].md5 == md5(files[remote])  # from this computer
    wrong = "0123456789abcdef0123456789abcdef"
    type_into_cell(walk.qtbot, table, "run1/leaf_2.fq", "md5", wrong)
    note = cell_of(table, "run1/leaf_2.fq", "note").text()
    walk.in_language(note, "the warning at the typed MD5")
    assert md5(files["run1/leaf_2.fq"]) in note
    assert form.problems() == {}

    submitted: list[str] = []
    form.submitted.connect(submitted.append)
    walk.click(form.submit_button)
    walk.wait(lambda: bool(submitted))
    walk.in_language(form.message.text(), "the submitted message")
    return submitted[0]


def open_in_submissions(walk: Walk, accession: str):  # type: ignore[no-untyped-def]
    screen = walk.screen("submissions")
    walk.wait(lambda: any(row.accession == accession for row in screen.model.rows))
    row = next(i for i, r in enumerate(screen.model.rows) if r.accession == accession)
    screen.table.selectRow(row)
    walk.wait(lambda: screen.current is not None and screen.current.accession == accession)
    return screen


def status_shown(screen, accession: str) -> str:  # type: ignore[no-untyped-def]
    row = next(i for i, r in enumerate(screen.model.rows) if r.accession == accession)
    return screen.model.index(row, SUBMISSION_COLUMNS.index("status")).data()


def wait_status(walk: Walk, screen, status: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Polled by the screen's own watch (no Refresh pressed, no API call of the test);
    the status column shows it in the user's language."""
    walk.wait(lambda: screen.current is not None and screen.current.status == status, timeout)
    accession = screen.current.accession
    walk.wait(lambda: status_shown(screen, accession) == term(status, walk.tr), timeout)
    walk.in_language(status_shown(screen, accession), "the status column")


def file_row(screen, title: str) -> int:  # type: ignore[no-untyped-def]
    column = FILE_COLUMNS.index("title")
    return next(
        r for r in range(screen.files.rowCount()) if screen.files.item(r, column).text() == title
    )


def fix_the_md5(walk: Walk, screen, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    wait_status(walk, screen, "MD5 Checked Failed")
    computed = md5(files["run1/leaf_2.fq"])
    row = file_row(screen, "Leaf 2")
    note = screen.files.item(row, FILE_COLUMNS.index("note")).text()
    walk.in_language(note, "the failed file's note")
    assert computed in note
    screen.files.selectRow(row)
    walk.click(screen.buttons["fix_md5"])
    assert walk.answer_text(None, screen) == computed  # prefilled with this computer's MD5
    wait_status(walk, screen, "Archived")


def edit_every_field(walk: Walk, screen) -> None:  # type: ignore[no-untyped-def]
    walk.click(screen.buttons["edit"])
    form = walk.dialog(BasicInfoDialog, screen)
    assert isinstance(form, BasicInfoDialog)
    walk.wait(lambda: form.data_type.count() > 1 and "—" in form.bioproject.currentText())
    assert form.title.text() == "Rice leaf transcriptome under drought"  # prefilled
    walk.type(form.title, "Human leaf-like tissue transcriptome")
    walk.type(form.description, "Edited: RNA-seq of human tissue at three time points.")
    walk.type(form.organism, "Homo sapiens")
    walk.click(form.human)
    assert form.human.isChecked()
    choose(walk, form.data_type, "Proteome")
    choose(walk, form.data_subtype, "Phosphoproteome")
    walk.click(form.controlled_access)
    assert form.controlled_access.isChecked()
    walk.click(form.new_bioproject)
    walk.answer_text("Human tissue atlas", form)
    walk.wait(lambda: "Human tissue atlas" in form.bioproject.currentText())
    form.release_date.setDate(QDate.currentDate().addDays(90))
    walk.type(form.most_registration_number, "2026YFA0900002")
    assert form.problems() == {}, form.problems()
    walk.click(form.save_button)
    walk.gone(form)
    walk.wait(lambda: screen.current.title == "Human leaf-like tissue transcriptome")
    walk.in_language(screen.message.text(), "the saved message")
    saved = walk.context.session.api.dataset(screen.current.accession)
    assert saved.title == "Human leaf-like tissue transcriptome"
    assert saved.description.startswith("Edited:")
    assert saved.organism == "Homo sapiens" and saved.human_genetic_resource
    assert (saved.data_type, saved.data_subtype) == ("Proteome", "Phosphoproteome")
    assert saved.access == "controlled"
    assert saved.release_date == date.today() + timedelta(days=90)
    assert saved.most_registration_number == "2026YFA0900002"
    projects = {p.accession: p.title for p in walk.context.session.api.bioprojects()}
    assert projects[saved.bioproject] == "Human tissue atlas"


def add_and_delete_files(walk: Walk, screen, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """One pre-uploaded file (FTP) and one small file sent online (the guide's web
    submission) added; another file deleted."""
    walk.click(screen.buttons["add_ftp"])
    picker = walk.dialog(PreuploadPicker, screen)
    assert isinstance(picker, PreuploadPicker)
    items = [picker.list.item(r) for r in range(picker.list.count())]
    assert [item.text() for item in items] == ["run1/root_3.fq"]
    tick(walk, picker.list, picker.list.visualItemRect(items[0]))
    assert picker.chosen() == ["run1/root_3.fq"]
    walk.click(picker.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
    walk.gone(picker)
    walk.wait(lambda: len(screen.current.files) == 3)
    wait_status(walk, screen, "Archived")
    (folder / "matrix.tsv").write_bytes(os.urandom(3000))
    walk.click(screen.buttons["add_online"])
    walk.choose_in_file_dialog(folder, ["matrix.tsv"])
    walk.wait(lambda: len(screen.current.files) == 4)
    wait_status(walk, screen, "Archived")
    online = next(f for f in screen.current.files if f.title == "matrix.tsv")
    assert online.source == "http" and online.md5 == md5(folder / "matrix.tsv")
    gone = file_row(screen, "Leaf 1")
    file_id = screen.files.item(gone, 0).text()
    screen.files.selectRow(gone)
    walk.click(screen.buttons["delete_file"])
    walk.answer_yes()
    walk.wait(lambda: file_id not in [f.file_id for f in screen.current.files])
    assert len(screen.current.files) == 3
    walk.in_language(screen.message.text(), "the deleted message")


def reviewer_link(walk: Walk, screen) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    walk.click(screen.buttons["review_link"])
    walk.wait(lambda: "/review/" in screen.message.text())
    walk.in_language(screen.message.text(), "the reviewer link message")
    url = QGuiApplication.clipboard().text()
    assert "/review/" in url and url in screen.message.text()
    token = url.rsplit("/review/", 1)[1]
    preview = requests.get(f"{walk.server.api}/review/{token}", timeout=10)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["title"] == "Human leaf-like tissue transcriptome"
    assert body["organism"] == "Homo sapiens" and body["file_count"] == 3
    for item in body["files"]:
        assert not any("url" in key or "path" in key for key in item), item  # no files


def most_number(walk: Walk, screen) -> None:  # type: ignore[no-untyped-def]
    walk.click(screen.buttons["most"])
    assert walk.answer_text("2026YFC2500003-03", screen) == "2026YFA0900002"
    walk.wait(lambda: screen.current.most_registration_number == "2026YFC2500003-03")


def release(walk: Walk, screen, curator) -> None:  # type: ignore[no-untyped-def]
    accession = screen.current.accession
    approve(curator, accession)

    def curation() -> str:
        row = next(i for i, r in enumerate(screen.model.rows) if r.accession == accession)
        return screen.model.index(row, SUBMISSION_COLUMNS.index("curation_status")).data()

    walk.wait(lambda: curation() == term("Curated", walk.tr), timeout=60)
    # the open dataset's pane too (it was read again only on status events: it kept
    # "Waiting for Curation" after the curator's approval)
    walk.wait(lambda: screen.current.curation_status == "Curated", timeout=60)
    assert term("Curated", walk.tr) in screen.summary.text()
    walk.in_language(curation(), "the curation column")
    walk.click(screen.buttons["release"])
    dialog = walk.dialog(QDialog, screen)
    assert dialog.objectName() == "release_dialog"
    walk.in_language(dialog.windowTitle(), "the release dialog")
    assert dialog.date.date() == QDate.currentDate()  # today
    walk.click(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
    walk.gone(dialog)
    wait_status(walk, screen, "Released", timeout=60)


def download(walk: Walk, accession: str, files: dict[str, Path], into: Path) -> None:
    screen = walk.screen("released")
    walk.type(screen.search, accession)
    walk.wait(lambda: [r.accession for r in screen.model.rows] == [accession])
    screen.table.selectRow(0)
    walk.wait(lambda: screen.current is not None and screen.current.accession == accession)
    walk.wait(lambda: screen.files.rowCount() == 3)
    column = screen.files.columnCount() - 1
    into.mkdir()
    screen.files.selectRow(0)
    walk.click(screen.download_button)
    dialog = walk.dialog(QFileDialog, screen)
    dialog.setDirectory(str(into.parent))
    walk.type(dialog.findChild(QLineEdit, "fileNameEdit"), into.name)
    walk.qtbot.keyClick(dialog.findChild(QLineEdit, "fileNameEdit"), Qt.Key.Key_Return)
    walk.gone(dialog)
    walk.wait(lambda: any(into.iterdir()))
    walk.wait(lambda: "1" in screen.message.text() and str(into) in screen.message.text())
    state = screen.files.item(0, column).text()
    walk.in_language(state, "the downloaded file's state")
    (got,) = list(into.iterdir())
    folder = next(iter(files.values())).parent
    sent = {md5(path) for path in folder.iterdir() if path.is_file()}
    assert md5(got) in sent, "the downloaded file is none of those uploaded"
    assert md5(got) in state  # "Verified, MD5 …"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_user_guide_end_to_end(
    language: str, own_server: ServerProcess, make_context, loop, qtbot: QtBot, tmp_path: Path
) -> None:
    """The server is set up first so it stops last, after the app signed out."""
    own_server.extra_args += ["--release-interval", "0.3"]  # releases due are made at once
    server = own_server.start()
    walk = Walk(language, make_context, loop, qtbot, server)
    email, password = f"guide-{language.lower()}@example.org", "guide-password-1"

    register(walk, email, password)
    files = prepare_files(walk, tmp_path / "files")
    upload(walk, files)
    form = still_there_after_restart(walk, files, email, password)
    accession = fill_dataset_form(walk, form, files)
    screen = open_in_submissions(walk, accession)
    fix_the_md5(walk, screen, files)
    edit_every_field(walk, screen)
    add_and_delete_files(walk, screen, tmp_path / "files")
    reviewer_link(walk, screen)
    most_number(walk, screen)
    release(walk, screen, new_curator(server))
    download(walk, accession, files, tmp_path / "downloads")

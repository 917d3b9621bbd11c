"""Edit basic info: one form, every field changeable before release, against the real server.

Opened by a click on My submissions' button, filled in with the dataset's
values, every field changed by typing and choosing as a user would (organism
from the server's hints, data type from its list, a new BioProject through
its own dialog), saved with the Save button; only what changed is sent (an
edit made meanwhile by another client survives); what is typed is checked at
once, and what only the server knows (the organism list) comes back at the
field, in English and in Chinese.
"""

from __future__ import annotations

from datetime import date, timedelta

import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLineEdit
from pytestqt.qtbot import QtBot

from omix_desktop.ui.submissions.edit_basic_info import FIELDS, MOST_SAMPLE, BasicInfoDialog
from tests.support.release import dataset, submit
from tests.ui.support import run_until, visible_texts
from tests.ui.test_dialogs import click, open_dialog
from tests.ui.test_submissions import screen_for, sign_in


def open_form(screen, loop, qtbot: QtBot) -> BasicInfoDialog:
    click(screen, qtbot, "edit")
    run_until(loop, lambda: open_dialog(screen, BasicInfoDialog) is not None, timeout=10)
    form = open_dialog(screen, BasicInfoDialog)
    assert isinstance(form, BasicInfoDialog)
    run_until(loop, lambda: form.data_type.count() > 1 and form.bioproject.count() >= 1)
    return form


def closed(form: BasicInfoDialog) -> bool:
    return not shiboken6.isValid(form) or not form.isVisible()


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def test_every_field_prefilled_changed_and_saved(context, loop, qtbot: QtBot, user) -> None:
    release = date.today() + timedelta(days=60)
    most = "2025YFA0100000"
    accession = submit(user, release_date=release, most_registration_number=most).accession
    before = dataset(user, accession)
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    form = open_form(screen, loop, qtbot)

    # prefilled with the current values, every field the archive lets change
    assert {name: value for name, value in form.values().items()} == {
        name: (date.fromisoformat(before[name]) if name == "release_date" else before[name])
        for name in FIELDS
    }
    assert form.changes() == {} and form.save_button.isEnabled()
    assert form.data_type.count() == len(context.session.api.data_types())  # the server's list

    # changed as a user would
    retype(qtbot, form.title, "Drought, revised")
    form.description.setFocus()
    form.description.selectAll()
    qtbot.keyClicks(form.description, "Leaves at five time points.")
    retype(qtbot, form.organism, "Arab")
    run_until(loop, lambda: "Arabidopsis thaliana" in form.hints.model.stringList(), timeout=10)
    form.organism.setText("Arabidopsis thaliana")  # the hint chosen
    form.data_type.setCurrentIndex(form.data_type.findData("Metabolome"))
    assert form.data_subtype.findData("GC-MS") >= 0  # the sub-types followed the type
    form.data_subtype.setCurrentIndex(form.data_subtype.findData("GC-MS"))
    qtbot.mouseClick(form.controlled_access, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.new_bioproject, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: open_dialog(form, QInputDialog) is not None)
    project_dialog = open_dialog(form, QInputDialog)
    project_dialog.setTextValue("Arabidopsis metabolome under drought")
    project_dialog.accept()
    run_until(loop, lambda: "Arabidopsis metabolome" in form.bioproject.currentText())
    later = release + timedelta(days=10)
    form.release_date.setDate(QDate(later.year, later.month, later.day))
    retype(qtbot, form.most_registration_number, "2026YFC2500000-00")
    assert set(form.changes()) == set(FIELDS) - {"human_genetic_resource"}

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: closed(form) and screen.current.title == "Drought, revised")
    after = dataset(user, accession)
    assert after["title"] == "Drought, revised"
    assert after["description"] == "Leaves at five time points."
    assert after["organism"] == "Arabidopsis thaliana"
    assert (after["data_type"], after["data_subtype"]) == ("Metabolome", "GC-MS")
    assert after["access"] == "controlled"
    assert after["bioproject"] != before["bioproject"]
    assert after["release_date"] == later.isoformat()
    assert after["most_registration_number"] == "2026YFC2500000-00"
    assert screen.message.text() == "Basic information saved."


def test_only_changes_are_sent_and_rules_checked_as_typed(
    context, loop, qtbot: QtBot, user
) -> None:
    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    form = open_form(screen, loop, qtbot)

    # checked as typed: a required field emptied, the human rule, a too long MOST number
    retype(qtbot, form.title, "")
    assert form.errors["title"].text() == "This field is required."
    assert not form.save_button.isEnabled()
    retype(qtbot, form.title, "Only the title changes")
    assert form.errors["title"].isHidden() and form.save_button.isEnabled()
    qtbot.mouseClick(form.human, Qt.MouseButton.LeftButton)
    assert "Homo sapiens" in form.errors["organism"].text()
    assert not form.save_button.isEnabled()
    qtbot.mouseClick(form.human, Qt.MouseButton.LeftButton)
    assert form.errors["organism"].isHidden()

    # another client edits the description meanwhile: Save must not overwrite it
    edited = user.patch(f"/datasets/{accession}", json={"description": "Edited elsewhere."})
    assert edited.status_code == 200, edited.text
    assert form.changes() == {"title": "Only the title changes"}
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: closed(form))
    after = dataset(user, accession)
    assert after["title"] == "Only the title changes"
    assert after["description"] == "Edited elsewhere."


def test_the_servers_refusal_is_shown_at_the_field_in_both_languages(
    context, loop, qtbot: QtBot, user
) -> None:
    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    form = open_form(screen, loop, qtbot)
    retype(qtbot, form.organism, "Notanorganism imaginarius")
    assert form.errors["organism"].isHidden()  # only the server knows its list
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: form.errors["organism"].isVisible())
    assert form.isVisible()  # the form stays open with the answer at the field
    assert "not in the archive's list" in form.errors["organism"].text()
    assert dataset(user, accession)["organism"] == "Oryza sativa"  # nothing was changed
    context.translator.set_language("zh_CN")
    assert form.labels["title"].text() == "标题 *"
    assert form.save_button.text() == "保存"
    assert "物种" in form.errors["organism"].text()  # the server's answer follows the switch
    context.translator.set_language("en")
    assert "not in the archive's list" in form.errors["organism"].text()
    retype(qtbot, form.organism, "Oryza sativa")  # typing clears the server's answer
    assert form.errors["organism"].isHidden()
    form.reject()
    run_until(loop, lambda: closed(form))

    # Chinese from the start: the server's refusal in Chinese at the field
    context.translator.set_language("zh_CN")
    form = open_form(screen, loop, qtbot)
    retype(qtbot, form.organism, "Notanorganism imaginarius")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: form.errors["organism"].isVisible())
    assert "物种" in form.errors["organism"].text()
    form.reject()


def test_most_and_bioproject_dialogs_fit_their_content(context, loop, qtbot: QtBot, user) -> None:
    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    click(screen, qtbot, "most")
    run_until(loop, lambda: open_dialog(screen, QInputDialog) is not None)
    most = open_dialog(screen, QInputDialog)
    field = most.findChild(QLineEdit)
    assert field.width() >= field.fontMetrics().horizontalAdvance(MOST_SAMPLE)
    most.reject()
    run_until(loop, lambda: open_dialog(screen, QInputDialog) is None)

    form = open_form(screen, loop, qtbot)
    number = form.most_registration_number
    assert number.width() >= number.fontMetrics().horizontalAdvance(MOST_SAMPLE)
    qtbot.mouseClick(form.new_bioproject, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: open_dialog(form, QInputDialog) is not None)
    project = open_dialog(form, QInputDialog)
    title = "Arabidopsis metabolome under drought, three time points"
    assert project.findChild(QLineEdit).width() >= project.fontMetrics().horizontalAdvance(title)
    project.reject()
    bioproject = form.bioproject
    assert bioproject.width() >= bioproject.fontMetrics().horizontalAdvance(
        bioproject.currentText()
    )  # "PRJCA000001 — its title" shows whole
    form.reject()


def test_the_form_follows_a_language_switch_everywhere(context, loop, qtbot: QtBot, user) -> None:
    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    form = open_form(screen, loop, qtbot)
    retype(qtbot, form.title, "")  # an error under a field: it follows the switch too
    context.translator.set_language("zh_CN")
    try:
        own = {form.title.text(), form.description.toPlainText(), form.organism.text(),
               form.most_registration_number.text(), form.bioproject.currentText()}  # fmt: skip
        for where, text in visible_texts(form):
            if text in own or text.startswith(accession) or text.startswith("PRJCA"):
                continue  # what the user typed or the archive's ids
            assert any("\u4e00" <= char <= "\u9fff" for char in text), (where, text)
        assert form.errors["title"].text() == "此字段为必填项。"
        assert form.data_type.currentText() != form.data_type.currentData()  # 转录组, not English
    finally:
        context.translator.set_language("en")
    assert form.data_type.currentText() == "Transcriptome"
    form.reject()


def test_the_new_dataset_forms_bioproject_dialog_fits_a_title_too(
    context, loop, qtbot: QtBot, user
) -> None:
    from omix_desktop.ui.dataset_form import NewDatasetScreen

    sign_in(context, loop, user)
    form = NewDatasetScreen(context)
    qtbot.addWidget(form)
    form.show()
    qtbot.mouseClick(form.new_bioproject, Qt.MouseButton.LeftButton)
    run_until(loop, lambda: open_dialog(form, QInputDialog) is not None)
    project = open_dialog(form, QInputDialog)
    title = "Arabidopsis metabolome under drought, three time points"
    assert project.findChild(QLineEdit).width() >= project.fontMetrics().horizontalAdvance(title)
    project.reject()

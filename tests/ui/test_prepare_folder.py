"""Prepare files: "Upload into folder" is checked as typed and applies to the files listed."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from omix_desktop.ui.prepare import PrepareScreen
from tests.ui.support import run_until
from tests.ui.test_prepare import settle


def remotes(screen: PrepareScreen) -> set[str]:
    return {str(f.remote) for f in screen.model.rows}


def test_folder_typed_after_adding_applies_and_a_space_is_refused(
    context, loop, qtbot: QtBot, user, tmp_path: Path
) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    (tmp_path / "a.fq").write_bytes(b"ACGT" * 100)
    (tmp_path / "b.fq").write_bytes(b"TTGA" * 100)
    screen = PrepareScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    screen.add_paths([tmp_path / "a.fq", tmp_path / "b.fq"])
    settle(loop, screen)
    status = screen.folder.status
    assert "2 files" in status.text() and "top of your pre-upload area" in status.text()

    qtbot.keyClicks(screen.remote_edit, "run1")  # typed after adding: applies at once
    assert remotes(screen) == {"run1/a.fq", "run1/b.fq"}
    assert screen.model.index(0, 0).data().startswith("run1/")
    assert "All 2 files in the list" in status.text() and "“run1/”" in status.text()

    qtbot.keyClicks(screen.remote_edit, " b")  # "run1 b": the archive refuses the space
    assert screen.remote_edit.property("invalid") is True
    assert "'run1 b' contains a space" in status.text()
    assert "“run1_b”" in status.text()  # the safe name to use instead
    assert remotes(screen) == {"run1/a.fq", "run1/b.fq"}  # kept in the last valid folder
    loop.run_until_complete(screen.send_selected())
    assert "contains a space" in screen.message.text()
    assert context.uploads.queue.items() == []  # nothing sent into a refused folder

    screen.remote_edit.clear()
    qtbot.keyClicks(screen.remote_edit, "run2/lane1")
    assert screen.remote_edit.property("invalid") is False
    assert remotes(screen) == {"run2/lane1/a.fq", "run2/lane1/b.fq"}
    (tmp_path / "c.fq").write_bytes(b"GGCC" * 100)
    screen.add_paths([tmp_path / "c.fq"])  # added later: same folder
    run_until(loop, lambda: len(screen.model.rows) == 3)
    settle(loop, screen)
    assert "run2/lane1/c.fq" in remotes(screen)
    assert "All 3 files" in status.text()
    loop.run_until_complete(screen.send_selected())
    sent = {str(item.remote_path) for item in context.uploads.queue.items()}
    assert sent == {"run2/lane1/a.fq", "run2/lane1/b.fq", "run2/lane1/c.fq"}


def test_folder_messages_follow_the_language(make_context, qtbot: QtBot) -> None:
    context = make_context()
    screen = PrepareScreen(context)
    qtbot.addWidget(screen)
    qtbot.keyClicks(screen.remote_edit, "my run")
    english = screen.folder.status.text()
    context.translator.set_language("zh_CN")
    chinese = screen.folder.status.text()
    assert "contains a space" in english
    assert "my run" in chinese and "空格" in chinese and "my_run" in chinese
    assert "The files stay" not in chinese
    screen.remote_edit.clear()
    assert "pre-upload" not in screen.folder.status.text()  # the Chinese count line

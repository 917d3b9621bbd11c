"""Prepare files: hashing in the background, pre-flight verdicts, renaming a copy, manifests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

from PySide6.QtCore import QItemSelectionModel, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from omix_desktop.ui.prepare import PrepareScreen
from omix_desktop.ui.prepare.model import Column, PreparedFile
from omix_wire.naming import safe_name
from tests.ui.support import run_until


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def make_screen(context, qtbot: QtBot) -> PrepareScreen:
    screen = PrepareScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def settle(loop, screen: PrepareScreen) -> None:
    """Wait for hashing and the pre-flight check, then repaint."""
    run_until(loop, lambda: not screen.hashing() and screen.model.rows)
    run_until(loop, lambda: screen._check_task is None or screen._check_task.done())
    screen.model.flush()


def cell(screen: PrepareScreen, row: int, column: Column) -> str:
    return screen.model.index(row, column).data()


def row_named(screen: PrepareScreen, remote: str) -> int:
    return next(i for i, f in enumerate(screen.model.rows) if str(f.remote) == remote)


def select(screen: PrepareScreen, rows: list[int]) -> None:
    selection = screen.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(screen.model.index(row, 0), flags)


def test_added_files_and_folders_show_md5s_that_match_hashlib(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    folder = tmp_path / "run1"
    (folder / "lane2").mkdir(parents=True)
    files = {
        folder / "a.fq": os.urandom(3 * 1024 * 1024 + 17),
        folder / "lane2" / "b.fq": b"ACGT" * 1000,
        tmp_path / "single.txt": b"hello",
    }
    for path, data in files.items():
        path.write_bytes(data)
    screen = make_screen(context, qtbot)
    screen.add_paths([folder, tmp_path / "single.txt"])
    settle(loop, screen)

    remotes = {str(f.remote): f for f in screen.model.rows}
    assert set(remotes) == {"run1/a.fq", "run1/lane2/b.fq", "single.txt"}  # structure kept
    for file in screen.model.rows:
        assert file.md5 == md5(file.local)
        row = row_named(screen, str(file.remote))
        assert cell(screen, row, Column.MD5) == file.md5
        assert cell(screen, row, Column.CHECK) == "OK"
    assert cell(screen, row_named(screen, "run1/a.fq"), Column.SIZE) == "3.1 MB"  # Babel
    assert cell(screen, row_named(screen, "single.txt"), Column.SIZE) == "5 B"
    assert "3 files" in screen.summary.text() and "3 hashed" in screen.summary.text()
    # the second time the digests come from the cache, not from reading the files
    assert context.uploads.hash_cache.get(folder / "a.fq") == md5(folder / "a.fq")


def test_dropped_files_are_added(make_context, qtbot: QtBot, loop, tmp_path: Path) -> None:
    context = make_context()
    (tmp_path / "dropped.txt").write_bytes(b"dropped")
    screen = make_screen(context, qtbot)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.txt"))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    screen.dropEvent(event)
    settle(loop, screen)
    assert screen.model.rows[0].md5 == md5(tmp_path / "dropped.txt")


def test_bad_name_is_explained_and_a_renamed_copy_replaces_it(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    bad = tmp_path / "my reads#1.fq"
    bad.write_bytes(b"ACGT" * 500)
    screen = make_screen(context, qtbot)
    screen.add_paths([bad])
    settle(loop, screen)
    verdict = cell(screen, 0, Column.CHECK)
    assert "'my reads#1.fq' contains a space" in verdict
    assert "Rename a copy" in verdict
    assert screen.model.rows[0].blocked

    select(screen, [0])
    assert screen.rename_button.isEnabled()
    task = screen.rename_selected()
    loop.run_until_complete(task)
    settle(loop, screen)

    copy = tmp_path / "my_reads_1.fq"
    assert copy.read_bytes() == bad.read_bytes()
    assert bad.exists()  # the original is untouched
    file = screen.model.rows[0]
    assert (file.local, str(file.remote)) == (copy, "my_reads_1.fq")
    assert file.md5 == md5(bad) and not file.issues
    assert "original files are untouched" in screen.message.text()


def test_a_bad_folder_name_is_fixed_on_the_server_side_only(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    folder = tmp_path / "run (1)"
    folder.mkdir()
    (folder / "ok.fq").write_bytes(b"x" * 10)
    screen = make_screen(context, qtbot)
    screen.add_paths([folder])
    settle(loop, screen)
    assert "special character '('" in cell(screen, 0, Column.CHECK) or "space" in cell(
        screen, 0, Column.CHECK
    )
    select(screen, [0])
    loop.run_until_complete(screen.rename_selected())
    settle(loop, screen)
    assert str(screen.model.rows[0].remote) == "run_1/ok.fq"
    assert screen.model.rows[0].local == folder / "ok.fq"
    assert sorted(p.name for p in folder.iterdir()) == ["ok.fq"]  # nothing copied


def test_empty_duplicate_and_changed_files_are_flagged(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "one.fq").write_bytes(b"same content")
    (tmp_path / "two.fq").write_bytes(b"same content")
    (tmp_path / "edited.fq").write_bytes(b"first version")
    screen = make_screen(context, qtbot)
    screen.add_paths(sorted(tmp_path.iterdir()))
    settle(loop, screen)
    empty = cell(screen, row_named(screen, "empty.txt"), Column.CHECK)
    assert empty.startswith("The file is empty (0 bytes)")
    assert "Duplicate: same content (MD5) as one.fq" in cell(
        screen, row_named(screen, "two.fq"), Column.CHECK
    )

    edited = tmp_path / "edited.fq"
    edited.write_bytes(b"the second, longer version")
    loop.run_until_complete(screen.check_now())  # the check notices and hashes again
    settle(loop, screen)
    assert screen.model.rows[row_named(screen, "edited.fq")].md5 == md5(edited)


def test_too_large_files_are_flagged(make_context, qtbot: QtBot, loop, tmp_path: Path) -> None:
    from omix_wire.limits import FILE_WARNING_SIZE

    context = make_context()
    big = tmp_path / "big.bin"
    with open(big, "wb") as handle:
        handle.truncate(FILE_WARNING_SIZE + 1)  # sparse: no disk used
    screen = make_screen(context, qtbot)
    screen.model.add([PreparedFile(big, PurePosixPath("big.bin"))])
    loop.run_until_complete(screen.check_now())  # pre-flight without hashing 20 GB
    assert cell(screen, 0, Column.CHECK).startswith("Too large:")


def test_manifests_are_exported_and_compared(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.fq").write_bytes(b"aaaa")
    (data / "b.fq").write_bytes(b"bbbb")
    screen = make_screen(context, qtbot)
    screen.add_paths([data / "a.fq", data / "b.fq"])
    settle(loop, screen)

    out = tmp_path / "md5sum.txt"
    loop.run_until_complete(screen.export_manifest(out))
    assert out.read_text() == (
        f"{md5(data / 'a.fq')}  a.fq\n{md5(data / 'b.fq')}  b.fq\n"
    )  # what md5sum -c reads
    assert "Saved 2 MD5s" in screen.message.text()

    theirs = tmp_path / "theirs.md5"
    theirs.write_text(f"{md5(data / 'a.fq')}  a.fq\n{'0' * 32}  b.fq\n")
    loop.run_until_complete(screen.import_manifest(theirs))
    assert "2 of 2 files listed; 1 with a different MD5" in screen.message.text()
    assert cell(screen, row_named(screen, "a.fq"), Column.CHECK) == "OK, matches the manifest"
    assert "differs from the manifest" in cell(screen, row_named(screen, "b.fq"), Column.CHECK)

    broken = tmp_path / "broken.md5"
    broken.write_text(f"{md5(data / 'a.fq')}  a.fq\nnot a line\n")
    loop.run_until_complete(screen.import_manifest(broken))
    text = screen.message.text()
    assert "broken.md5 is not a valid MD5 file: line 2" in text and "md5sum" in text


def test_sending_without_signing_in_says_what_to_do(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    (tmp_path / "a.fq").write_bytes(b"a")
    screen = make_screen(context, qtbot)
    screen.add_paths([tmp_path / "a.fq"])
    settle(loop, screen)
    loop.run_until_complete(screen.send_selected())
    assert screen.message.text().startswith("Sign in first")
    assert len(screen.model.rows) == 1  # nothing lost


def test_prepare_screen_switches_language(make_context, qtbot: QtBot, loop, tmp_path: Path) -> None:
    context = make_context()
    (tmp_path / "a b.fq").write_bytes(b"a")
    screen = make_screen(context, qtbot)
    screen.add_paths([tmp_path / "a b.fq"])
    settle(loop, screen)
    english = (screen.send_button.text(), screen.model.headerData(0, Qt.Orientation.Horizontal))
    check = cell(screen, 0, Column.CHECK)
    context.translator.set_language("zh_CN")
    chinese = (screen.send_button.text(), screen.model.headerData(0, Qt.Orientation.Horizontal))
    assert english == ("Send to transfers", "Name")
    assert chinese[0] != english[0] and chinese[1] != english[1]
    assert cell(screen, 0, Column.CHECK) != check and "空格" in cell(screen, 0, Column.CHECK)


def test_safe_names() -> None:
    assert safe_name("my reads#1.fq.gz") == "my_reads_1.fq.gz"
    assert safe_name("ok-name_1.fq") == "ok-name_1.fq"
    assert safe_name("样本.fq") == "file.fq"
    assert safe_name("样本 1.fq") == "1.fq"
    assert len(safe_name("x" * 300 + ".fq.gz")) == 255

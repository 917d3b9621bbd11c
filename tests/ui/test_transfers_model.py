"""Transfers as one table model and three filtered lists, checked by Qt's model tester.

The testers stay attached while rows are added, changed, moved between the
lists and removed: every signal the models send is checked against what they
answer (a broken invariant is a Qt warning, which fails a UI test here).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path, PurePosixPath

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import FtpSettings, ItemState, PlannedFile, UploadQueue
from omix_desktop.transfer.queue_memory import MemoryQueueStore
from omix_desktop.ui.transfers import TransfersScreen
from omix_desktop.ui.transfers.model import LIST_ROLE, Column, TransferLists
from tests.ui.support import run_until


def attach_testers(request: pytest.FixtureRequest, lists: TransferLists) -> list[ModelTester]:
    """pytest-qt's model tester on the table and on each list (kept for the whole test)."""
    testers = []
    models: list[QAbstractItemModel] = [lists.table, *lists.models.values()]
    for model in models:
        tester = ModelTester(request.config)
        tester.check(model)
        request.addfinalizer(tester._cleanup)
        testers.append(tester)
    return testers


def names(lists: TransferLists, name: str) -> list[str]:
    model = lists.models[name]
    return [model.index(row, Column.NAME).data() for row in range(model.rowCount())]


@pytest.fixture
def engine(tmp_path: Path, loop) -> UploadQueue:
    """The real engine on the app's in-memory store, not started (commands only)."""
    store = MemoryQueueStore(tmp_path / "queue")
    queue = UploadQueue(store, FtpSettings("127.0.0.1", 9, "nobody", "x"))
    yield queue
    store.close()


def test_lists_follow_added_changed_moved_and_removed_rows(
    request: pytest.FixtureRequest, qtmodeltester, engine: UploadQueue, tmp_path: Path
) -> None:
    translator = Translator("en")
    lists = TransferLists(translator)
    qtmodeltester.check(lists.table)
    attach_testers(request, lists)
    engine.events.subscribe(lists.on_event)
    lists.load(engine.items())
    local = tmp_path / "files"
    local.mkdir()
    for name in "abcdef":
        (local / f"{name}.fq").write_bytes(os.urandom(100 + ord(name)))
    items = engine.add(PlannedFile(local / f"{n}.fq", PurePosixPath(f"run/{n}.fq")) for n in "abcd")
    lists.flush()
    assert names(lists, "queued") == ["run/a.fq", "run/b.fq", "run/c.fq", "run/d.fq"]
    assert lists.counts() == {"queued": 4, "failed": 0, "successful": 0}

    engine.cancel(items[1].id)  # b and c to Failed in one batch, a paused (changed in place)
    engine.cancel(items[2].id)
    engine.pause(items[0].id)
    lists.flush()
    assert names(lists, "queued") == ["run/a.fq", "run/d.fq"]
    assert names(lists, "failed") == ["run/b.fq", "run/c.fq"]
    assert lists.models["queued"].index(0, Column.STATE).data() == "Paused"
    failed = lists.models["failed"]
    assert failed.index(0, Column.STATE).data() == "Failed"
    assert failed.index(0, Column.STATE).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert failed.index(0, 0).data(LIST_ROLE) == "failed"
    assert failed.headerData(Column.DETAIL, Qt.Orientation.Horizontal) == "Reason"
    assert lists.models["queued"].headerData(Column.DETAIL, Qt.Orientation.Horizontal) == "Note"

    engine.retry([items[2].id])  # c back to Queued, between a and d (queue order)
    more = engine.add(PlannedFile(local / f"{n}.fq", PurePosixPath(f"run/{n}.fq")) for n in "ef")
    engine.remove(items[3].id)  # d removed while e and f arrive
    lists.flush()
    assert names(lists, "queued") == ["run/a.fq", "run/c.fq", "run/e.fq", "run/f.fq"]
    assert names(lists, "failed") == ["run/b.fq"]
    assert lists.models["queued"].ids == [items[0].id, items[2].id, more[0].id, more[1].id]
    assert lists.table.rowCount() == 5

    engine.remove(items[1].id)
    engine.remove(items[0].id)
    lists.flush()
    assert lists.counts() == {"queued": 3, "failed": 0, "successful": 0}
    assert [lists.table.index(r, 0).data() for r in range(3)] == names(lists, "queued")

    translator.set_language("zh_CN")  # as the screen does on a switch: every text again
    lists.retranslate()
    assert lists.models["queued"].index(0, Column.STATE).data() == "排队中"
    assert lists.models["queued"].headerData(Column.DETAIL, Qt.Orientation.Horizontal) == "备注"
    lists.load([])
    assert lists.counts() == {"queued": 0, "failed": 0, "successful": 0}


def test_real_uploads_move_through_the_lists_under_the_model_testers(
    request: pytest.FixtureRequest, make_context, server, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    # A speed limit (240 kB at 64 KiB/s: about 4 s) keeps files queued behind the
    # ones sending, so the Queued list is seen with rows on any machine.
    context = make_context(server=server, speed_limit_kib=64)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    screen = TransfersScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    attach_testers(request, screen.lists)
    queue = context.uploads.queue
    assert isinstance(queue.store, MemoryQueueStore)
    files = []
    for index in range(12):
        path = tmp_path / f"s{index:02d}.fq"
        path.write_bytes(os.urandom(20_000 + index))
        files.append(PlannedFile(path, PurePosixPath(f"model/s{index:02d}.fq")))
    queue.add(files)
    seen: dict[str, int] = {"queued": 0}
    screen.lists.refreshed.connect(
        lambda: seen.update(queued=max(seen["queued"], screen.lists.counts()["queued"]))
    )
    run_until(loop, lambda: screen.lists.counts()["successful"] == 12)
    assert seen["queued"] >= 1
    assert screen.lists.counts() == {"queued": 0, "failed": 0, "successful": 12}
    successful = screen.lists.models["successful"]
    assert sorted(successful.index(r, Column.NAME).data() for r in range(12)) == [
        f"model/s{i:02d}.fq" for i in range(12)
    ]
    assert {successful.index(r, Column.STATE).data() for r in range(12)} == {
        "Uploaded and verified"
    }
    screen.act("remove", successful.ids[:5])
    run_until(loop, lambda: screen.lists.counts()["successful"] == 7)
    assert screen.tabs.tabText(2) == "Successful (7)"
    assert len(queue.items()) == 7


def test_a_queue_that_cannot_be_saved_is_said_on_the_screen_in_both_languages(
    context, qtbot: QtBot, loop, user
) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    screen = TransfersScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    queue = context.uploads.queue
    store = queue.store
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the queue's file
    try:
        screen.pause_all_button.click()  # a change to save
        run_until(loop, lambda: store.save_error is not None, 30)
        screen.lists.flush()
        assert screen.status.text().startswith(
            "The upload queue could not be saved on this computer (OperationalError: database"
        )
        assert str(store.path) in screen.status.text()
        context.translator.set_language("zh_CN")
        run_until(loop, lambda: screen.status.text().startswith("无法在本机保存上传队列"))
        context.translator.set_language("en")
    finally:
        other.execute("ROLLBACK")
        other.close()
    run_until(loop, lambda: store.save_error is None, 30)
    screen.lists.flush()
    assert screen.status.text().startswith("All transfers are paused.")
    loop.run_until_complete(store.flushed())
    check = sqlite3.connect(store.path)
    assert check.execute("SELECT value FROM settings WHERE key = 'paused'").fetchone() == ("1",)
    check.close()


def test_what_the_server_says_is_compared_apart_and_only_changes_come_back(
    tmp_path: Path,
) -> None:
    from omix_desktop.transfer import QueueItem
    from omix_desktop.ui.uploads_service import ServerCheck, server_check_changes

    def verified(item_id: int, name: str) -> QueueItem:
        return QueueItem(
            item_id, tmp_path / name, PurePosixPath(f"run/{name}"), 10, 1,
            state=ItemState.VERIFIED, md5="ab" * 16,
        )  # fmt: skip

    items = [verified(i, n) for i, n in enumerate(["a", "b", "c", "d", "e", "f"], start=1)]
    listing = {
        "run/a": {"md5": "AB" * 16, "state": "verified"},
        "run/b": {"md5": "cd" * 16, "state": "verified"},
        "run/c": {"md5": "ab" * 16, "state": "verified", "selected_by": "OMIX001-01"},
        "run/d": {"md5": "ab" * 16, "state": "uploading"},
        "run/f": {"md5": "ab" * 16, "state": "verified"},
    }
    before = {
        5: ServerCheck("selected", "ab" * 16, "OMIX001-02"),
        6: ServerCheck("verified", "ab" * 16),
    }
    assert server_check_changes(listing, items, before) == {
        1: ServerCheck("verified", "ab" * 16),
        2: ServerCheck("mismatch", "cd" * 16),
        3: ServerCheck("selected", "ab" * 16, "OMIX001-01"),
        4: ServerCheck("waiting"),
        5: ServerCheck("gone", "ab" * 16, "OMIX001-02"),  # left the area: in its dataset
    }  # f unchanged: not returned

"""Windows and macOS specifics in the app: NFD and device names in Prepare, the keyring
named for the running store, native file dialogs.

Real files in tmp_path (Linux keeps the bytes of a decomposed name as macOS
hands them over); real keyring backend classes; the app's own dialog helpers.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService, Windows, fail, kwallet, macOS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from omix_desktop.api.credentials import SERVICE, StoreKind, store_kind
from omix_desktop.i18n.translator import Translator
from omix_desktop.keyring_text import where_is_my_password
from omix_desktop.ui import dialogs
from omix_desktop.ui.prepare.model import Column
from omix_desktop.ui.sign_in import SignInScreen
from tests.ui.support import run_until
from tests.ui.test_prepare import cell, make_screen, md5, row_named, select, settle

CAFE = "café.fq"
CAFE_NFD = unicodedata.normalize("NFD", CAFE)
EN, ZH = Translator("en"), Translator("zh_CN")


def test_prepare_shows_nfd_names_composed_and_refuses_device_names(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    decomposed = tmp_path / CAFE_NFD
    decomposed.write_bytes(b"ACGT" * 100)
    device = tmp_path / "aux.fq"
    device.write_bytes(b"GGCC" * 100)
    dotted = tmp_path / "reads.fq."
    dotted.write_bytes(b"TTAA" * 100)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    upper, lower = tmp_path / "one" / "Sample.fq", tmp_path / "two" / "sample.fq"
    upper.write_bytes(b"A" * 10)
    lower.write_bytes(b"C" * 10)
    screen = make_screen(context, qtbot)
    screen.add_paths([decomposed, device, dotted, upper, lower])
    settle(loop, screen)

    names = [cell(screen, row, Column.NAME) for row in range(len(screen.model.rows))]
    assert CAFE in names and CAFE_NFD not in names  # shown (and sent) composed
    row = row_named(screen, CAFE)
    file = screen.model.rows[row]
    assert file.local == decomposed  # opened with the OS's own form
    assert screen.model.index(row, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) == str(decomposed)
    check = cell(screen, row, Column.CHECK)
    assert f"'{CAFE}' contains the special character 'é'" in check and file.blocked
    assert "\u0301" not in check

    check = cell(screen, row_named(screen, "aux.fq"), Column.CHECK)
    assert "'aux.fq' is a name Windows keeps for a device (AUX)" in check
    assert "Use 'aux_.fq' instead." in check
    check = cell(screen, row_named(screen, "reads.fq."), Column.CHECK)
    assert "ends with a dot, which Windows removes. Use 'reads.fq' instead." in check
    check = cell(screen, row_named(screen, "sample.fq"), Column.CHECK)
    assert check.startswith("Differs from Sample.fq only in upper and lower case")
    assert cell(screen, row_named(screen, "Sample.fq"), Column.CHECK) == "OK"
    assert "4 cannot be sent" in screen.summary.text()

    context.translator.set_language("zh_CN")
    assert "Windows 保留给设备（AUX）" in cell(screen, row_named(screen, "aux.fq"), Column.CHECK)
    assert "仅有大小写不同" in cell(screen, row_named(screen, "sample.fq"), Column.CHECK)
    assert "以句点结尾" in cell(screen, row_named(screen, "reads.fq."), Column.CHECK)
    context.translator.set_language("en")

    select(screen, [row_named(screen, CAFE), row_named(screen, "aux.fq")])
    loop.run_until_complete(screen.rename_selected())
    settle(loop, screen)
    assert (tmp_path / "cafe.fq").read_bytes() == decomposed.read_bytes()
    assert (tmp_path / "aux_.fq").read_bytes() == device.read_bytes()
    assert decomposed.exists() and device.exists()  # originals untouched
    for name in ("cafe.fq", "aux_.fq"):
        assert cell(screen, row_named(screen, name), Column.CHECK) == "OK"


def test_an_md5_file_from_macos_matches_composed_names(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    context = make_context()
    (tmp_path / "run1").mkdir()
    composed_file, decomposed_file = tmp_path / "run1" / "été.fq", tmp_path / CAFE_NFD
    composed_file.write_bytes(b"AAAA")
    decomposed_file.write_bytes(b"CCCC")
    screen = make_screen(context, qtbot)
    screen.add_paths([tmp_path / "run1", decomposed_file])
    settle(loop, screen)
    theirs = tmp_path / "theirs.md5"
    theirs.write_text(
        f"{md5(composed_file)}  {unicodedata.normalize('NFD', 'run1/été.fq')}\n"
        f"{md5(decomposed_file)}  ./{CAFE}\n",
        encoding="utf-8",
    )
    loop.run_until_complete(screen.import_manifest(theirs))
    assert "2 of 2 files listed" in screen.message.text()
    assert all(file.manifest_md5 == file.md5 for file in screen.model.rows)


# -- the keyring, named for the store in use ----------------------------------------


@pytest.mark.parametrize(
    ("backend", "kind", "english", "chinese"),
    [
        (
            Windows.WinVaultKeyring(),
            StoreKind.WINDOWS_CREDENTIAL_MANAGER,
            "Windows Credential Manager",
            "Windows 凭据管理器",
        ),  # noqa: E501
        (macOS.Keyring(), StoreKind.MACOS_KEYCHAIN, "macOS Keychain", "macOS 钥匙串"),
        (SecretService.Keyring(), StoreKind.SECRET_SERVICE, "Secret Service", "Secret Service"),
        (kwallet.DBusKeyring(), StoreKind.KWALLET, "KWallet Manager", "KWallet 管理器"),
        (fail.Keyring(), StoreKind.NONE, "no secure password store", "没有"),
    ],
)
def test_the_password_text_names_the_running_store(
    backend: keyring.backend.KeyringBackend, kind: StoreKind, english: str, chinese: str
) -> None:
    assert store_kind(backend) is kind
    text_en, text_zh = where_is_my_password(EN, kind), where_is_my_password(ZH, kind)
    assert english in text_en and chinese in text_zh and text_en != text_zh
    if kind is not StoreKind.NONE:
        assert f"“{SERVICE}”" in text_en and f"“{SERVICE}”" in text_zh


def test_the_sign_in_screen_says_where_the_password_is(make_context, qtbot: QtBot) -> None:
    context = make_context()  # the tests' in-memory keyring: a store of another kind
    assert store_kind() is StoreKind.OTHER
    screen = SignInScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    screen.remember_box.setChecked(False)
    assert not screen.keyring_note.isVisible()
    screen.remember_box.setChecked(True)
    assert screen.keyring_note.isVisible()
    assert screen.keyring_note.text() == where_is_my_password(EN)
    assert f"secure password store, under “{SERVICE}”" in screen.remember_box.toolTip()
    context.translator.set_language("zh_CN")
    assert screen.keyring_note.text() == where_is_my_password(ZH) != where_is_my_password(EN)
    assert screen.remember_box.toolTip() == where_is_my_password(ZH)

    keyring.set_keyring(fail.Keyring())
    context.translator.set_language("en")
    assert "no secure password store" in screen.keyring_note.text()
    assert screen.keyring_note.isVisible()


# -- file dialogs: the platform's own on Windows and macOS --------------------------


def open_file_dialog(loop, qtbot: QtBot, opener) -> tuple[QFileDialog, asyncio.Task]:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    task = loop.create_task(opener(parent))
    run_until(loop, lambda: parent.findChild(QFileDialog, "file_dialog") is not None)
    return parent.findChild(QFileDialog, "file_dialog"), task


@pytest.mark.parametrize(
    "opener",
    [
        lambda parent: dialogs.open_file_names(parent, "Add files"),
        lambda parent: dialogs.open_file_name(parent, "Compare", name_filter="MD5 (*.md5)"),
        lambda parent: dialogs.save_file_name(parent, "Save", "md5sum.md5"),
        lambda parent: dialogs.existing_directory(parent, "Add folder"),
    ],
    ids=["files", "file", "save", "folder"],
)
def test_every_file_dialog_may_be_native(loop, qtbot: QtBot, opener) -> None:
    """Qt shows the platform's dialog unless told not to; nothing here tells it."""
    app = QApplication.instance()
    assert not app.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    dialog, task = open_file_dialog(loop, qtbot, opener)
    assert not dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.reject()
    assert loop.run_until_complete(task) in ([], "")


def test_no_code_turns_native_dialogs_off() -> None:
    root = Path(__file__).resolve().parents[2] / "omix_desktop"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"DontUseNativeDialog|AA_DontUseNativeDialogs", path.read_text("utf-8"))
    ]
    assert offenders == []
    makers = [
        str(path.relative_to(root))
        for path in (root / "ui").rglob("*.py")
        if re.search(r"QFileDialog\(|QFileDialog\.get", path.read_text("utf-8"))
    ]
    assert makers == ["ui/dialogs.py"]  # one place makes file dialogs


def test_renamed_copies_are_made_deep_in_a_tree(tmp_path: Path) -> None:
    """Rename a copy opens both files through os_path (the extended form on Windows)."""
    from omix_desktop.ui.prepare.disk import copy_new, stamp
    from omix_wire.paths import os_path

    folder = tmp_path
    while len(str(folder)) < 300:
        folder = folder / ("deep" * 12)
    Path(os_path(folder)).mkdir(parents=True)
    source = folder / "aux.fq"
    with open(os_path(source), "wb") as handle:
        handle.write(b"ACGT" * 10)
    copy_new(source, folder / "aux_.fq")
    assert stamp(folder / "aux_.fq") == stamp(source)  # same size and modification time
    with pytest.raises(FileExistsError):
        copy_new(source, folder / "aux_.fq")  # never overwrites
    assert stamp(folder / "gone.fq") is None


def test_a_file_differing_in_case_from_one_in_transfers_is_kept_back(
    context, loop, qtbot: QtBot, user, tmp_path: Path
) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    (tmp_path / "first" / "Reads.fq").write_bytes(b"ACGT" * 100)
    (tmp_path / "second" / "reads.fq").write_bytes(b"TTGA" * 100)
    screen = make_screen(context, qtbot)
    screen.add_paths([tmp_path / "first" / "Reads.fq"])
    settle(loop, screen)
    loop.run_until_complete(screen.send_selected())
    assert [str(i.remote_path) for i in context.uploads.queue.items()] == ["Reads.fq"]

    screen.add_paths([tmp_path / "second" / "reads.fq"])
    run_until(loop, lambda: len(screen.model.rows) == 1)
    settle(loop, screen)
    check = cell(screen, 0, Column.CHECK)
    assert check.startswith("Differs from Reads.fq, already in Transfers, only in upper")
    loop.run_until_complete(screen.send_selected())
    assert "1 file was kept here" in screen.message.text()
    assert [str(i.remote_path) for i in context.uploads.queue.items()] == ["Reads.fq"]
    context.translator.set_language("zh_CN")
    assert "已在“传输”中的 Reads.fq 仅有大小写不同" in cell(screen, 0, Column.CHECK)

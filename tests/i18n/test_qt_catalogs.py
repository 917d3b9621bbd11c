"""Qt's own dialogs speak the user's language, from a venv install and from PyInstaller's layout."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton  # noqa: E402

from omix_desktop.ui.qt_catalogs import (  # noqa: E402
    catalog_folder,
    frozen_root,
    load_qt_catalogs,
    translation_folders,
)

QT_FOLDER = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def file_dialog_texts() -> list[str]:
    """What Qt's own file dialog says: its labels and buttons."""
    return [
        QCoreApplication.translate("QFileDialog", "File &name:"),
        QCoreApplication.translate("QFileDialog", "Files of type:"),
        QCoreApplication.translate("QFileDialog", "Look in:"),
        QCoreApplication.translate("QPlatformTheme", "Cancel"),
    ]


@pytest.fixture
def owner(qapp: object):
    parent = QObject()
    yield parent
    app = QCoreApplication.instance()
    for translator in list(parent.children()):
        app.removeTranslator(translator)


def test_a_venv_install_finds_and_loads_qtbase_chinese(owner: QObject) -> None:
    assert frozen_root() is None  # not frozen here: the venv's PySide6 folder
    folders = translation_folders(frozen_root())
    assert catalog_folder("zh_CN", folders) == QT_FOLDER
    assert file_dialog_texts() == ["File &name:", "Files of type:", "Look in:", "Cancel"]
    installed = load_qt_catalogs("zh_CN", owner)
    assert {t.language() for t in installed} == {"zh_CN"}
    assert file_dialog_texts() == ["文件名称(&N)：", "文件类型：", "查找范围：", "取消"]


def test_english_installs_nothing(owner: QObject) -> None:
    assert load_qt_catalogs("en", owner) == []
    assert file_dialog_texts()[3] == "Cancel"


@pytest.mark.parametrize(
    "layout",
    ["PySide6/Qt/translations", "PySide6/translations", "../Resources/PySide6/Qt/translations"],
    ids=["linux-macos-folder", "windows-folder", "macos-app-resources"],
)
def test_a_pyinstaller_bundle_is_searched_first(
    owner: QObject, tmp_path: Path, layout: str
) -> None:
    meipass = tmp_path / "OMIX Desktop.app" / "Contents" / "Frameworks"
    bundled = (meipass / layout).resolve()
    bundled.mkdir(parents=True)
    for name in ("qtbase_zh_CN.qm", "qt_zh_CN.qm"):
        shutil.copy(QT_FOLDER / name, bundled / name)
    folders = translation_folders(meipass)
    assert folders.index(bundled) < folders.index(QT_FOLDER)  # the bundle's own, not the build's
    assert catalog_folder("zh_CN", folders) == bundled
    installed = load_qt_catalogs("zh_CN", owner, folders=[bundled])
    assert installed and file_dialog_texts()[0] == "文件名称(&N)："


def test_a_bundle_without_the_catalogs_says_where_it_looked(
    owner: QObject, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_qt_catalogs("zh_CN", owner, folders=[tmp_path]) == []
    assert str(tmp_path) in caplog.text and "file dialogs stay English" in caplog.text
    assert file_dialog_texts()[3] == "Cancel"


def test_frozen_root_is_pyinstallers_folder(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert frozen_root() == tmp_path


def test_an_open_file_dialog_follows_the_switch(owner: QObject, qtbot) -> None:
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()

    def texts() -> set[str]:
        return {w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QPushButton)}

    assert {"File &name:", "Cancel"} <= texts()
    load_qt_catalogs("zh_CN", owner)
    QCoreApplication.processEvents()  # LanguageChange reaches the open dialog
    assert {"文件名称(&N)：", "取消"} <= texts()


def test_what_qts_chinese_catalog_misses_comes_from_ours(owner: QObject, qtbot, tmp_path) -> None:
    from omix_desktop.i18n.translator import Translator
    from tests.ui.test_bilingual_walk import texts, wrong_language

    load_qt_catalogs("zh_CN", owner, tr=Translator("zh_CN"))
    dialog = QFileDialog(None, "", str(tmp_path))  # opened after the switch, as the app does
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    QCoreApplication.processEvents()
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"查找范围(&L)：", "文件名称(&N)：", "文件类型(&T)："} <= labels
    folders = (*tmp_path.parts, *Path.home().parts)  # the places listed: their own names
    folder_names = {part.casefold() for part in folders if part != "/"}
    assert wrong_language(dict(texts(dialog)), "zh_CN", folder_names) == []
    assert QCoreApplication.translate("QFileDialog", "Open") == "打开"  # Qt's own, still

"""Qt's own translations (file dialogs, standard buttons), found wherever the app is installed.

Qt's file dialogs, message box buttons and context menus are translated by
the ``qtbase_<lang>.qm`` catalogs shipped with PySide6. Where they are
depends on how the app was installed:

- a virtual environment or a system Python: ``PySide6/Qt/translations``,
  which :class:`QLibraryInfo` reports;
- a PyInstaller folder: under ``sys._MEIPASS``, ``PySide6/Qt/translations``
  (Linux, macOS) or ``PySide6/translations`` (Windows wheels), while
  :class:`QLibraryInfo` may still name the build machine's path;
- a macOS ``.app``: the same under ``Contents/Resources`` (data files) or
  ``Contents/Frameworks`` (``sys._MEIPASS``).

:func:`translation_folders` lists the candidates, the bundle's own first when
frozen; :func:`load_qt_catalogs` installs the first that has the language.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, QTranslator

from omix_desktop.i18n.translator import N_, Translator

log = logging.getLogger(__name__)

QT_GAPS: dict[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): N_("&Look in:"),
    ("QFileDialog", "Files of &type:"): N_("Files of &type:"),
    ("QAbstractFileIconProvider", "Drive"): N_("Drive"),
}
"""Texts of Qt's own file dialog that Qt's Chinese catalog leaves in English (Qt 6.x):
translated from our catalog instead, by :class:`QtGaps`."""


class QtGaps(QTranslator):
    """Answers Qt for the few strings of :data:`QT_GAPS`, from our own catalog.

    Installed after Qt's catalogs, so Qt asks it first; for every other string
    it answers nothing (``None``, a null string) and Qt asks its own catalogs.
    """

    def __init__(self, tr: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tr = tr

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        msgid = QT_GAPS.get((context, source))
        if msgid is None:
            return None
        text = self._tr.gettext(msgid)
        return text if text != msgid else None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


CATALOGS = ("qtbase", "qt")
"""``qtbase`` holds the widgets' strings; ``qt`` is the umbrella catalog older Qt versions read."""


def frozen_root() -> Path | None:
    """PyInstaller's unpacked folder (``sys._MEIPASS``), or None when not frozen."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if getattr(sys, "frozen", False) and root else None


def translation_folders(frozen: Path | None = None) -> list[Path]:
    """Where ``qtbase_*.qm`` may be, most likely first (without duplicates)."""
    candidates: list[Path] = []
    if frozen is not None:
        for base in (frozen, frozen.parent / "Resources"):  # .app: Frameworks, Resources
            candidates += [
                base / "PySide6" / "Qt" / "translations",
                base / "PySide6" / "translations",
                base / "translations",
            ]
    candidates.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)))
    try:
        import PySide6

        package = Path(PySide6.__file__).parent
        candidates += [package / "Qt" / "translations", package / "translations"]
    except (ImportError, TypeError):  # pragma: no cover - PySide6 is what imports us
        pass
    unique: list[Path] = []
    for folder in candidates:
        if folder not in unique:
            unique.append(folder)
    return unique


def catalog_folder(code: str, folders: list[Path]) -> Path | None:
    """The first folder holding ``qtbase_<code>.qm``."""
    for folder in folders:
        if (folder / f"qtbase_{code}.qm").is_file():
            return folder
    return None


def load_qt_catalogs(
    code: str, parent: QObject, folders: list[Path] | None = None, tr: Translator | None = None
) -> list[QTranslator]:
    """Install Qt's catalogs for ``code`` into the application; returns them (to remove later).

    With ``tr`` (our translator, already in ``code``), also :class:`QtGaps` for what
    Qt's catalog does not translate.

    Nothing for English (Qt's source language). A language whose catalogs are
    nowhere is logged with the folders searched, so a broken bundle says why
    its file dialogs are English.
    """
    app = QCoreApplication.instance()
    if app is None or code == "en":
        return []
    searched = translation_folders(frozen_root()) if folders is None else folders
    folder = catalog_folder(code, searched)
    if folder is None:
        log.warning(
            "Qt's own %s translations are missing (searched %s): file dialogs stay English",
            code,
            ", ".join(str(f) for f in searched),
        )
        return []
    installed: list[QTranslator] = []
    for name in CATALOGS:
        translator = QTranslator(parent)
        if translator.load(f"{name}_{code}", str(folder)):
            app.installTranslator(translator)
            installed.append(translator)
    if tr is not None:
        gaps = QtGaps(tr, parent)
        app.installTranslator(gaps)
        installed.append(gaps)
    return installed

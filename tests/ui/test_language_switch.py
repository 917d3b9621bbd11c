"""Switching the language retranslates every visible text, on every screen, live."""

from __future__ import annotations

from babel.messages.pofile import read_po
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.translator import LOCALE_DIR
from omix_desktop.ui.main_window import MainWindow
from omix_desktop.ui.register_dialog import RegisterDialog
from tests.ui.support import visible_texts

# Brand and proper nouns, and the languages' own names: the same in every language.
UNTRANSLATED = {"OMIX Desktop", "English", "简体中文"}


def same_in_chinese() -> set[str]:
    """Catalog entries whose Chinese text is deliberately the English one."""
    path = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "omix.po"
    with path.open("rb") as source:
        catalog = read_po(source)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id}


def untranslated_after_switch(before: dict[str, str], after: dict[str, str]) -> list[str]:
    allowed = UNTRANSLATED | same_in_chinese()
    problems = []
    for where, english in before.items():
        if not any(c.isalpha() and c.isascii() for c in english):
            continue  # numbers, paths, symbols
        if after.get(where) == english and english not in allowed:
            problems.append(f"{where}: {english!r}")
    return problems


def test_every_screen_of_the_main_window_switches_to_chinese(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    english = dict(visible_texts(window))
    assert english["menubar.action1"] == "&Language"
    assert len(english) > 60  # really walked the screens, not only the window

    window.language_actions["zh_CN"].trigger()

    chinese = dict(visible_texts(window))
    assert set(chinese) == set(english)
    assert untranslated_after_switch(english, chinese) == []
    assert chinese["menubar.action1"] == "语言(&L)"
    assert window.windowTitle() == "登录 — OMIX Desktop"
    assert context.settings.language == "zh_CN"
    assert context.config.load().language == "zh_CN"  # remembered

    window.language_actions["en"].trigger()
    assert dict(visible_texts(window)) == english


def test_the_register_dialog_switches_too(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    dialog = window.sign_in.open_register()
    assert isinstance(dialog, RegisterDialog)
    english = dict(visible_texts(dialog))
    context.translator.set_language("zh_CN")
    chinese = dict(visible_texts(dialog))
    assert untranslated_after_switch(english, chinese) == []
    assert dialog.labels["email"].text() == "邮箱 *"
    assert dialog.windowTitle() == "注册账号"


def test_qt_own_dialog_texts_follow_the_language(context) -> None:
    from PySide6.QtCore import QCoreApplication

    def cancel() -> str:
        return QCoreApplication.translate("QPlatformTheme", "Cancel")

    assert cancel() == "Cancel"
    context.translator.set_language("zh_CN")
    assert cancel() == "取消"
    context.translator.set_language("en")
    assert cancel() == "Cancel"


def test_settings_language_combo_follows_the_menu(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    combo = window.settings_screen.language_combo
    window.language_actions["zh_CN"].trigger()
    assert combo.currentData() == "zh_CN"
    combo.setCurrentIndex(combo.findData("en"))
    assert context.translator.language == "en"
    assert window.language_actions["en"].isChecked()
    assert window.nav.item(0).text() == "Sign in"


def test_the_window_starts_in_the_saved_language(make_context, qtbot: QtBot) -> None:
    from omix_desktop.ui.application import initial_language

    assert initial_language("zh_CN") == "zh_CN"
    assert initial_language("") in {"en", "zh_CN"}
    context = make_context(language="zh_CN")
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert window.nav.item(0).text() == "登录"
    assert window.nav.item(1).text() == "准备文件"
    assert window.screens["prepare"].heading.text() == "准备文件"

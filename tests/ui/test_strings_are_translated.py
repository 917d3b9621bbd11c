"""Every user-visible string in ui/ goes through the translator (an AST scan, no Qt).

A string literal (or an f-string) passed straight to a Qt call that shows
text, e.g. ``label.setText("Sign in")`` or ``QPushButton("OK")``, fails
this test; ``label.setText(_("Sign in"))`` passes. So does a translated
string concatenated or formatted with a literal, as long as the literal
itself contains no words. Brand names and the languages' own names are
allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "omix_desktop" / "ui"

TEXT_METHODS = {
    "setText", "setWindowTitle", "setToolTip", "setStatusTip", "setWhatsThis",
    "setPlaceholderText", "setTitle", "setAccessibleName", "setAccessibleDescription",
    "addAction", "addMenu", "addItem", "addItems", "addTab", "setTabText", "insertItem",
    "setItemText", "setHeaderLabels", "setHeaderLabel", "showMessage", "addRow",
    "setLabelText", "setWindowIconText", "setSuffix", "setPrefix", "setSpecialValueText",
    "setInformativeText", "setDetailedText", "setButtonText",
    "about", "critical", "warning", "information", "question",
    "getSaveFileName", "getOpenFileName", "getExistingDirectory",
}  # fmt: skip
TEXT_CLASSES = {
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QMenu",
    "QToolButton", "QListWidgetItem", "QTreeWidgetItem", "QMessageBox", "QCommandLinkButton",
}  # fmt: skip
LOGGERS = {"log", "logger", "logging", "warnings"}
DATA_LAST = {"addItem", "insertItem"}
ALLOWED = {"OMIX Desktop", "English", "简体中文", "", " ", "\n", "\n\n", " — "}


def has_words(text: str) -> bool:
    return any(char.isalpha() for char in text) and text not in ALLOWED


def bare_literals(node: ast.AST) -> list[ast.AST]:
    """Literals with words in an argument expression, outside any call.

    A call is either a translation (``_()``, ``fill()``) or a function that returns
    text it translated itself (``describe(name, tr)``, ``screen.nav_title()``)."""
    if isinstance(node, ast.Call):
        return []
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) and has_words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        literal = "".join(
            part.value for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )  # fmt: skip
        return [node] if has_words(literal) else []
    if isinstance(node, ast.Dict | ast.Subscript):
        return []  # parameters of a template, keys
    found: list[ast.AST] = []
    for child in ast.iter_child_nodes(node):
        found.extend(bare_literals(child))
    return found


def untranslated(source: str, filename: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in TEXT_METHODS and name not in TEXT_CLASSES:
            continue
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(receiver, ast.Name) and receiver.id in LOGGERS:
            continue  # log.warning(...) is for the log file, in English
        positional = list(node.args)
        if name in DATA_LAST and len(positional) >= 2:
            positional = positional[:-1]  # addItem(text, user_data): the data is not shown
        arguments = [*positional, *(keyword.value for keyword in node.keywords)]
        for argument in arguments:
            for literal in bare_literals(argument):
                problems.append(f"{filename}:{literal.lineno}: {ast.unparse(literal)} in {name}()")
    return problems


def test_every_visible_string_in_ui_is_translated() -> None:
    files = sorted(UI.glob("*.py"))
    assert len(files) >= 8
    problems = [
        problem
        for path in files
        for problem in untranslated(path.read_text(encoding="utf-8"), path.name)
    ]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        'label.setText("Sign in")',
        'QPushButton("Cancel", self)',
        'self.setWindowTitle(f"Settings of {name}")',
        'menu.addAction("Quit")',
        'box.setToolTip("Help " + _("me"))',
        'label.setText(_("a") if ok else "b")',
        'QMessageBox.warning(self, _("Title"), "Text without translation")',
    ],
)
def test_the_scan_catches_untranslated_text(source: str) -> None:
    assert untranslated(source, "example.py")


@pytest.mark.parametrize(
    "source",
    [
        'label.setText(_("Sign in"))',
        'label.setText(self.i18n.gettext("Sign in"))',
        'label.setText(fill(_("Hello {name}"), {"name": name}))',
        'self.setWindowTitle(f"{screen.nav_title()} — {APP_TITLE}")',
        "action = QAction(language.native_name, self)",
        'form.addRow("", self.remember_box)',
        'combo.addItem("", mode)',
        'combo.addItem("English", "en")',
        'log.warning("sign-out failed: %s", error)',
        'box.setToolTip(describe("language", self.i18n))',
    ],
)
def test_the_scan_accepts_translated_text(source: str) -> None:
    assert untranslated(source, "example.py") == []

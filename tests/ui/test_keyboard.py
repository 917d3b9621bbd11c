"""Keyboard: on every screen, Tab walks the controls in the order they are laid out,
and every control it reaches has a name a screen reader reads (in both languages).

The walk uses real Tab key presses on the shown window, signed in against the
real server, so what is checked is what a keyboard user gets: Qt's focus chain
as the screens left it, hidden and disabled controls skipped.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from omix_desktop.ui.accessibility import layout_order, qt_name
from omix_desktop.ui.main_window import MainWindow
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.ui.support import run_until

MAX_STOPS = 200


def reachable(widget: QWidget) -> bool:
    return widget.isVisible() and widget.isEnabled()


def tab_walk(window: MainWindow, screen: QWidget) -> list[QWidget]:
    """Press Tab from the screen's first control until focus leaves the screen."""
    first = next(w for w in layout_order(screen) if reachable(w))
    first.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert QApplication.focusWidget() is first
    visited = [first]
    for _ in range(MAX_STOPS):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        current = QApplication.focusWidget()
        if current is None or not screen.isAncestorOf(current) or current is first:
            return visited
        if current is visited[-1] and isinstance(current, QAbstractItemView):
            # Tab moving from cell to cell: only in a grid the user edits
            assert current.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers, (
                f"Tab is kept inside the read-only list {describe(current)}"
            )
            continue
        assert current not in visited, f"Tab came back to {describe(current)}"
        visited.append(current)
    raise AssertionError(f"more than {MAX_STOPS} stops on {screen.objectName()}")


def describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}:{widget.objectName() or qt_name(widget) or '?'}"


def box(widget: QWidget, window: QWidget) -> QRect:
    """Where the widget is laid out in the window, as if no scroll area were scrolled."""
    x = y = 0
    current: QWidget | None = widget
    while current is not None and current is not window:
        parent = current.parentWidget()
        area = parent.parentWidget() if parent is not None else None
        scrolled = isinstance(area, QScrollArea) and area.widget() is current
        if not scrolled:
            x, y = x + current.x(), y + current.y()
        current = parent
    return QRect(x, y, widget.width(), widget.height())


def reading_order_problems(stops: list[QWidget], window: QWidget) -> list[str]:
    """Tab never goes back up the screen, except into a column further right."""
    problems = []
    for before, after in zip(stops, stops[1:], strict=False):
        if before.isAncestorOf(after):
            continue  # a scroll area, then the first control inside it
        a, b = box(before, window), box(after, window)
        goes_up = b.bottom() < a.top()
        new_column = b.left() >= a.right() - 2
        if goes_up and not new_column:
            problems.append(f"{describe(before)} {a.getRect()} → {describe(after)} {b.getRect()}")
    return problems


def check_every_screen(window: MainWindow) -> dict[str, list[str]]:
    walked: dict[str, list[str]] = {}
    for key, screen in window.screens.items():
        window.show_screen(key)
        QApplication.processEvents()
        stops = tab_walk(window, screen)
        assert stops, key
        expected = [w for w in layout_order(screen) if reachable(w)]
        assert [describe(w) for w in stops] == [describe(w) for w in expected], key
        assert reading_order_problems(stops, window) == [], key
        for widget in stops:
            name = qt_name(widget)
            assert name, f"{key}: {describe(widget)} has no accessible name"
            if not isinstance(widget, QAbstractButton):
                assert widget.accessibleName(), f"{key}: {describe(widget)} is not named"
        walked[key] = [qt_name(w) for w in stops]
    return walked


def test_tab_follows_the_layout_and_every_control_is_named(
    context, qtbot: QtBot, loop, user, server
) -> None:
    owner, curator = new_user(server.api, prefix="keys"), new_curator(server)
    released(server, owner, curator, {"k.fq": b"ACGT" * 100})  # lists with rows in them
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1200, 900)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    english = check_every_screen(window)
    assert set(english) == set(window.screens)

    window.language_actions["zh_CN"].trigger()
    chinese = check_every_screen(window)
    for key, names in english.items():  # the names followed the language
        assert [n for n in chinese[key] if n.isascii() and any(c.isalpha() for c in n)] != names


def test_ctrl_number_goes_to_a_screen_with_focus_in_it(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    for number, key in enumerate(window.screens, start=1):
        assert window.go_actions[key].shortcut().toString() == f"Ctrl+{number}"
        window.go_actions[key].trigger()
        assert window.current_screen() is window.screens[key]
        focused = window.focusWidget()  # the window's, active or not (offscreen)
        assert focused is not None and window.screens[key].isAncestorOf(focused), key

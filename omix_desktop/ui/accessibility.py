"""Keyboard and screen-reader order: tab order that follows the layout, a name on every control.

Why one pass over each screen instead of calls sprinkled in every screen: Qt's
default tab order is the order widgets were *created*, which drifts from the
order they are *laid out* as screens grow (a button made early but placed at
the bottom is reached first). :func:`order_tabs` walks a screen's layouts in
reading order (rows of a form, cells of a grid by row then column, the pages
of tabs, scroll areas and splitters) and chains the focusable controls that
way.

A screen reader reads a control's accessible name. Qt derives one from a
button's text and from the label whose buddy the control is; for the rest
(a list, a table, a field without a label) :func:`name_controls` sets one from
what a sighted user reads next to it: the placeholder, the tooltip, the group
box's or the tab's title. Names it set are marked and recomputed on the next
pass (after a language switch), so they never stay in the other language.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

AUTO_NAME = "omix_auto_accessible_name"
"""Property on widgets whose accessible name this module set (and may replace)."""


def takes_tab_focus(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _children_in_order(widget: QWidget) -> Iterator[QWidget]:
    """The widgets a container shows, in reading order."""
    if isinstance(widget, QTabWidget):
        yield widget.tabBar()
        for index in range(widget.count()):
            page = widget.widget(index)
            if page is not None:
                yield page
        return
    if isinstance(widget, QStackedWidget):
        for index in range(widget.count()):
            yield widget.widget(index)
        return
    if isinstance(widget, QSplitter):
        for index in range(widget.count()):
            yield widget.widget(index)
        return
    if isinstance(widget, QScrollArea) and widget.widget() is not None:
        yield widget.widget()
        return
    layout = widget.layout()
    if layout is not None:
        yield from _layout_widgets(layout)


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    indices = list(range(layout.count()))
    if isinstance(layout, QGridLayout):
        indices.sort(key=lambda i: layout.getItemPosition(i)[:2])
    for index in indices:
        item = layout.itemAt(index)
        if item is None:
            continue
        child = item.widget()
        if child is not None:
            yield child
        elif item.layout() is not None:
            yield from _layout_widgets(item.layout())


def layout_order(root: QWidget, *, proxied: bool = False) -> list[QWidget]:
    """Every focusable control under ``root`` in the order its layouts place them.

    A widget that hands its focus to another (a tab widget to its tab bar) is
    not a stop of its own; with ``proxied`` it is listed too, for chaining: it
    must sit next to its proxy in the focus chain, or Tab jumps back to it.
    """
    found: list[QWidget] = []
    seen: set[int] = set()

    def visit(widget: QWidget) -> None:
        if id(widget) in seen:
            return
        seen.add(id(widget))
        if widget is not root and takes_tab_focus(widget):
            if proxied or widget.focusProxy() is None:
                found.append(widget)
        if isinstance(widget, QAbstractScrollArea) and not isinstance(widget, QScrollArea):
            return  # a table or list: one stop, its cells are reached with the arrows
        for child in _children_in_order(widget):
            visit(child)

    visit(root)
    return found


def order_tabs(root: QWidget) -> list[QWidget]:
    """Chain the focusable controls of ``root`` in layout order; returns that order.

    A read-only list (rows of datasets, of transfers) is one Tab stop, walked with
    the arrow keys: Qt's tables otherwise move Tab from cell to cell, and a
    keyboard user would need a thousand presses to get past a thousand rows.
    Editable grids keep Tab from cell to cell, as in a spreadsheet.
    """
    for view in root.findChildren(QAbstractItemView):
        if view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers:
            view.setTabKeyNavigation(False)
    order = layout_order(root, proxied=True)
    for first, second in zip(order, order[1:], strict=False):
        QWidget.setTabOrder(first, second)
    return order


# -- names --------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """A label's text as spoken: no mnemonic ampersand, no trailing colon, one line."""
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split()).rstrip(":：").strip()


def qt_name(widget: QWidget) -> str:
    """The name a screen reader gets for ``widget`` (Qt's accessibility interface)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def _buddy_labels(root: QWidget) -> dict[int, QLabel]:
    return {id(label.buddy()): label for label in root.findChildren(QLabel) if label.buddy()}


def _context_title(widget: QWidget) -> str:
    """The group box or tab page the widget sits in, as a fallback name."""
    child: QWidget | None = widget
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QGroupBox) and parent.title():
            return _plain(parent.title())
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            tabs = parent.parentWidget()
            index = tabs.indexOf(child)  # type: ignore[union-attr]
            if index >= 0:
                return _plain(tabs.tabText(index))  # type: ignore[union-attr]
        title = getattr(parent, "nav_title", None)
        if callable(title):  # the screen itself (ui.base.Screen): its name in the sidebar
            return str(title())
        child, parent = parent, parent.parentWidget()
    return ""


def derived_name(widget: QWidget, buddies: dict[int, QLabel]) -> str:
    """What a sighted user reads as this control's name."""
    label = buddies.get(id(widget))
    if label is not None and _plain(label.text()):
        return _plain(label.text())
    if isinstance(widget, QAbstractButton) and _plain(widget.text()):
        return _plain(widget.text())
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return _plain(widget.placeholderText())
    if widget.toolTip():
        return _plain(widget.toolTip().split(". ")[0])
    return _context_title(widget)


def name_controls(root: QWidget) -> list[QWidget]:
    """Give every focusable control under ``root`` an accessible name it lacks.

    Returns the controls still without one (a bug to fix in that screen)."""
    buddies = _buddy_labels(root)
    nameless: list[QWidget] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not takes_tab_focus(widget):
            continue
        automatic = bool(widget.property(AUTO_NAME))
        if widget.accessibleName() and not automatic:
            continue  # the screen named it itself
        name = derived_name(widget, buddies)
        if isinstance(widget, QAbstractButton) and not automatic and qt_name(widget):
            continue  # Qt reads the button's own text, always current
        if name:
            widget.setAccessibleName(name)
            widget.setProperty(AUTO_NAME, True)
        elif not qt_name(widget):
            nameless.append(widget)
    return nameless

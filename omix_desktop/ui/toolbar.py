"""A screen's actions as a toolbar, instead of a long row of push buttons.

Why this shape: screens already build their commands as buttons and drive
them (``setEnabled`` as the selection changes, ``setText`` on a language
switch, ``click()`` in tests). :class:`ActionBar` takes those same buttons
into a toolbar: each gets the bundled icon named after it and a flat toolbar
look, with its text beside the icon. When the window is too narrow for one
row the bar wraps onto a second one (:class:`FlowLayout`) rather than
squeezing, clipping or hiding commands behind a » button that a keyboard
cannot reach: every command stays visible and on the Tab chain, in reading
order. Nothing else in the screen changes.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLayout,
    QLayoutItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QWidget,
)

from omix_desktop.ui.look import look_for

ACTION_ICONS = {  # My submissions
    "edit": "edit",
    "release": "release",
    "fix_md5": "check",
    "delete_file": "remove",
    "review_link": "link",
    "new_link": "add",
    "close_link": "cancel",
    "add_ftp": "add_files",
    "add_online": "upload",
    "most": "number",
}
"""Icon (``ui/icons/<name>.svg``) of a command, by the button's object name (screens
whose buttons have none pass the icon to :meth:`ActionBar.add`)."""


class FlowLayout(QLayout):
    """Items left to right, wrapping to the next row when the width runs out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        width = sum(item.sizeHint().width() for item in self._items)
        width += self._spacing() * max(0, len(self._items) - 1)
        height = max((item.sizeHint().height() for item in self._items), default=0)
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _spacing(self) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        style = parent.style() if parent is not None else None
        if style is None:
            return 6
        return style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items (or only measure); returns the height used."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, row_height = area.x(), area.y(), 0
        gap = max(0, self._spacing())
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, row_height = area.x(), y + row_height + gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + margins.bottom()


class ActionBar(QWidget):
    """A toolbar of a screen's command buttons (see the module's docstring)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.flow = FlowLayout(self)
        self.flow.setContentsMargins(0, 0, 0, 0)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.buttons: list[QAbstractButton] = []

    def add(self, button: QAbstractButton, icon: str | None = None) -> QAbstractButton:
        """Put ``button`` on the bar with its icon (by default the one named after it)."""
        name = icon or ACTION_ICONS.get(button.objectName())
        if name:
            look_for().bind(button, name)
        if isinstance(button, QPushButton):
            button.setFlat(True)
        self.flow.addWidget(button)
        self.buttons.append(button)
        return button

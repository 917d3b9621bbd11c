"""Small layout pieces the screens share: a row of widgets as one form field, a delay."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


def row_of(*widgets: QWidget, vertical: bool = False, stretch: bool = False) -> QWidget:
    """Widgets side by side (or stacked) as one form field, without margins."""
    row = QWidget()
    layout = QVBoxLayout(row) if vertical else QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    if stretch:
        layout.addStretch(1)
    return row


def single_shot(parent: QWidget, milliseconds: int, slot: Callable[[], None]) -> QTimer:
    """A restartable delay: typing restarts it, and ``slot`` runs once typing pauses."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(milliseconds)
    timer.timeout.connect(slot)
    return timer

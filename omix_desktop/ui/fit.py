"""Column headers as wide as their text, in whichever language is shown.

A header column keeps its width when the language changes, and Qt gives new
columns 100 px whatever their title: ``样本数/文件数`` or ``Samples / files``
was cut. :func:`fit_headers` widens each column whose title does not fit (never
narrows one: a width the user chose stays), for every list under a widget;
screens and dialogs call it when shown and after each language switch.
Columns that size themselves (stretched, sized to their contents) are left alone.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

AUTOMATIC = (QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)


def header_of(view: QAbstractItemView) -> QHeaderView | None:
    """The horizontal header of a table or a tree (None for a plain list)."""
    if isinstance(view, QTreeView):
        return view.header()
    horizontal = getattr(view, "horizontalHeader", None)
    return horizontal() if callable(horizontal) else None


def fit_header(header: QHeaderView) -> None:
    """Widen every section narrower than its title needs."""
    last = header.logicalIndex(header.count() - 1) if header.count() else -1
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionResizeMode(section) in AUTOMATIC:
            continue
        if section == last and header.stretchLastSection():
            continue  # takes what is left of the width
        needed = header.sectionSizeHint(section)
        if header.sectionSize(section) < needed:
            header.resizeSection(section, needed)


def fit_headers(root: QWidget) -> None:
    """:func:`fit_header` for every table and tree under ``root``."""
    for view in root.findChildren(QAbstractItemView):
        header = header_of(view)
        if header is not None:
            fit_header(header)

"""Import boundaries of the whole tree, read from the code (nothing is imported).

* Qt (PySide6, qasync) is imported nowhere outside ``omix_desktop/ui/``, the
  entry points aside (``omix_desktop/selftest.py`` builds the window offscreen).
* ``server_stub/ftp/`` imports nothing of the server above it: only itself, the
  foundations below it (settings, database, models, accounts, errors) and
  ``omix_wire``. What happens on a completed upload or a counted download
  comes in through ``server_stub.ftp.hooks``, filled in by ``runner.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT = {"PySide6", "PyQt6", "PyQt5", "qasync"}
QT_ENTRY_POINTS = {"omix_desktop/selftest.py"}
FTP_MAY_IMPORT = {
    "server_stub.ftp",
    "server_stub.config",
    "server_stub.db",
    "server_stub.models",
    "server_stub.accounts",
    "server_stub.errors",
}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def _sources(*folders: str) -> Iterator[tuple[str, Path]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


def test_qt_only_in_the_ui() -> None:
    found = [
        f"{name}:{line} imports {module}"
        for name, path in _sources("omix_desktop", "omix_wire", "server_stub")
        if not name.startswith("omix_desktop/ui/") and name not in QT_ENTRY_POINTS
        for line, module in _imports(path)
        if module.split(".")[0] in QT
    ]
    assert not found, "\n".join(found)


def test_ftp_imports_nothing_above_it() -> None:
    found = [
        f"{name}:{line} imports {module}"
        for name, path in _sources("server_stub/ftp")
        for line, module in _imports(path)
        if module.split(".")[0] == "server_stub"
        and not any(
            module == allowed or module.startswith(allowed + ".") for allowed in FTP_MAY_IMPORT
        )
    ]
    assert not found, "\n".join(found)

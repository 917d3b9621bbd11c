"""The engine stays free of Qt, so the CLI and headless nodes can use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_transfer_imports_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, omix_desktop.transfer as t\n"
        "for m in pkgutil.iter_modules(t.__path__): importlib.import_module(f't.{m.name}'"
        " .replace('t.', 'omix_desktop.transfer.', 1))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'PySide6', 'PyQt6', 'qasync'}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

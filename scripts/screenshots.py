"""Render every screen of the desktop app in English and Chinese into docs/screenshots/.

Files are ``desktop-<screen>.<en|zh>.png`` (the web pages' screenshots sit beside
them with the same language suffixes).

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots]

Runs without a display (offscreen) and without a server: the app's folders
go to a temporary directory, so the developer's profile is never touched.
Chinese needs a CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="1100x720", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.split("x"))

    import qasync
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from omix_desktop.paths import AppPaths
    from omix_desktop.ui.application import build_context
    from omix_desktop.ui.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    app.setFont(QFont("Noto Sans CJK SC", 10))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        context = build_context(AppPaths.under(Path(home)).create(), loop, language="en")
        window = MainWindow(context)
        window.resize(width, height)
        window.show()
        for language, suffix in (("en", "en"), ("zh_CN", "zh")):
            context.translator.set_language(language)
            for key in window.screens:
                window.show_screen(key)
                app.processEvents()
                path = args.out / f"desktop-{key}.{suffix}.png"
                window.grab().save(str(path))
                print(path)
            window.show_screen("sign_in")
            dialog = window.sign_in.open_register()
            app.processEvents()
            path = args.out / f"desktop-register.{suffix}.png"
            dialog.grab().save(str(path))
            dialog.reject()
            print(path)
        window.close()
        loop.run_until_complete(context.shutdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

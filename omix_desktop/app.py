"""``omix-desktop``: the Qt application.

Qt is imported only when the app runs (``omix_desktop.ui``), so importing this
module stays cheap and Qt-free.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from omix_desktop.ui.application import run

    return run(sys.argv if argv is None else [sys.argv[0], *argv])


if __name__ == "__main__":
    sys.exit(main())

"""``omix-desktop``: the Qt application.

Qt is imported only when the app runs (``omix_desktop.ui``), so importing this
module stays cheap and Qt-free.
"""

from __future__ import annotations

import sys

from omix_desktop import version


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if "--version" in args:
        print(f"omix-desktop {version()}")
        return 0
    if "--self-test" in args:
        from omix_desktop.selftest import run as self_test

        return self_test()
    from omix_desktop.ui.application import run

    return run([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())

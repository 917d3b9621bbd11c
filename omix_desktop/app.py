"""``omix-desktop``: the Qt application (being built)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("omix-desktop is not yet available in this build.", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())

"""``omix-upload``: the transfer engine from a terminal (being built)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("omix-upload is not yet available in this build.", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())

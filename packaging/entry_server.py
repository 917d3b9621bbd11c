"""Frozen entry point of ``omix-server`` (PyInstaller runs this file)."""

import sys

from server_stub.cli import main

if __name__ == "__main__":
    sys.exit(main())

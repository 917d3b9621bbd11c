"""Frozen entry point of ``omix-desktop`` (PyInstaller runs this file)."""

import sys

from omix_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())

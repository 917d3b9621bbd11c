"""``python -m server_stub``: the same as ``omix-server``."""

import sys

from server_stub.cli import main

sys.exit(main())

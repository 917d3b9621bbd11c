"""``python -m omix_desktop.upload_cli``: the same as the ``omix-upload`` command."""

import sys

from omix_desktop.upload_cli.main import main

sys.exit(main())

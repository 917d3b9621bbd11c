"""``omix-upload``: the desktop app's transfer engine from a terminal, for servers.

Exit codes a script can rely on:

    0  done: every file verified / the command succeeded
    1  some files failed (see ``omix-upload status``), or the dataset failed its MD5 check
    2  usage error, or the input was refused before anything was sent (bad names, bad TOML)
    3  authentication: not signed in, wrong password, no password available
    4  the server cannot be reached
    130 interrupted (Ctrl-C): the queue is kept; run the command again to resume
"""

from omix_desktop.upload_cli.main import main

__all__ = ["main"]

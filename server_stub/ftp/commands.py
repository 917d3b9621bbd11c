"""The pre-upload FTP server: the command mixins put together, and the command table.

See :mod:`server_stub.ftp.protocol` for the plumbing and the other modules of
this package for each group of commands.
"""

from __future__ import annotations

import logging

from server_stub.ftp.checksums import ChecksumCommands
from server_stub.ftp.files import FileCommands
from server_stub.ftp.listings import ListingCommands
from server_stub.ftp.protocol import (
    Command,
)
from server_stub.ftp.session import SessionCommands
from server_stub.ftp.transfers import TransferCommands

log = logging.getLogger(__name__)


class OmixFtpServer(
    SessionCommands, FileCommands, ListingCommands, TransferCommands, ChecksumCommands
):
    """The authenticated pre-upload endpoint. Use through ``PreuploadFtpServer``."""

    def command_table(self) -> dict[str, tuple[Command, bool]]:
        return {
            # name: (handler, needs login)
            "user": (self.user, False),
            "pass": (self.pass_, False),
            "auth": (self.auth, False),
            "pbsz": (self.pbsz, False),
            "prot": (self.prot, False),
            "feat": (self.feat, False),
            "opts": (self.opts, False),
            "noop": (self.noop, False),
            "syst": (self.syst, False),
            "quit": (self.quit, False),
            "help": (self.help, False),
            "type": (self.type, False),
            "mode": (self.mode, False),
            "stru": (self.stru, False),
            "allo": (self.allo, True),
            "pwd": (self.pwd, True),
            "xpwd": (self.pwd, True),
            "cwd": (self.cwd, True),
            "xcwd": (self.cwd, True),
            "cdup": (self.cdup, True),
            "xcup": (self.cdup, True),
            "mkd": (self.mkd, True),
            "xmkd": (self.mkd, True),
            "rmd": (self.rmd, True),
            "xrmd": (self.rmd, True),
            "dele": (self.dele, True),
            "rnfr": (self.rnfr, True),
            "rnto": (self.rnto, True),
            "size": (self.size, True),
            "mdtm": (self.mdtm, True),
            "mlst": (self.mlst, True),
            "mlsd": (self.mlsd, True),
            "list": (self.list, True),
            "nlst": (self.nlst, True),
            "pasv": (self.pasv, True),
            "epsv": (self.epsv, True),
            "rest": (self.rest, True),
            "segm": (self.segm, True),
            "stor": (self.stor, True),
            "appe": (self.appe, True),
            "retr": (self.retr, True),
            "abor": (self.abor, True),
            "xmd5": (self.xmd5, True),
            "hash": (self.hash, True),
            "rang": (self.rang, True),
            **super().command_table(),
        }

"""The FTP endpoints of the archive (authenticated pre-upload).

``server.PreuploadFtpServer`` is what the runner starts; :func:`scan_home`
is for the pre-upload listing API (reconciles one user's rows with the files
on disk; blocking, call it from a thread).
"""

from server_stub.preupload.records import ScanReport, scan_home

__all__ = ["ScanReport", "scan_home"]

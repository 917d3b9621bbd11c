"""The FTP endpoints of the archive (authenticated pre-upload)."""

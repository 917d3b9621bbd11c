"""Archiving: a dataset's files checked against their declared MD5 and moved into the archive.

:mod:`.archiving` claims pre-uploaded files, verifies and stores them;
:mod:`.online_uploads` holds the files uploaded over HTTPS until a dataset
takes them.
"""

"""The pre-upload area: each user's FTP home folder and the records of what is in it.

:mod:`.area` is the HTTP side's view of the folder (listing, deleting, paths
kept inside it); :mod:`.records` keeps the ``PreuploadFile`` rows in step with
what the FTP server receives and with the files on disk.
"""

"""Definitions shared by the desktop client and the reference server.

Only rules that both sides must apply identically live here (file-name
validity, the archive's size limits, accession formats), so that a name the
client accepts is never refused by the server and the other way round.
"""

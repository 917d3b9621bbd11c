"""Datasets (OMIX submissions): the rules, the lookups, the public catalog and search.

:mod:`.service` creates and edits datasets (one :func:`~.service.owned_dataset`
lookup for every owner-only route), :mod:`.sources` checks where each file
comes from, :mod:`.validation` collects field problems into one answer,
:mod:`.catalog` shapes released datasets for pages and feeds, and
:mod:`.search` is the full-text index (SQLite FTS5 or PostgreSQL).
"""

"""OMIX Desktop: the uploader client (engine, API client, Qt user interface)."""

from omix_wire.version import version

__all__ = ["version"]

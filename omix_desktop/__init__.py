"""OMIX Desktop: the uploader client (engine, API client, Qt user interface)."""

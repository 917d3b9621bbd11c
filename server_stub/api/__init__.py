"""HTTP API routers, mounted under ``/api/v1`` by ``server_stub.app``."""

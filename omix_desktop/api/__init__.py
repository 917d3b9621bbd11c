"""Typed client of the archive's HTTP API (requests; no Qt)."""

from omix_desktop.api.client import ApiClient
from omix_desktop.api.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ServerUnavailableError,
    ValidationError,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthenticationError",
    "ConflictError",
    "NotFoundError",
    "ServerUnavailableError",
    "ValidationError",
]

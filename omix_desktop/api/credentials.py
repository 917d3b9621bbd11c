"""The sign-in secret (password or token) in the OS keyring, nowhere else.

On a machine with no secure store (a headless Linux without Secret Service),
keyring raises ``NoKeyringError``; we then say so and remember nothing,
rather than fall back to a plain-text file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

log = logging.getLogger(__name__)

SERVICE = "omix-desktop"


class StoreKind(StrEnum):
    """Which secure store keeps the password, so the app can say where to find it."""

    WINDOWS_CREDENTIAL_MANAGER = "windows_credential_manager"
    MACOS_KEYCHAIN = "macos_keychain"
    SECRET_SERVICE = "secret_service"
    """GNOME Keyring, KeePassXC… on Linux, through the freedesktop Secret Service."""
    KWALLET = "kwallet"
    OTHER = "other"
    NONE = "none"
    """No secure store: nothing is remembered."""


_KINDS = {
    "keyring.backends.Windows": StoreKind.WINDOWS_CREDENTIAL_MANAGER,
    "keyring.backends.macOS": StoreKind.MACOS_KEYCHAIN,
    "keyring.backends.SecretService": StoreKind.SECRET_SERVICE,
    "keyring.backends.libsecret": StoreKind.SECRET_SERVICE,
    "keyring.backends.kwallet": StoreKind.KWALLET,
    "keyring.backends.fail": StoreKind.NONE,
    "keyring.backends.null": StoreKind.NONE,
}


def store_kind(backend: KeyringBackend | None = None) -> StoreKind:
    """The kind of store ``backend`` (default: the running keyring) writes to.

    keyring picks the backend at run time (Credential Manager on Windows,
    Keychain on macOS, Secret Service or KWallet on Linux); a chainer writes
    to its first backend, so that one is named.
    """
    if backend is None:
        try:
            backend = keyring.get_keyring()
        except KeyringError:
            return StoreKind.NONE
    module = type(backend).__module__
    if module == "keyring.backends.chainer":
        first = list(getattr(backend, "backends", None) or [])
        return store_kind(first[0]) if first else StoreKind.NONE
    return _KINDS.get(".".join(module.split(".")[:3]), StoreKind.OTHER)


@dataclass(frozen=True, slots=True)
class CredentialStore:
    """Secrets for one server, keyed by account email."""

    server_url: str

    def _key(self, email: str) -> str:
        return f"{email.strip().lower()}@{self.server_url.rstrip('/')}"

    @staticmethod
    def available() -> bool:
        """Whether a secure store exists (false on headless Linux without one)."""
        try:
            backend = keyring.get_keyring()
        except KeyringError:
            return False
        priority = getattr(backend, "priority", 0)
        return not isinstance(priority, int | float) or priority > 0

    def save(self, email: str, secret: str) -> bool:
        """Store the secret; return False (and store nothing) without a keyring."""
        try:
            keyring.set_password(SERVICE, self._key(email), secret)
        except NoKeyringError:
            log.warning("no secure credential store: the sign-in is not remembered")
            return False
        except KeyringError as error:
            log.warning("could not store the sign-in in the keyring: %s", type(error).__name__)
            return False
        return True

    def load(self, email: str) -> str | None:
        try:
            return keyring.get_password(SERVICE, self._key(email))
        except KeyringError:
            return None

    def forget(self, email: str) -> None:
        try:
            keyring.delete_password(SERVICE, self._key(email))
        except (PasswordDeleteError, KeyringError):
            pass

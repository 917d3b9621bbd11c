"""Where the password is kept, named for the store this computer really uses.

"The system's keyring" means nothing to a Windows user looking for a saved
password; Credential Manager does. keyring chooses the store at run time, so
the text is chosen from the running backend (:func:`store_kind`), for the
sign-in screen and ``omix-upload login`` alike. No Qt here.
"""

from __future__ import annotations

from omix_desktop.api.credentials import SERVICE, StoreKind, store_kind
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator


def where_is_my_password(tr: Translator, kind: StoreKind | None = None) -> str:
    """One sentence: where the remembered password is, and how to see or remove it there.

    ``kind`` defaults to the running store (:func:`store_kind`).
    """
    kind = store_kind() if kind is None else kind
    texts = {
        StoreKind.WINDOWS_CREDENTIAL_MANAGER: lambda: tr.gettext(
            "Your password is kept in Windows Credential Manager: Control Panel → "
            "Credential Manager → Windows Credentials, entry “{service}”."
        ),
        StoreKind.MACOS_KEYCHAIN: lambda: tr.gettext(
            "Your password is kept in the macOS Keychain: open Keychain Access and "
            "search for “{service}”."
        ),
        StoreKind.SECRET_SERVICE: lambda: tr.gettext(
            "Your password is kept in your desktop's Secret Service keyring (GNOME Keyring "
            "or KWallet): open Passwords and Keys and search for “{service}”."
        ),
        StoreKind.KWALLET: lambda: tr.gettext(
            "Your password is kept in KWallet: open KWallet Manager, folder “{service}”."
        ),
        StoreKind.OTHER: lambda: tr.gettext(
            "Your password is kept in the system's secure password store, under “{service}”."
        ),
        StoreKind.NONE: lambda: tr.gettext(
            "This computer has no secure password store (keyring), so your sign-in "
            "cannot be remembered. You will be asked for the password next time."
        ),
    }
    return fill(texts[kind](), {"service": SERVICE})

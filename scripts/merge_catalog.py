"""Bring the desktop app's Chinese catalog in line with the code, in one step.

    python scripts/merge_catalog.py [--check]

Extracts every message from ``omix_desktop/`` (babel.cfg), keeps the
translations already in ``omix.po``, takes new ones from the translation
parts in ``zh_CN/LC_MESSAGES/parts/*.po`` (one file per area of the app, so
people working on different screens never edit the same file), drops messages
the code no longer uses, writes ``omix.po`` and compiles ``omix.mo``.

It prints the messages still without a translation and exits 1 if there are
any (``--check`` writes nothing, for CI-style checks).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "omix_desktop" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES"
PO = MESSAGES / "omix.po"
PARTS = MESSAGES / "parts"


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale="zh_CN", domain="omix")


def _translated(string: str | tuple[str, ...]) -> bool:
    values = [string] if isinstance(string, str) else list(string)
    return bool(values) and all(value.strip() for value in values)


def known_translations() -> dict[str, str | tuple[str, ...]]:
    """Translations from omix.po, overridden by the parts (newer work)."""
    known: dict[str, str | tuple[str, ...]] = {}
    sources = [PO, *sorted(PARTS.glob("*.po"))] if PARTS.is_dir() else [PO]
    for path in sources:
        if not path.exists():
            continue
        for message in _read(path):
            if message.id and not message.fuzzy and _translated(message.string):
                known[_key(message.id)] = message.string
    return known


def extracted() -> list[tuple[str | tuple[str, ...], list[str]]]:
    mapping = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    method_map, options_map = parse_mapping_cfg(io.StringIO(mapping))
    found: dict[str, tuple[str | tuple[str, ...], list[str]]] = {}
    for _file, _line, message, comments, _context in extract_from_dir(
        str(ROOT / "omix_desktop"), method_map, options_map
    ):
        found.setdefault(_key(message), (message, list(comments)))
    return [found[key] for key in sorted(found)]


def build() -> tuple[Catalog, list[str]]:
    old = _read(PO)
    catalog = Catalog(
        locale="zh_CN",
        domain="omix",
        project="omix-desktop",
        copyright_holder="OMIX Desktop contributors",
        header_comment=old.header_comment,
        version=old.version,
        creation_date=old.creation_date,
        revision_date=old.revision_date,
        last_translator=old.last_translator,
        language_team=old.language_team,
        fuzzy=False,
    )
    catalog.plural_forms  # noqa: B018 - computed from the locale: nplurals=1
    known = known_translations()
    missing: list[str] = []
    for msgid, comments in extracted():
        string = known.get(_key(msgid), "" if isinstance(msgid, str) else ("",))
        if not _translated(string):
            missing.append(_key(msgid))
        catalog.add(msgid, string, auto_comments=comments)
    return catalog, missing


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    catalog, missing = build()
    if not args.check:
        po = io.BytesIO()
        write_po(po, catalog, width=100, no_location=True, sort_output=True, omit_header=False)
        _atomic_write(PO, po.getvalue())
        mo = io.BytesIO()
        write_mo(mo, catalog)
        _atomic_write(PO.with_suffix(".mo"), mo.getvalue())
    print(f"{len(catalog)} messages, {len(missing)} without a Chinese translation")
    for msgid in missing:
        print(f"  missing: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

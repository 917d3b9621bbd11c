"""The Chinese catalog: complete, placeholders intact, compiled, in sync with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from omix_desktop.i18n.translator import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_]+\)[sd]|%[sd]")


def load_po():
    with PO.open("rb") as source:
        return read_po(source, locale="zh_CN", domain=DOMAIN)


def entries():
    return [message for message in load_po() if message.id]


def as_list(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _first(msgid: str | tuple[str, ...] | list[str]) -> str:
    return as_list(msgid)[0]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_message_has_a_chinese_translation() -> None:
    missing = [
        message.id
        for message in entries()
        if message.fuzzy or not all(text.strip() for text in as_list(message.string))
    ]
    assert missing == []


def test_placeholders_are_the_same_in_english_and_chinese() -> None:
    wrong = []
    for message in entries():
        sources = as_list(message.id)
        expected = placeholders(sources[-1])  # plural forms may drop the count
        for text in as_list(message.string):
            if placeholders(text) != expected:
                wrong.append((message.id, text))
    assert wrong == []


def test_chinese_is_really_chinese() -> None:
    """A catalog of copied English would pass the other tests."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    same = [m.id for m in entries() if not any(cjk.search(t) for t in as_list(m.string))]
    assert set(same) <= {"name@example.org", "{label} *"}


def test_every_message_in_the_code_is_in_the_catalog() -> None:
    """Run `make catalogs` (extract, update, translate) when this fails."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = _parse_mapping(config.read())
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT / "omix_desktop"), method_map, options_map)
    }
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in entries()}
    assert sorted(in_code - in_catalog) == []
    assert sorted(in_catalog - in_code) == []  # obsolete entries are removed


def _parse_mapping(text: str):
    from io import StringIO

    from babel.messages.frontend import parse_mapping_cfg

    return parse_mapping_cfg(StringIO(text))


def test_the_compiled_catalog_loads() -> None:
    if not MO.exists():
        pytest.fail(f"{MO} is missing: run `make compile-catalogs` (make test does it)")
    with MO.open("rb") as source:
        compiled = read_mo(source)
    assert {_first(m.id) for m in compiled if m.id} == {_first(m.id) for m in entries()}
    with MO.open("rb") as source:
        translations = Translations(source, domain=DOMAIN)
    assert translations.gettext("Sign in") == "登录"
    compiled_strings = {_first(m.id): as_list(m.string) for m in compiled if m.id}
    stale = [m.id for m in entries() if compiled_strings[_first(m.id)] != as_list(m.string)]
    assert stale == [], "the .mo is older than the .po: run `make compile-catalogs`"


def test_messages_are_literals_so_they_can_be_extracted() -> None:
    """``_(f"...")`` or ``gettext(variable)`` would never reach the catalog."""
    import ast

    allowed_variables = {
        ("config.py", "describe"),  # translates the N_-marked descriptions
        ("submit.py", "_dataset_file_message"),  # translates the N_-marked dataset.toml errors
        ("message.py", "__call__"),  # renders a Message: its N_-marked key
        ("server_terms.py", "term"),  # the N_-marked terms of the server's vocabulary
        ("server_terms.py", "from_display"),  # the same terms, read back
        ("qt_catalogs.py", "translate"),  # the N_-marked texts Qt's own catalog misses
    }
    problems = []
    for path in sorted((ROOT / "omix_desktop").rglob("*.py")):
        if path.name == "translator.py":
            continue  # the Translator itself delegates to the catalogs
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {
            node.lineno: node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            count = {"_": 1, "gettext": 1, "N_": 1, "ngettext": 2, "pgettext": 2}.get(name)
            if count is None or isinstance(func, ast.Attribute) and name == "_":
                continue
            enclosing = max((ln for ln in functions if ln <= node.lineno), default=0)
            if (path.name, functions.get(enclosing)) in allowed_variables:
                continue
            for argument in node.args[:count]:
                if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                    problems.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert problems == []

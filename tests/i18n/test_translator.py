"""The translator: switching at run time, listeners, the OS language, no global state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from omix_desktop.i18n.translator import (
    LANGUAGES,
    Translator,
    load_catalog,
    match_language,
    negotiate,
    system_language,
)


def test_switching_changes_the_language_and_tells_listeners() -> None:
    translator = Translator("en")
    heard: list[str] = []
    remove = translator.add_listener(heard.append)
    assert translator.gettext("Sign in") == "Sign in"
    translator.set_language("zh_CN")
    assert translator.gettext("Sign in") == "登录"
    assert str(translator.locale) == "zh_Hans_CN"
    remove()
    translator.set_language("en")
    assert heard == ["zh_CN"]
    assert translator.gettext("Sign in") == "Sign in"


def test_plural_forms() -> None:
    singular = "{count} field needs attention; see the messages next to it."
    plural = "{count} fields need attention; see the messages next to them."
    english = Translator("en")
    assert english.ngettext(singular, plural, 1) == singular
    assert english.ngettext(singular, plural, 3) == plural
    assert Translator("zh_CN").ngettext(singular, plural, 3).startswith("{count} 个字段")


def test_translators_are_independent() -> None:
    first, second = Translator("en"), Translator("zh_CN")
    assert first.gettext("Settings") == "Settings"
    assert second.gettext("Settings") == "设置"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        Translator("fr")


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh-TW", "zh_CN"),
        ("en_US.UTF-8", "en"),
        ("en-GB", "en"),
        ("C", None),
        ("POSIX", None),
        ("fr_FR", None),
    ],
)
def test_locale_tags(tag: str, code: str | None) -> None:
    assert match_language(tag) == code


def test_negotiation_and_system_language() -> None:
    assert negotiate(["fr-FR", "zh-Hans-CN", "en-US"]) == "zh_CN"
    assert negotiate(["fr-FR"]) == "en"
    assert system_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert system_language({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"}) == "en"
    assert system_language({}) in LANGUAGES


def test_catalog_falls_back_to_the_po_when_not_compiled(tmp_path: Path) -> None:
    from omix_desktop.i18n.translator import CHINESE, LOCALE_DIR

    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "omix.po"
    (folder / "omix.po").write_bytes(source.read_bytes())
    assert load_catalog(CHINESE, tmp_path).gettext("Sign in") == "登录"


def test_core_modules_do_not_import_qt() -> None:
    code = (
        "import sys\n"
        "import omix_desktop.i18n.errors, omix_desktop.i18n.format, omix_desktop.netcheck\n"
        "import omix_desktop.local_server, omix_desktop.config, omix_desktop.logs\n"
        "import omix_desktop.paths, omix_desktop.app\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken')))\n"
        "assert not qt, qt\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

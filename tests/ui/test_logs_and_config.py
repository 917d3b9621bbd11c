"""The log file has no secrets; settings are saved atomically and privately (no Qt)."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

from omix_desktop.config import ConfigStore, Settings, describe
from omix_desktop.i18n.translator import Translator
from omix_desktop.logs import redact, setup_logging
from omix_desktop.paths import AppPaths


def test_redaction_of_the_usual_shapes() -> None:
    assert redact("password=hunter22 next") == "password=*** next"
    assert redact('{"password": "a b", "token": "xyz"}') == '{"password": "***", "token": "***"}'
    assert redact("Authorization: Bearer abc.def") == "Authorization: ***"
    assert redact("PASS secret123") == "PASS ***"
    assert redact("the tokens are counted") == "the tokens are counted"
    assert redact("typed s3cret-value here", frozenset({"s3cret-value"})) == "typed *** here"


def test_log_file_rotates_and_hides_secrets(tmp_path: Path) -> None:
    setup = setup_logging(tmp_path / "logs" / "app.log")
    try:
        setup.redactor.add_secret("my-long-password")
        log = logging.getLogger("omix_desktop.test")
        log.warning("login with %s for %s", "my-long-password", "a@b.org")
        log.warning("request json={'email': 'a@b.org', 'password': 'other-secret'}")
        try:
            raise ValueError("token=abcdef123456")
        except ValueError:
            log.exception("failed")
        setup.handler.flush()
        text = setup.log_file.read_text()
    finally:
        setup.close()
    assert "my-long-password" not in text and "other-secret" not in text
    assert "abcdef123456" not in text
    assert "login with *** for a@b.org" in text
    assert "ValueError" in text


def test_settings_round_trip_atomically_with_private_permissions(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config" / "settings.json")
    assert store.load() == Settings()
    settings = Settings(language="zh_CN", server_url="https://archive.example.org", ftp_port=21)
    store.save(settings)
    assert store.load() == settings
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == ["settings.json"]  # no temp left


def test_bad_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ftp_port": "not a number", "language": "zh_CN", "x": 1}))
    loaded = ConfigStore(path).load()
    assert loaded.ftp_port == Settings().ftp_port and loaded.language == "zh_CN"
    path.write_text("{broken")
    assert ConfigStore(path).load() == Settings()


def test_setting_descriptions_are_translated_when_asked() -> None:
    assert describe("ftp_port", Translator("en")) == "FTP port of the archive server."
    assert describe("ftp_port", Translator("zh_CN")) == "数据库服务器的 FTP 端口。"


def test_paths_can_live_under_one_folder(tmp_path: Path) -> None:
    paths = AppPaths.default({"OMIX_DESKTOP_HOME": str(tmp_path)}).create()
    assert paths.config_file == tmp_path / "config" / "settings.json"
    assert paths.log_file.parent.is_dir()

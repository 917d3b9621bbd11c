"""The catalog of the server's vocabulary holds every word the server can send, translated."""

from __future__ import annotations

import re

import pytest

from omix_desktop.i18n.message import Joined, Message, Term, render
from omix_desktop.i18n.server_terms import DATA_TYPES, KNOWN, from_display, term
from omix_desktop.i18n.translator import N_, Translator
from omix_wire.reference import data_types
from server_stub.models import (
    Access,
    CurationStatus,
    DatasetStatus,
    FileSource,
    FileStatus,
    UploadState,
)
from server_stub.release.models import AccessRequestStatus

CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_CHINESE: set[str] = set()  # every term has Chinese words (acronyms beside them)


def server_vocabulary() -> set[str]:
    """Every value of the server's enums and reference lists the app may show."""
    words: set[str] = set()
    for enum in (FileStatus, DatasetStatus, CurationStatus, Access, AccessRequestStatus,
                 UploadState, FileSource):  # fmt: skip
        words.update(member.value for member in enum)
    words.add("absent")  # the diagnosis' pre-upload state when the file is gone
    for data_type in data_types():
        words.add(data_type.name)
        words.update(data_type.subtypes)
    return words


@pytest.fixture
def zh() -> Translator:
    return Translator("zh_CN")


def test_every_term_the_server_can_send_is_in_the_catalog() -> None:
    assert server_vocabulary() - set(KNOWN) == set()


def test_the_data_types_are_the_servers_list_in_its_order() -> None:
    assert [(t.name, t.subtypes) for t in data_types()] == list(DATA_TYPES.items())


def test_every_term_has_a_chinese_translation(zh: Translator) -> None:
    missing = [
        value for value in KNOWN
        if value not in SAME_IN_CHINESE and not CJK.search(term(value, zh))
    ]  # fmt: skip
    assert missing == []


def test_english_shows_the_terms_readably_and_unknown_terms_as_sent(zh: Translator) -> None:
    en = Translator("en")
    assert term("MD5 Checked Failed", zh) == "MD5 校验失败"
    assert term("Waiting for Curation", zh) == "等待审核"
    assert term("Transcriptome", zh) == "转录组"
    assert term("controlled", zh) == "受控访问"
    assert term("controlled", en) == "Controlled access"
    assert term("Archived", en) == "Archived"
    assert term("Frozen by a newer server", zh) == "Frozen by a newer server"


def test_a_term_shown_in_either_language_maps_back_to_the_servers_value(zh: Translator) -> None:
    assert from_display("转录组", zh) == "Transcriptome"
    assert from_display("  rna-seq   EXPRESSION matrix ", zh) == "RNA-seq expression matrix"
    assert from_display("not a type", zh) == "not a type"
    assert from_display("代谢组", Translator("en")) == "Metabolome"  # Chinese typed in English


def test_a_message_is_rendered_again_in_the_new_language() -> None:
    tr = Translator("en")
    line = Joined((Message(N_("Verified, MD5 {md5}"), md5="0" * 32), Term("Archived")))
    assert render(line, tr) == f"Verified, MD5 {'0' * 32} Archived"
    tr.set_language("zh_CN")
    assert render(line, tr) == f"已校验，MD5 {'0' * 32} 已归档"
    assert render("as typed", tr) == "as typed"
    assert render(None, tr) == ""

"""Values that look almost right are refused, not coerced (issue 11, "Strict types").

``terms_accepted: "yes"`` was taken as an acceptance, ``9999-12-31`` held
the data back for ever, and an MD5 with spaces around it was silently
trimmed. Each is a 422 naming the field, with a message stating the rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from omix_wire.limits import RELEASE_HORIZON_YEARS, latest_release_date
from omix_wire.md5 import normalize_md5
from tests.support.accounts import ApiUser
from tests.support.submission import (
    bioproject,
    dataset_body,
    error_of,
    file_entry,
    md5,
    online_upload,
)

DATA = b"sample\tcount\nS1\t12\n"


@pytest.fixture
def project(user: ApiUser) -> str:
    return bioproject(user)


def _post(user: ApiUser, project: str, **overrides: Any) -> Any:
    upload = online_upload(user, "counts.tsv", DATA)
    entry = file_entry(upload=upload["token"], md5_value=overrides.pop("md5", md5(DATA)))
    entry.update(overrides.pop("file", {}))
    return user.post("/datasets", json=dataset_body(project, [entry], **overrides))


def _refused(response: Any, field: str, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["field"] == field, error
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
def test_terms_are_accepted_only_with_json_true(user: ApiUser, project: str, value: Any) -> None:
    _refused(_post(user, project, terms_accepted=value), "terms_accepted")


@pytest.mark.parametrize("value", ["yes", 1])
def test_human_genetic_resource_is_a_real_boolean(user: ApiUser, project: str, value: Any) -> None:
    _refused(_post(user, project, human_genetic_resource=value), "human_genetic_resource")


def test_samples_is_a_real_number(user: ApiUser, project: str) -> None:
    _refused(_post(user, project, file={"samples": "2"}), "files.0.samples")


@pytest.mark.parametrize("release_date", ["9999-12-31", "2999-01-01"])
def test_a_release_date_beyond_the_horizon(user: ApiUser, project: str, release_date: str) -> None:
    error = _refused(
        _post(user, project, release_date=release_date), "release_date", "release_date_too_far"
    )
    assert error["params"]["years"] == RELEASE_HORIZON_YEARS
    assert f"at most {RELEASE_HORIZON_YEARS} years ahead" in error["message"]
    assert error["params"]["latest"] in error["message"]


def test_the_horizon_itself_is_allowed_and_an_edit_beyond_it_is_not(
    user: ApiUser, project: str
) -> None:
    today = (datetime.now(UTC) - timedelta(hours=12)).date()
    latest = latest_release_date(today)
    created = _post(user, project, release_date=latest.isoformat())
    assert created.status_code == 201, created.text
    accession = created.json()["accession"]
    too_far = user.patch(f"/datasets/{accession}", json={"release_date": "9999-12-31"})
    _refused(too_far, "release_date", "release_date_too_far")


def test_latest_release_date_on_29_february() -> None:
    assert latest_release_date(date(2028, 2, 29)) == date(2028 + RELEASE_HORIZON_YEARS, 2, 28)
    assert latest_release_date(date(2026, 5, 1)) == date(2026 + RELEASE_HORIZON_YEARS, 5, 1)


@pytest.mark.parametrize("padding", [(" ", ""), ("", " "), ("  ", "  "), ("", "\t")])
def test_an_md5_with_anything_around_it(
    user: ApiUser, project: str, padding: tuple[str, str]
) -> None:
    before, after = padding
    response = _post(user, project, md5=before + md5(DATA) + after)
    assert response.status_code == 422, response.text
    assert error_of(response)["field"] == "files.0.md5"
    if after != "\t":  # a tab is a control character: refused by the text rule first
        assert error_of(response)["code"] == "invalid_md5"
        assert "not even a space" in error_of(response)["message"]


def test_an_md5_edit_with_spaces_is_refused(user: ApiUser, project: str) -> None:
    created = _post(user, project)
    assert created.status_code == 201, created.text
    file_id = created.json()["files"][0]["file_id"]
    accession = created.json()["accession"]
    spaced = user.patch(f"/datasets/{accession}/files/{file_id}", json={"md5": f" {md5(DATA)}"})
    _refused(spaced, "md5", "invalid_md5")
    upper = user.patch(f"/datasets/{accession}/files/{file_id}", json={"md5": md5(DATA).upper()})
    assert upper.status_code == 200, upper.text


def test_the_shared_md5_rule_is_strict() -> None:
    digest = md5(DATA)
    assert normalize_md5(digest.upper()) == digest
    for padded in (f" {digest}", f"{digest} ", f"{digest}\n"):
        assert normalize_md5(padded) is None

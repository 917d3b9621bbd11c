"""The pre-upload listing and deletion API over what arrived by FTP."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess
from tests.support.submission import error_of, ftp_put, home_of, left_over, md5, wait_for


def _listing(user: ApiUser) -> list[dict[str, object]]:
    response = user.get("/preupload/files")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_listing_shows_name_path_size_last_edit_and_server_md5(
    server: ServerProcess, user: ApiUser
) -> None:
    data = os.urandom(200_000)
    ftp_put(server, user, "run1/F13_S1.tar", data)
    ftp_put(server, user, "notes.txt", b"hello\n")
    files = wait_for(
        lambda: _listing(user), lambda rows: all(row["md5"] for row in rows) and len(rows) == 2
    )
    by_path = {row["path"]: row for row in files}
    tar = by_path["run1/F13_S1.tar"]
    assert tar["name"] == "F13_S1.tar"
    assert tar["size"] == len(data)
    assert tar["md5"] == md5(data)
    assert tar["state"] == "complete"
    assert tar["valid"] is True and tar["problem"] is None
    assert tar["selected_by"] is None
    assert datetime.fromisoformat(str(tar["modified_at"])).tzinfo is not None
    assert by_path["notes.txt"]["md5"] == md5(b"hello\n")


def test_names_and_folders_with_spaces_or_special_characters_are_flagged(
    server: ServerProcess, user: ApiUser
) -> None:
    left_over(server, user, "FTP upload test/F13_S1.tar", b"a")
    left_over(server, user, "F13_S1(1).tar", b"b")
    rows = {row["path"]: row for row in _listing(user)}
    folder = rows["FTP upload test/F13_S1.tar"]
    assert folder["valid"] is False
    problem = folder["problem"]
    assert isinstance(problem, dict)
    assert problem["code"] == "space"
    assert problem["component"] == "FTP upload test"
    assert "space" in problem["message"]
    special = rows["F13_S1(1).tar"]["problem"]
    assert isinstance(special, dict)
    assert special["code"] == "special_character" and special["character"] == "("


def test_delete_removes_the_file_and_its_row(server: ServerProcess, user: ApiUser) -> None:
    ftp_put(server, user, "run2/a.fq.gz", b"reads")
    assert [row["path"] for row in _listing(user)] == ["run2/a.fq.gz"]
    response = user.delete("/preupload/files", params={"path": "run2/a.fq.gz"})
    assert response.status_code == 204
    assert _listing(user) == []
    assert not (home_of(server, user) / "run2" / "a.fq.gz").exists()
    again = user.delete("/preupload/files", params={"path": "run2/a.fq.gz"})
    assert again.status_code == 404
    assert error_of(again)["code"] == "preupload_file_not_found"


@pytest.mark.parametrize(
    "path",
    ["../x", "run/../../x", "/etc/passwd", "./a.txt", "a//b", "a\x00b", "C:/Windows/win.ini"],
)
def test_path_tricks_are_refused(user: ApiUser, path: str) -> None:
    response = user.delete("/preupload/files", params={"path": path})
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "invalid_path"
    assert error_of(response)["field"] == "path"


def test_symlinks_out_of_the_home_are_neither_listed_nor_followed(
    server: ServerProcess, user: ApiUser, tmp_path: os.PathLike[str]
) -> None:
    ftp_put(server, user, "real.txt", b"mine")
    outside = os.path.join(tmp_path, "outside")
    os.mkdir(outside)
    with open(os.path.join(outside, "victim.txt"), "w") as stream:
        stream.write("not yours")
    home = home_of(server, user)
    os.symlink(outside, home / "escape")
    os.symlink(os.path.join(outside, "victim.txt"), home / "victim-link.txt")
    assert [row["path"] for row in _listing(user)] == ["real.txt"]
    for path in ("escape/victim.txt", "victim-link.txt"):
        response = user.delete("/preupload/files", params={"path": path})
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_path"
    assert os.path.exists(os.path.join(outside, "victim.txt"))


def test_another_user_never_sees_or_deletes_my_files(
    server: ServerProcess, user: ApiUser, other_user: ApiUser
) -> None:
    ftp_put(server, user, "mine.txt", b"mine")
    assert _listing(other_user) == []
    response = other_user.delete("/preupload/files", params={"path": "mine.txt"})
    assert response.status_code == 404
    mine_id = home_of(server, user).name
    sneaky = other_user.delete("/preupload/files", params={"path": f"../{mine_id}/mine.txt"})
    assert sneaky.status_code == 400
    assert [row["path"] for row in _listing(user)] == ["mine.txt"]


def test_listing_needs_a_signed_in_user(server: ServerProcess) -> None:
    import requests

    assert requests.get(f"{server.api}/preupload/files", timeout=10).status_code == 401

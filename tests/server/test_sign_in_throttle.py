"""Sign-in without lockout: a guesser is slowed down, the owner elsewhere gets in.

Clients are bound to different loopback addresses (127.0.0.2, 127.0.0.3 ...)
so the server sees them as different machines.
"""

from __future__ import annotations

import ftplib
import io
import time

import httpx
import pytest

from tests.support.accounts import PASSWORD, new_user
from tests.support.server import HOST, ServerProcess

GUESSER = "127.0.0.2"
OWNER_ELSEWHERE = "127.0.0.3"
SPRAYER = "127.0.0.4"


def _http_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def _login(client: httpx.Client, server: ServerProcess, email: str, password: str) -> int:
    response = client.post(f"{server.api}/auth/login", json={"email": email, "password": password})
    return response.status_code


def _ftp_login(server: ServerProcess, address: str, email: str, password: str) -> str:
    ftp = ftplib.FTP(source_address=(address, 0))
    ftp.connect(HOST, server.ftp_port, timeout=30)
    try:
        return ftp.login(email, password)
    except ftplib.Error as error:
        return str(error)
    finally:
        ftp.close()


def test_a_slow_guesser_never_keeps_the_owner_out(own_server: ServerProcess) -> None:
    server = own_server.start()
    owner = new_user(server.api, prefix="owner")
    with _http_from(GUESSER) as guesser, _http_from(OWNER_ELSEWHERE) as elsewhere:
        refused = 0
        owner_in = 0
        deadline = time.monotonic() + 20
        rounds = 0
        while time.monotonic() < deadline and rounds < 12:
            rounds += 1
            code = _login(guesser, server, owner.email, "wrong password")
            refused += code == 429
            # the owner signs in between the guesses, by HTTP and by FTP
            owner_in += _login(elsewhere, server, owner.email, PASSWORD) == 200
            owner_in += _ftp_login(server, OWNER_ELSEWHERE, owner.email, PASSWORD).startswith("230")
        assert refused > 0, "the guesser was never slowed down"
        assert owner_in == 2 * rounds
        # the guesser's own address stays slowed down, even with the right password:
        # guess until refused (a slow machine may have let the last delay run out)
        for _ in range(8):
            if _login(guesser, server, owner.email, "wrong password") == 429:
                break
        assert _login(guesser, server, owner.email, PASSWORD) == 429
        answer = _ftp_login(server, GUESSER, owner.email, PASSWORD)
        assert answer.startswith("530 Login refused: Too many failed sign-ins")


def test_one_address_spraying_many_accounts_is_slowed_down(own_server: ServerProcess) -> None:
    server = own_server.start()
    victim = new_user(server.api, prefix="victim")
    with _http_from(SPRAYER) as sprayer, _http_from(OWNER_ELSEWHERE) as elsewhere:
        codes = [_login(sprayer, server, f"nobody{i}@example.org", "guess") for i in range(21)]
        assert codes[:20] == [401] * 20  # one wrong password per account: not yet slowed
        assert codes[20] == 429
        assert _login(sprayer, server, victim.email, "guess") == 429
        response = sprayer.post(
            f"{server.api}/auth/login", json={"email": victim.email, "password": "guess"}
        )
        assert response.json()["error"]["code"] == "too_many_attempts"
        assert int(response.headers["Retry-After"]) >= 1
        assert _login(elsewhere, server, victim.email, PASSWORD) == 200


def _change_password(server: ServerProcess, token: str, new: str) -> None:
    response = httpx.post(
        f"{server.api}/auth/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("how", ["password change", "sign-out"])
def test_ftp_sessions_end_on_password_change_and_sign_out(server: ServerProcess, how: str) -> None:
    user = new_user(server.api, prefix="ftpend")
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.ftp_port, timeout=30)
    try:
        ftp.login(user.email, PASSWORD)
        assert ftp.storbinary("STOR before.fq", io.BytesIO(b"ACGT")).startswith("226")
        if how == "password change":
            _change_password(server, user.token, "a new password 2")
        else:
            response = user.http.post(f"{server.api}/auth/logout", timeout=30)
            assert response.status_code == 204
        with pytest.raises(ftplib.error_temp, match="^421 Your password was changed"):
            ftp.storbinary("STOR after.fq", io.BytesIO(b"ACGT"))
    finally:
        ftp.close()
    password = "a new password 2" if how == "password change" else PASSWORD
    token = httpx.post(
        f"{server.api}/auth/login", json={"email": user.email, "password": password}
    ).json()["token"]
    listing = httpx.get(
        f"{server.api}/preupload/files", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [row["path"] for row in listing] == ["before.fq"]
    # a new FTP session with the current password works
    assert _ftp_login(server, HOST, user.email, password).startswith("230")

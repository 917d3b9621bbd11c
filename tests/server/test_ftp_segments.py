"""Segmented uploads: disjoint ranges of one file from several connections at once."""

from __future__ import annotations

import ftplib
import io
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.server.ftp_support import cut_upload, ftp_login, md5, payload, rows, wait_row, xmd5
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess

MiB = 1024 * 1024


def send_segment(
    server: ServerProcess, user: ApiUser, name: str, data: bytes, start: int, end: int
) -> str:
    with ftp_login(server, user) as ftp:
        ftp.voidcmd("TYPE I")
        assert ftp.sendcmd(f"SEGM {start} {end} {len(data)}").startswith("350")
        conn = ftp.transfercmd(f"STOR {name}")
        conn.sendall(data[start:end])
        conn.close()
        return ftp.voidresp()


def stripes(size: int, count: int) -> list[tuple[int, int]]:
    step = -(-size // count)
    return [(start, min(start + step, size)) for start in range(0, size, step)]


def test_feature_is_advertised(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server, user) as ftp:
        assert " SEGM" in ftp.sendcmd("FEAT").splitlines()


def test_stripes_in_parallel_assemble_one_verified_file(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(8 * MiB + 12345, seed=41)
    parts = stripes(len(data), 6)
    with ThreadPoolExecutor(len(parts)) as pool:
        replies = list(
            pool.map(lambda part: send_segment(server, user, "big.bin", data, *part), parts)
        )
    complete = [r for r in replies if r.startswith("226 Transfer complete")]
    assert complete == [f"226 Transfer complete: /big.bin, {len(data)} bytes, MD5 {md5(data)}."]
    assert all(r.startswith("226 ") for r in replies)
    row = wait_row(server, user.email, "big.bin")
    assert (row.size, row.md5) == (len(data), md5(data))
    with ftp_login(server, user) as ftp:
        assert xmd5(ftp, "big.bin") == md5(data)


def test_a_file_is_listed_complete_only_when_every_range_is_in(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(3 * MiB, seed=42)
    (first, second, third) = stripes(len(data), 3)
    send_segment(server, user, "partial.bin", data, *first)
    send_segment(server, user, "partial.bin", data, *third)
    listed = {f["path"]: f for f in user.get("/preupload/files").json()}["partial.bin"]
    assert listed["state"] != "complete" and listed["md5"] is None
    assert rows(server, user.email)["partial.bin"].md5 is None
    reply = send_segment(server, user, "partial.bin", data, *second)
    assert reply == f"226 Transfer complete: /partial.bin, {len(data)} bytes, MD5 {md5(data)}."


def test_overlapping_and_out_of_range_segments_are_refused(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(2 * MiB, seed=43)
    send_segment(server, user, "o.bin", data, 0, MiB)
    with ftp_login(server, user) as ftp:
        ftp.sendcmd(f"SEGM {MiB - 10} {2 * MiB} {len(data)}")
        with pytest.raises(ftplib.error_perm, match=r"^553 .*overlap \[0, 1048576\), already"):
            ftp.transfercmd("STOR o.bin")
        with pytest.raises(ftplib.error_perm, match=r"^501 .*start < end <= total"):
            ftp.sendcmd(f"SEGM {MiB} {3 * MiB} {len(data)}")
        with pytest.raises(ftplib.error_perm, match=r"^501 SEGM needs three numbers"):
            ftp.sendcmd("SEGM 1 2")
        # a different total for the same file is refused while it is being assembled
        ftp.sendcmd(f"SEGM {MiB} {2 * MiB} {3 * MiB}")
        with pytest.raises(ftplib.error_perm, match=r"^553 This file is being assembled"):
            ftp.transfercmd("STOR o.bin")
        # more bytes than the segment holds: refused and not counted
        ftp.voidcmd("TYPE I")
        ftp.sendcmd(f"SEGM {MiB} {2 * MiB} {len(data)}")
        conn = ftp.transfercmd("STOR o.bin")
        try:
            conn.sendall(data[MiB:] + b"extra bytes")
        except OSError:
            pass
        conn.close()
        with pytest.raises(ftplib.error_perm, match=r"^552 More bytes than the segment"):
            ftp.voidresp()
    assert send_segment(server, user, "o.bin", data, MiB, 2 * MiB).startswith(
        "226 Transfer complete"
    )


def test_a_cut_segment_is_not_counted_and_is_sent_again(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(2 * MiB, seed=44)
    send_segment(server, user, "cut.bin", data, 0, MiB)
    with ftp_login(server, user) as ftp:
        ftp.sendcmd(f"SEGM {MiB} {2 * MiB} {len(data)}")
        reply = cut_upload(ftp, "STOR cut.bin", data[MiB : MiB + 300_000], reset=True)
    assert reply.startswith("426") and "is not stored: send it again" in reply
    row = wait_row(server, user.email, "cut.bin", state="incomplete")
    assert row.md5 is None
    assert send_segment(server, user, "cut.bin", data, MiB, 2 * MiB).startswith(
        "226 Transfer complete"
    )
    assert wait_row(server, user.email, "cut.bin").md5 == md5(data)


def test_a_server_restart_keeps_the_stored_segments(own_server: ServerProcess) -> None:
    from tests.support.accounts import new_user

    server = own_server.start()
    user = new_user(server.api, prefix="segrestart")
    data = payload(3 * MiB, seed=45)
    first, second, third = stripes(len(data), 3)
    send_segment(server, user, "r.bin", data, *first)
    send_segment(server, user, "r.bin", data, *third)
    server.stop()
    server.start()
    listed = {f["path"]: f for f in user.get("/preupload/files").json()}["r.bin"]
    assert listed["state"] == "incomplete"  # never taken for a whole file
    with ftp_login(server, user) as ftp:
        ftp.sendcmd(f"SEGM {first[0]} {first[1]} {len(data)}")
        with pytest.raises(ftplib.error_perm, match="^553 .*already stored"):
            ftp.transfercmd("STOR r.bin")
    reply = send_segment(server, user, "r.bin", data, *second)
    assert reply == f"226 Transfer complete: /r.bin, {len(data)} bytes, MD5 {md5(data)}."


def test_deleting_a_half_assembled_file_forgets_it(server: ServerProcess, user: ApiUser) -> None:
    data = payload(2 * MiB, seed=46)
    send_segment(server, user, "d.bin", data, 0, MiB)
    with ftp_login(server, user) as ftp:
        with pytest.raises(ftplib.error_temp, match="^450 .*being assembled"):
            ftp.rename("d.bin", "e.bin")
        ftp.delete("d.bin")
    # a new upload of the same name starts afresh
    other = payload(MiB, seed=47)
    assert send_segment(server, user, "d.bin", other, 0, MiB).startswith("226 Transfer complete")
    assert wait_row(server, user.email, "d.bin").md5 == md5(other)


def test_whole_file_upload_replaces_an_unfinished_assembly(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(2 * MiB, seed=48)
    send_segment(server, user, "w.bin", data, 0, MiB)
    with ftp_login(server, user) as ftp:
        ftp.storbinary("STOR w.bin", io.BytesIO(b"whole"))
    assert wait_row(server, user.email, "w.bin").md5 == md5(b"whole")

"""Web pages over plain HTTP: browse, dataset, statistics, curation sign-in,
reviewer links, the 404 page; English and Chinese; the Chinese catalog."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from server_stub.models import Dataset
from server_stub.web import i18n
from tests.conftest import database_for_test
from tests.support.catalog import (
    DEFAULT_PASSWORD,
    DatasetSpec,
    FileSpec,
    add_datasets,
    add_review_link,
    database_url,
    owner,
)
from tests.support.catalog import open_database as open_db
from tests.support.server import ServerProcess
from tests.support.web import sign_in

WEB = Path(i18n.__file__).parent


class Site:
    def __init__(self, server: ServerProcess, accessions: list[str]) -> None:
        self.server = server
        self.open, self.controlled, self.waiting = accessions

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(f"{self.server.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with database_for_test() as url:
        data_dir = tmp_path_factory.mktemp("web") / "data"
        server = ServerProcess(data_dir=data_dir, database_url=url).start()
        try:
            accessions = add_datasets(
                data_dir,
                [
                    DatasetSpec(
                        title="Lung <b>cancer</b> expression",
                        description="Expression of 1089 lung tumours.",
                        released_at=datetime(2024, 7, 11, 8, tzinfo=UTC),
                        bioproject="PRJCA006118",
                        files=[
                            FileSpec("fpkm", ".txt", "Gene expression", 1089, content=b"x" * 221),
                            FileSpec("counts", ".csv", size=584_352_058),
                        ],
                    ),
                    DatasetSpec(
                        title="Methylation of TB patients",
                        organism="Homo sapiens",
                        access="controlled",
                        released_at=datetime(2022, 12, 2, 8, tzinfo=UTC),
                        files=[FileSpec("calls", ".bed.gz", size=11_069)],
                    ),
                    DatasetSpec(
                        title="Rice awaiting curation",
                        organism="Oryza sativa",
                        released_at=None,
                        curation_status="Waiting for Curation",
                        files=[FileSpec("reads", ".fq.gz", size=1000)],
                    ),
                ],
                url=url,
            )
            with open_db(database_url(data_dir, url)) as database:
                owner(database, "curator@example.org", curator=True)
            yield Site(server, accessions)
        finally:
            server.stop()


def test_home_leads_to_the_browser(site: Site) -> None:
    response = site.get("/", allow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"].startswith("/browse")


def test_browse_lists_released_data_in_english(site: Site) -> None:
    response = site.get("/browse")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page
    assert "Released data: 2 records" in page
    assert site.open in page and site.controlled in page
    assert site.waiting not in page
    assert "PRJCA006118" in page
    assert "Lung &lt;b&gt;cancer&lt;/b&gt; expression" in page  # escaped
    assert "Jul 11, 2024" in page
    assert 'href="/browse?lang=en"' not in page
    assert 'href="/browse?lang=zh"' in page


def test_browse_in_chinese_by_accept_language_and_switch(site: Site) -> None:
    page = site.get("/browse", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="zh-CN">' in page
    assert "已发布数据：共 2 条记录" in page
    assert "2024年7月11日" in page
    switched = site.get("/browse?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "Released data: 2 records" in switched.text
    assert switched.cookies.get("omix_lang") == "en"
    remembered = site.get("/statistics", cookies={"omix_lang": "zh"})
    assert "已发布数据统计" in remembered.text


def test_browse_search_sort_and_pages(site: Site) -> None:
    page = site.get("/browse", params={"q": "lung", "lang": "en"}).text
    assert "1 records match" in page or "records match" in page
    assert site.open in page and site.controlled not in page
    nothing = site.get("/browse", params={"q": "nothing-like-this"}).text
    assert "No released dataset matches your search." in nothing
    paged = site.get("/browse", params={"size": 1, "sort": "accession", "order": "asc"}).text
    assert "Page 1 of 2" in paged
    assert 'rel="next" href="/browse?size=1&amp;sort=accession&amp;order=asc&amp;page=2"' in paged
    odd = site.get("/browse", params={"sort": "bogus", "page": "x", "size": "-3"})
    assert odd.status_code == 200


def test_dataset_page_files_links_and_jsonld(site: Site) -> None:
    page = site.get(f"/datasets/{site.open}").text
    assert f"{site.open}-01" in page
    assert "221 B" in page
    assert "584 MB" in page  # 584,352,058 bytes in decimal units, as the app says
    files = f"{site.server.url}/api/v1/public/files"
    assert f'href="{files}/{site.open}-01/{site.open}-01.txt"' in page
    assert f'href="{files}/{site.open}-01/{site.open}-01.txt.md5"' in page
    assert f'<code title="MD5 of {site.open}-01.txt">{hashlib.md5(b"x" * 221).hexdigest()}<' in page
    assert f"/OMIX/{site.open}/{site.open}-02.csv" in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match is not None
    record = json.loads(match.group(1))
    api = requests.get(f"{site.server.api}/public/datasets/{site.open}/jsonld", timeout=30)
    assert record == api.json()
    assert record["name"] == "Lung <b>cancer</b> expression"


def test_controlled_dataset_page_has_no_download_link(site: Site) -> None:
    page = site.get(f"/datasets/{site.controlled}").text
    assert 'id="controlled-note"' in page
    assert "/download" not in page and "/api/v1/public/files/" not in page
    assert "11.1 kB" in page  # 11,069 bytes: decimal units, as the app (omix_wire.sizes)
    zh = site.get(f"/datasets/{site.controlled}?lang=zh").text
    assert "受控访问" in zh


def test_statistics_page(site: Site) -> None:
    page = site.get("/statistics").text
    assert 'id="total-datasets">2<' in page
    assert "Jul 2024" in page and "Dec 2022" in page
    zh = site.get("/statistics?lang=zh").text
    assert "2024年7月" in zh


@pytest.mark.parametrize("path", ["/no/such/page", "/datasets/OMIX999999", "/datasets/{waiting}"])
def test_not_found_page_in_both_languages(site: Site, path: str) -> None:
    path = path.format(waiting=site.waiting)
    english = site.get(path)
    assert english.status_code == 404
    assert english.headers["content-type"].startswith("text/html")
    assert "Page not found" in english.text
    chinese = site.get(path, headers={"Accept-Language": "zh"})
    assert chinese.status_code == 404
    assert "页面不存在" in chinese.text
    assert "Traceback" not in english.text + chinese.text


def test_api_errors_stay_json(site: Site) -> None:
    response = requests.get(f"{site.server.api}/no/such/thing", timeout=30)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_review_link_is_a_clear_page(site: Site) -> None:
    for language, text in (("en", "Unknown preview link"), ("zh", "共享链接不存在")):
        response = site.get(f"/review/not-a-real-token-{language}?lang={language}")
        assert response.status_code == 404
        assert text in response.text
        assert "Traceback" not in response.text


def test_review_link_shows_metadata_never_downloads(site: Site) -> None:
    token = add_review_link(site.server.data_dir, site.waiting, site.server.database_url)
    response = site.get(f"/review/{token}")
    assert response.status_code == 200
    page = response.text
    assert 'id="preview-banner"' in page
    assert "Rice awaiting curation" in page
    assert f"{site.waiting}-01" in page
    assert "/download" not in page and "ftp://" not in page and "/OMIX/" not in page
    assert "/api/v1/public/files/" not in page and ".md5" not in page
    assert response.headers["cache-control"] == "no-store"
    assert "审稿预览" in site.get(f"/review/{token}?lang=zh").text


def test_closed_review_links_answer_gone(site: Site) -> None:
    closed = add_review_link(
        site.server.data_dir, site.waiting, site.server.database_url, closed=True
    )
    released = add_review_link(site.server.data_dir, site.open, site.server.database_url)
    for token in (closed, released):
        english = site.get(f"/review/{token}")
        assert english.status_code == 410
        assert "This preview link is closed" in english.text
        assert "Rice awaiting curation" not in english.text
        chinese = site.get(f"/review/{token}", headers={"Accept-Language": "zh-CN"})
        assert chinese.status_code == 410
        assert "此共享链接已关闭" in chinese.text


def test_curation_needs_a_curator_sign_in(site: Site) -> None:
    page = site.get("/curation")
    assert page.status_code == 200
    assert 'action="/curation/login"' in page.text
    http = requests.Session()
    wrong = sign_in(http, site.server.url, "curator@example.org", "wrong-password")
    assert wrong.status_code == 401
    assert "Wrong email or password." in wrong.text
    signed_in = sign_in(http, site.server.url, "curator@example.org", DEFAULT_PASSWORD)
    assert signed_in.status_code == 200
    assert "Waiting for curation" in signed_in.text
    assert site.waiting in signed_in.text
    assert site.open not in signed_in.text
    forged = http.post(
        f"{site.server.url}/curation/{site.waiting}/approve", data={"csrf": "x"}, timeout=30
    )
    assert forged.status_code == 403


def test_submitter_is_not_a_curator(site: Site) -> None:
    http = requests.Session()
    response = sign_in(http, site.server.url, "submitter@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 403
    assert "Curators only" in response.text


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_chinese_catalog_translates_every_page_message() -> None:
    """Every message of the templates and page code has a Chinese translation
    with the same placeholders."""
    path = i18n.po_path(i18n.CHINESE)
    assert path is not None
    with path.open("rb") as source:
        catalog = read_po(source)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    messages = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), method_map=method_map
        )
    }
    assert len(messages) > 50
    for message in messages:
        entry = catalog.get(message)
        assert entry is not None and entry.string, f"not translated: {message!r}"
        assert _placeholders(message) == _placeholders(str(entry.string)), message


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "zh-CN,zh;q=0.9", "zh"),
        (None, None, "fr-FR, zh-TW;q=0.8, en;q=0.5", "zh"),
        (None, None, "en-US,en;q=0.9,zh;q=0.8", "en"),
        (None, None, "zh;q=0, de", "en"),
        (None, "zh", "en", "zh"),
        ("en", "zh", "zh", "en"),
        ("klingon", None, "zh", "zh"),
    ],
)
def test_language_choice(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.choose(query, cookie, header).code == expected


def test_sizes_and_dates_per_language() -> None:
    english = i18n.Formatter(i18n.ENGLISH)
    chinese = i18n.Formatter(i18n.CHINESE)
    assert english.size(221) == "221 B"
    assert english.size(584_352_058) == "584 MB"  # decimal units, the app's and omix-upload's
    assert english.size(3 * 1024**4) == "3.3 TB"
    assert english.size(52_428_800) == "52.4 MB"  # never "50 MB" on the page and 52.4 in the app
    assert chinese.size(1_536_000) == "1.5 MB"
    assert english.number(1234567) == "1,234,567"
    assert english.date(datetime(2024, 7, 11, tzinfo=UTC)) == "Jul 11, 2024"
    assert chinese.date(datetime(2024, 7, 11, tzinfo=UTC)) == "2024年7月11日"
    assert chinese.month("2024-07") == "2024年7月"


def test_curator_approves_and_returns_from_the_page(site: Site) -> None:
    approve_me, return_me = add_datasets(
        site.server.data_dir,
        [
            DatasetSpec(
                title=title,
                released_at=None,
                curation_status="Waiting for Curation",
                files=[FileSpec("reads", ".fq.gz", size=10)],
            )
            for title in ("Good dataset", "Dataset needing work")
        ],
        url=site.server.database_url,
    )
    http = requests.Session()
    page = sign_in(http, site.server.url, "curator@example.org", DEFAULT_PASSWORD, "?lang=en")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf is not None
    approved = http.post(
        f"{site.server.url}/curation/{approve_me}/approve",
        data={"csrf": csrf.group(1)},
        timeout=30,
    )
    assert approved.status_code == 200
    assert f"{approve_me} is curated" in approved.text
    returned = http.post(
        f"{site.server.url}/curation/{return_me}/return",
        data={"csrf": csrf.group(1), "message": "Please describe the samples."},
        timeout=30,
    )
    assert f"{return_me} was returned to the submitter" in returned.text
    assert approve_me not in returned.text.split('id="curation"')[-1]
    with open_db(database_url(site.server.data_dir, site.server.database_url)) as database:
        with database.session() as session:
            rows = dict(
                session.execute(
                    select(Dataset.accession, Dataset.curation_status).where(
                        Dataset.accession.in_([approve_me, return_me])
                    )
                ).all()
            )
            message = session.scalar(
                select(Dataset.curation_message).where(Dataset.accession == return_me)
            )
    assert rows == {approve_me: "Curated", return_me: "Returned"}
    assert message == "Please describe the samples."

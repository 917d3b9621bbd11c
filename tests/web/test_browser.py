"""The web pages in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright's Python package against a real server on loopback.

Browse, search, open a dataset, download a file over HTTPS and check its MD5,
open a reviewer preview link, switch to Chinese.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import database_for_test
from tests.support.catalog import add_datasets, add_review_link, demo_specs
from tests.support.server import ServerProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright's Python package is not installed"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        "no Chromium at /usr/bin/chromium: install Debian's 'chromium' package "
        "(scripts/system-deps.sh does)",
        allow_module_level=True,
    )


class Site:
    def __init__(self, server: ServerProcess, accessions: list[str]) -> None:
        self.server = server
        self.accessions = accessions
        self.url = server.url

    def review_link(self, accession: str, closed: bool = False) -> str:
        token = add_review_link(
            self.server.data_dir, accession, self.server.database_url, closed=closed
        )
        return f"{self.url}/review/{token}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with database_for_test() as url:
        data_dir = tmp_path_factory.mktemp("browser") / "data"
        server = ServerProcess(data_dir=data_dir, database_url=url).start()
        try:
            yield Site(server, add_datasets(data_dir, demo_specs(), url=url))
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(accept_downloads=True, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def test_browse_search_open_and_download(site: Site, page: object, tmp_path: Path) -> None:
    expect = sync_api.expect
    cmaise = site.accessions[0]
    page.goto(f"{site.url}/")  # type: ignore[attr-defined]
    expect(page).to_have_url(f"{site.url}/browse")
    expect(page.locator("#record-count")).to_contain_text("Released data: 5 records")
    expect(page.locator("#datasets tbody tr")).to_have_count(5)

    search = page.get_by_role("searchbox")  # type: ignore[attr-defined]
    search.fill("lung cancer")
    search.press("Enter")
    expect(page.locator("#datasets tbody tr")).to_have_count(2)
    search = page.get_by_role("searchbox")  # type: ignore[attr-defined]
    search.fill("expressionmatrix")
    search.press("Enter")
    expect(page.locator("#datasets tbody tr")).to_have_count(1)

    page.get_by_role("link", name=cmaise).click()  # type: ignore[attr-defined]
    expect(page).to_have_url(f"{site.url}/datasets/{cmaise}")
    expect(page.locator("h1")).to_contain_text("CMAISE-V1.0_RNA-seq_expressionMatrix")
    expect(page.locator("#files")).to_contain_text(
        "584 MB"
    )  # 584,352,058 bytes, decimal as in the app
    expect(page.locator("#files")).to_contain_text(f"/OMIX/{cmaise}/{cmaise}-04.txt")
    record = json.loads(
        page.locator('script[type="application/ld+json"]').text_content()  # type: ignore[attr-defined]
    )
    assert record["@type"] == "Dataset" and record["identifier"] == cmaise

    row = page.locator(f'tr[data-file-id="{cmaise}-04"]')  # type: ignore[attr-defined]
    with page.expect_download() as download_info:  # type: ignore[attr-defined]
        row.get_by_role("link", name="HTTPS").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename == f"{cmaise}-04.txt"
    expected = requests.get(f"{site.server.api}/public/datasets/{cmaise}", timeout=30).json()[
        "files"
    ][3]["md5"]
    assert hashlib.md5(target.read_bytes()).hexdigest() == expected


def test_controlled_dataset_offers_no_download(site: Site, page: object) -> None:
    expect = sync_api.expect
    controlled = site.accessions[1]
    page.goto(f"{site.url}/datasets/{controlled}")  # type: ignore[attr-defined]
    expect(page.locator("#controlled-note")).to_be_visible()
    expect(page.locator("#files a")).to_have_count(0)


def test_chinese_pages(site: Site, page: object) -> None:
    expect = sync_api.expect
    page.goto(f"{site.url}/browse")  # type: ignore[attr-defined]
    page.locator("#lang-zh").click()  # type: ignore[attr-defined]
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#record-count")).to_contain_text("已发布数据：共 5 条记录")
    expect(page.locator("#datasets")).to_contain_text("2024年7月11日")
    page.get_by_role("link", name="数据统计").click()  # type: ignore[attr-defined]
    expect(page.locator("h1")).to_have_text("已发布数据统计")  # the choice is remembered
    expect(page.locator("#by-month")).to_contain_text("2024年3月")
    page.goto(f"{site.url}/no-such-page")  # type: ignore[attr-defined]
    expect(page.locator("#message h1")).to_have_text("页面不存在")


def test_reviewer_preview_shows_metadata_without_downloads(site: Site, page: object) -> None:
    expect = sync_api.expect
    waiting = site.accessions[5]
    link = site.review_link(waiting)
    page.goto(link)  # type: ignore[attr-defined]
    expect(page.locator("#preview-banner")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("HTTP upload test")
    expect(page.locator("#files")).to_contain_text(f"{waiting}-01")
    expect(page.locator("main a[href*='download']")).to_have_count(0)
    expect(page.locator("main a[href^='ftp:']")).to_have_count(0)


def test_closed_or_unknown_preview_link_is_a_clear_page(site: Site, page: object) -> None:
    expect = sync_api.expect
    response = page.goto(f"{site.url}/review/unknown-token-0000")  # type: ignore[attr-defined]
    assert response.status == 404
    expect(page.locator("#message h1")).to_have_text("Unknown preview link")
    closed = site.review_link(site.accessions[5], closed=True)
    response = page.goto(closed)  # type: ignore[attr-defined]
    assert response.status == 410
    expect(page.locator("#message h1")).to_have_text("This preview link is closed")
    expect(page.locator("#files")).to_have_count(0)

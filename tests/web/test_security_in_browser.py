"""The security headers and the sign-in form's token, seen by a real browser.

Headless Chromium (as in ``test_browser.py``) against a real server on
loopback: the pages render under their Content-Security-Policy with no
violation, the API docs page still starts Swagger UI (its CDN is answered
by a stand-in through Playwright's routing: no network), a page of another
site can neither frame the archive nor sign a curator in with a forged form.
The other site is a small HTTP server of the test's own, reached as
``localhost`` while the archive is ``127.0.0.1``: another site for the browser.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import database_for_test
from tests.support.catalog import (
    DEFAULT_PASSWORD,
    add_datasets,
    add_review_link,
    database_url,
    demo_specs,
    open_database,
    owner,
)
from tests.support.server import ServerProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright's Python package is not installed"
)
if not Path(CHROMIUM).exists():
    pytest.skip("no Chromium at /usr/bin/chromium", allow_module_level=True)

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__csp.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""

SWAGGER_STAND_IN = """
window.SwaggerUIBundle = function (config) {
  fetch(config.url).then((r) => r.json()).then((spec) => {
    document.querySelector(config.dom_id).textContent = 'loaded: ' + spec.info.title;
  });
};
window.SwaggerUIBundle.presets = {apis: {}};
window.SwaggerUIBundle.SwaggerUIStandalonePreset = {};
"""


class Site:
    def __init__(self, server: ServerProcess, accessions: list[str]) -> None:
        self.server = server
        self.accessions = accessions
        self.url = server.url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with database_for_test() as url:
        data_dir = tmp_path_factory.mktemp("security") / "data"
        server = ServerProcess(data_dir=data_dir, database_url=url).start()
        try:
            accessions = add_datasets(data_dir, demo_specs(), url=url)
            with open_database(database_url(data_dir, url)) as database:
                owner(database, "curator@example.org", curator=True)
            yield Site(server, accessions)
        finally:
            server.stop()


class Attacker:
    """Another site on loopback serving whatever page a test gives it."""

    def __init__(self) -> None:
        self.page = ""
        attacker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = attacker.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    other = Attacker()
    try:
        yield other
    finally:
        other.close()


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
    context = browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def _violations(page: object) -> list[str]:
    return list(page.evaluate("window.__csp"))  # type: ignore[attr-defined]


def test_pages_render_under_their_policy(site: Site, page: object) -> None:
    expect = sync_api.expect
    waiting = site.accessions[5]
    token = add_review_link(site.server.data_dir, waiting, site.server.database_url)
    paths = ["/browse", "/statistics", f"/datasets/{site.accessions[0]}", "/curation"]
    for path in [*paths, f"/review/{token}", "/no-such-page"]:
        page.goto(f"{site.url}{path}")  # type: ignore[attr-defined]
        assert _violations(page) == [], path
        # the stylesheet applied (same origin is allowed)
        weight = page.evaluate(  # type: ignore[attr-defined]
            "getComputedStyle(document.querySelector('.brand')).fontWeight"
        )
        assert weight == "700", path
    page.goto(f"{site.url}/statistics")  # type: ignore[attr-defined]
    expect(page.locator("#by-data-type svg.bar").first).to_be_visible()
    widths = page.evaluate(  # type: ignore[attr-defined]
        "[...document.querySelectorAll('#by-data-type svg.bar rect')].map(r => r.getBBox().width)"
    )
    assert widths and max(widths) > 0 and _violations(page) == []


def test_docs_page_starts_swagger_under_its_policy(site: Site, page: object) -> None:
    def cdn(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.endswith(".js"):
            route.fulfill(content_type="application/javascript", body=SWAGGER_STAND_IN)  # type: ignore[attr-defined]
        else:
            route.fulfill(content_type="text/css", body="#swagger-ui { color: #333; }")  # type: ignore[attr-defined]

    page.route("https://cdn.jsdelivr.net/**", cdn)  # type: ignore[attr-defined]
    page.route("https://fastapi.tiangolo.com/**", lambda route: route.abort())  # type: ignore[attr-defined]
    page.goto(f"{site.url}/api/v1/docs")  # type: ignore[attr-defined]
    sync_api.expect(page.locator("#swagger-ui")).to_have_text("loaded: OMIX reference archive")
    assert _violations(page) == []


def test_another_site_cannot_frame_the_archive(
    site: Site, page: object, attacker: Attacker
) -> None:
    attacker.page = f'<iframe id="archive" src="{site.url}/browse"></iframe>'
    page.goto(f"{attacker.url}/frame")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    framed = [frame for frame in page.frames if frame != page.main_frame]  # type: ignore[attr-defined]
    assert framed
    for frame in framed:
        assert "Released data" not in frame.content()
    # the archive itself is up: the page is refused only inside another site's frame
    page.goto(f"{site.url}/browse")  # type: ignore[attr-defined]
    assert "Released data" in page.content()  # type: ignore[attr-defined]


def test_forged_sign_in_from_another_site_is_refused(
    site: Site, page: object, attacker: Attacker
) -> None:
    expect = sync_api.expect
    page.goto(f"{site.url}/curation")  # type: ignore[attr-defined]  # the browser has the cookie
    forged = f"""<form method="post" action="{site.url}/curation/login">
      <input name="email" value="curator@example.org">
      <input name="password" value="{DEFAULT_PASSWORD}">
      <input name="csrf" value="guessed">
      <button id="go" type="submit">go</button></form>"""
    attacker.page = forged
    page.goto(f"{attacker.url}/forged")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#go")  # type: ignore[attr-defined]
    expect(page.locator("#login-error")).to_contain_text("Sign in again from this page")
    cookies = page.context.cookies(site.url)  # type: ignore[attr-defined]
    assert "omix_session" not in {cookie["name"] for cookie in cookies}

    # the real form, in the same browser, signs in
    page.goto(f"{site.url}/curation")  # type: ignore[attr-defined]
    page.fill("input[name=email]", "curator@example.org")  # type: ignore[attr-defined]
    page.fill("input[name=password]", DEFAULT_PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("form.login button[type=submit]")  # type: ignore[attr-defined]
    expect(page).to_have_url(f"{site.url}/curation")
    expect(page.locator("form[action='/curation/logout']")).to_be_visible()
    assert _violations(page) == []

"""The page in a real headless Chromium (Debian's `chromium`, driven by Playwright through
executable_path; no browser is downloaded). Screenshots for docs/web.md are taken here: into
docs/screenshots with CFX_UPDATE_SCREENSHOTS=1, else into the test's temp dir (a plain test run
leaves the repository as it was; Chromium's PNGs differ by a few bytes from run to run)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.web.conftest import Site

CHROMIUM = Path("/usr/bin/chromium")
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # `make test` and .ci/run install Debian's chromium when it is missing.
    assert CHROMIUM.exists(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The node's development CA is not in the browser's store; httpx tests check the chain.
    context = browser.new_context(ignore_https_errors=True, locale="en-US")
    yield context.new_page()
    context.close()


def _check(page: Page, site: Site, credential: Path, *receipts: Path, lang: str = "en") -> str:
    page.goto(f"{site.url}/?lang={lang}")
    page.set_input_files("#credential", str(credential))
    if receipts:
        page.set_input_files("#receipt", [str(r) for r in receipts])
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    return page.inner_text("#verdict")


@pytest.mark.slow
def test_good_and_tampered_verdicts(page: Page, site: Site, tmp_path: Path) -> None:
    update = os.environ.get("CFX_UPDATE_SCREENSHOTS") == "1"
    shots = DOCS_SCREENSHOTS if update else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    assert _check(page, site, site.files.good) == "Verified"
    assert "sichuan-cells" in page.inner_text("#organization")
    assert "4000" in page.inner_text("#gec")
    page.screenshot(path=str(shots / "verified.png"), full_page=True)
    assert _check(page, site, site.files.tampered) == "Not verified"
    assert "SIGNATURE_INVALID" in page.inner_text(".problems")
    page.screenshot(path=str(shots / "tampered.png"), full_page=True)
    assert (shots / "verified.png").stat().st_size > 0


@pytest.mark.slow
def test_revoked_key_and_receipt(page: Page, site: Site) -> None:
    assert _check(page, site, site.files.revoked) == "Not verified"
    assert "KEY_REVOKED" in page.inner_text(".problems")
    assert _check(page, site, site.files.submitted, site.files.receipt) == "Verified"
    assert "included" in page.inner_text("#receipts")


@pytest.mark.slow
def test_chinese_page_and_keyboard_only_submit(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/?lang=zh")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("label[for=credential]") == "凭证文件（JSON）"  # noqa: RUF001
    page.set_input_files("#credential", str(site.files.good))
    # Keyboard only: Tab through the inputs to the button and press Enter.
    page.focus("#credential")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") == "核验通过"
    assert page.get_attribute("html", "lang") == "zh-CN"

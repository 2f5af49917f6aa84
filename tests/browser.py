"""Browser tests with plain Playwright (not pytest-playwright) and Debian's Chromium.

Playwright's own browser downloads are not used: the browser is /usr/bin/chromium, or
$CHROMIUM_PATH. Without it the tests skip, unless E2E_REQUIRED=1 says they must run.
See notes/verified-setup.md §2 for why each flag is here.
"""

import os
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if not Path(executable).exists():
        message = f"no Chromium at {executable}; install Debian's chromium"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def js_dialogs():
    """Every alert/confirm/prompt a page opened during the test (there must be none)."""
    return []


@pytest.fixture(autouse=True)
def _no_js_dialogs(js_dialogs):
    yield
    assert js_dialogs == [], f"JavaScript dialogs opened: {js_dialogs}"


@pytest.fixture
def page(browser, js_dialogs):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()

    def on_dialog(dialog):
        js_dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()

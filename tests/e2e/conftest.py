# The browser fixtures (browser, page, js_dialogs) live in tests/browser.py, loaded for the
# whole suite by tests/conftest.py, so that browser tests in any folder share one Chromium.

"""Take the README's screenshots from the demo data, so that they stay true.

    make screenshots          # or: .venv/bin/python docs/screenshots.py

Builds a throw-away SQLite database in a temporary folder (``migrate`` + ``load_demo``: the
demo's base set, built relative to today), starts ``runserver`` on a free loopback port, signs
in as each role in Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) and saves each role's home
page and the issue page, in English and in Chinese, to docs/screenshots/. The list of shots is
``SHOTS``; tests/test_screenshots.py checks that the README shows every one of them.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "roundtable-demo"
LANGUAGES = ("en", "zh-hans")
VIEWPORT = {"width": 1366, "height": 900}

# (file stem, login, what to open: "home" or "issue")
SHOTS = (
    ("chair-home", "chair", "home"),
    ("staff-home", "staff", "home"),
    ("liaison-home", "liaison", "home"),
    ("admin-home", "admin", "home"),
    ("issue", "liaison", "issue"),
)


def shot_files() -> list[str]:
    """Every file the script writes, relative to the repository (what the README must show)."""
    return [f"docs/screenshots/{stem}-{lang}.png" for stem, _, _ in SHOTS for lang in LANGUAGES]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"screenshots: the demo site at {url} did not start")


def _issue_path(env: dict) -> str:
    """The demo issue the liaison's department leads with the longest timeline."""
    code = (
        "from django.db.models import Count\n"
        "from django.urls import reverse\n"
        "from issues.models import Issue\n"
        "from roundtable.accounts.models import User\n"
        "user = User.objects.get(username='liaison')\n"
        "departments = user.department_memberships.values('department')\n"
        "issue = (Issue.objects.filter(assignments__department__in=departments)\n"
        "         .annotate(n=Count('updates')).order_by('-n', 'pk').first())\n"
        "print(reverse('issues:detail', args=[issue.pk]))\n"
    )
    return _manage(env, "shell", "-c", code).strip().splitlines()[-1]


def _capture(browser, url: str, login: str, target: str, issue_path: str) -> None:
    for language in LANGUAGES:
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        page = context.new_page()
        page.goto(f"{url}/accounts/login/")
        page.fill('input[name="username"]', login)
        page.fill('input[name="password"]', PASSWORD)
        with page.expect_navigation():
            page.locator('input[name="password"]').press("Enter")
        if "/accounts/login/" in page.url:
            raise SystemExit(f"screenshots: {login} could not sign in")
        page.request.post(
            f"{url}/accounts/language/",
            form={
                "language": language,
                "next": "/",
                "csrfmiddlewaretoken": _csrf(context),
            },
            headers={"Referer": f"{url}/"},
        )
        page.goto(url + (issue_path if target == "issue" else "/"))
        page.wait_for_load_state("networkidle")
        stem = next(s for s, who, what in SHOTS if who == login and what == target)
        path = OUT / f"{stem}-{language}.png"
        page.screenshot(path=str(path), full_page=False)
        print(f"screenshots: {path.relative_to(ROOT)}")
        context.close()


def _csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")


def main() -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.browser import CHROMIUM_ARGS

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="roundtable-screenshots-") as folder:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL"}
        }
        env.update(
            SQLITE_PATH=f"{folder}/db.sqlite3",
            MEDIA_ROOT=f"{folder}/media",
            VAR_DIR=folder,
            DEBUG="1",
            PYTHONUNBUFFERED="1",
        )
        _manage(env, "migrate", "--noinput")
        _manage(env, "load_demo")
        issue_path = _issue_path(env)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium",
                    headless=True,
                    args=CHROMIUM_ARGS,
                )
                for _, login, target in SHOTS:
                    _capture(browser, url, login, target, issue_path)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()

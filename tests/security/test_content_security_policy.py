"""The Content-Security-Policy allows no inline script or style on any page. These tests keep
the templates and the code that writes HTML from bringing one back: each would be refused by
the browser (tests/e2e/test_csp.py watches a browser for it), so a page would break quietly.

E-mails are not pages: the policy does not apply to them, and mail programs need their
inline styles, so templates/emails/ is left out."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.security.headers import assert_security_headers, csp_directives

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CODE = [ROOT / "roundtable", ROOT / "issues", ROOT / "departments"]

INLINE = {
    "inline event handler (on…=)": re.compile(r"\son[a-z]+\s*=", re.I),
    "inline <script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on attribute (evaluated code)": re.compile(r"\shx-on", re.I),
}
# HTML written by Python: a tag with such an attribute, or a widget's attrs={"style": …}.
IN_CODE = {
    "HTML with an inline attribute": re.compile(r"<[a-z][^<>\n]*\s(?:style|on[a-z]+)\s*=", re.I),
    "widget attribute style/on…": re.compile(r"""["'](?:style|on[a-z]+)["']\s*:"""),
    "attribute style=/on…= in a string": re.compile(r"""\s(?:style|on[a-z]+)=\\?["']"""),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>\"']*>", re.I),
}
# Template comments say what the markup must not hold; they are not markup.
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def _without_comments(text: str) -> str:
    return COMMENTS.sub(lambda match: "\n" * match.group(0).count("\n"), text)


def _findings(text: str, patterns: dict) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in patterns.items():
            if pattern.search(line):
                found.append(f"{number}: {what}: {line.strip()[:120]}")
    return found


def _page_templates():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and "emails" not in path.relative_to(TEMPLATES).parts:
            yield path


def test_no_template_of_a_page_has_inline_script_style_or_handler():
    found = {
        str(path.relative_to(ROOT)): hits
        for path in _page_templates()
        if (hits := _findings(_without_comments(path.read_text()), INLINE))
    }
    assert found == {}, found


def test_no_python_code_writes_inline_script_style_or_handler():
    found = {}
    for folder in CODE:
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            code = "\n".join(
                "" if line.lstrip().startswith("#") else line
                for line in path.read_text().splitlines()
            )
            if hits := _findings(code, IN_CODE):
                found[str(path.relative_to(ROOT))] = hits
    assert found == {}, found


@pytest.mark.parametrize(
    "sample",
    [
        '<select name="kind" onchange="this.form.submit()">',
        '<input ONFOCUS = "this.select()">',
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        '<ul style="list-style: none">',
        "<style>td { height: 1rem }</style>",
        '<a href="javascript:void(0)">',
        '<button hx-on:click="go()">',
    ],
)
def test_the_template_scan_catches_each_kind(sample):
    assert _findings(sample, INLINE), sample


@pytest.mark.parametrize(
    "sample",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<input type="text" class="input-full" data-select-on-focus>',
        "<p>Done on time: 3 of 4</p>",
        '<link rel="stylesheet" href="/static/css/app.css">',
        "{# no <style>, no onclick= here #}",
    ],
)
def test_the_template_scan_lets_files_and_plain_text_through(sample):
    assert _findings(_without_comments(sample), INLINE) == [], sample


@pytest.mark.parametrize(
    "sample",
    [
        """format_html('<span style="color: red">{}</span>', text)""",
        """forms.TextInput(attrs={"onchange": "go()"})""",
        """widget=forms.Select(attrs={'style': 'width: 5rem'})""",
        """mark_safe("<script>go()</script>")""",
        """    f'font-weight="{weight}" style="{FONT}">{escape(text)}</text>'""",
    ],
)
def test_the_code_scan_catches_each_kind(sample):
    assert _findings(sample, IN_CODE), sample


@pytest.mark.django_db
def test_pages_tell_htmx_to_add_no_style_and_evaluate_nothing(settings):
    response = Client().get("/accounts/login/")
    body = response.content.decode()
    assert '"includeIndicatorStyles": false' in body
    assert '"allowEval": false' in body
    assert_security_headers(response)


@pytest.mark.django_db
def test_static_files_served_by_the_portal_carry_the_headers_too():
    # WhiteNoise answers inside the middleware chain, after the security headers' middleware.
    response = Client().get("/static/js/app.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_the_admin_history_page_lets_through_only_its_paginators_style(admin_user, issue_x):
    """django-simple-history's history page has one inline style attribute; that page's
    policy allows exactly it, by its hash, and the hash is of what the page really holds."""
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/issues/issue/{issue_x.pk}/history/")
    assert response.status_code == 200
    styles = set(re.findall(r'\sstyle="([^"]*)"', response.content.decode()))
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles
    }
    style_src = csp_directives(response)["style-src"].split()
    assert style_src == ["'self'", "'unsafe-hashes'", *sorted(hashes)], (styles, style_src)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # Every other admin page keeps the portal's policy.
    assert csp_directives(client.get("/admin/"))["style-src"] == "'self'"

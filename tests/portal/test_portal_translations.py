"""The enterprise side is complete in Japanese and Korean (and Chinese, which
tests/test_translations.py checks for every string): every msgid that a page or e-mail of
the enterprise side uses has a ja and a ko translation, not fuzzy, with its placeholders.

Which strings are the enterprise side's: those marked in the files ENTERPRISE_SIDE_SOURCES
names (the portal's templates, its e-mails and its Python), extracted by the same
makemessages the catalogs are made with. Staff pages may stay in English and Chinese, so the
ja and ko catalogs hold their msgids untranslated. A helper that adds contact-facing files
outside these folders adds them to the list."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from tests.test_translations import PLACEHOLDERS, REPO, _key, _show, _tool, read_po

ENTERPRISE_SIDE_SOURCES = [
    "templates/portal",
    "templates/emails/portal",
    "roundtable/portal",
    # The base template's shared pieces a portal page shows.
    "templates/forms",
    # Pages and mails a contact meets outside /portal/: signing in (in the browser's language
    # before they sign in), a forgotten password, the error pages.
    "templates/accounts/login.html",
    "templates/accounts/password_reset.html",
    "templates/accounts/password_reset_sent.html",
    "templates/emails/password_reset.subject.txt",
    "templates/emails/password_reset.txt",
    "templates/emails/password_reset.html",
    "templates/400.html",
    "templates/403.html",
    "templates/403_csrf.html",
    "templates/404.html",
    "templates/405.html",
    "templates/413.html",
    # The public concern form's question and its credit-code check (issue 17, concerns).
    "roundtable/lib/challenge.py",
    "roundtable/lib/uscc.py",
    # How a contact reads a concern's outcome: worded from these phrases (concern.*) is
    # checked by tests/portal/test_concerns_contact.py.
    # Policy notices as a contact reads them (kinds, language names).
    "roundtable/notices/labels.py",
]
# Strings of staff-side modules that a contact reads too (the sign-in form's refusal).
ENTERPRISE_SIDE_MSGIDS = [
    "The username or password is not correct.",
    "E-mail address",
    "You have signed out.",
]
LANGUAGES = ("ja", "ko")


def _po(language: str) -> Path:
    return REPO / "locale" / language / "LC_MESSAGES" / "django.po"


def _copy(destination: Path) -> None:
    for name in ENTERPRISE_SIDE_SOURCES:
        source = REPO / name
        files = [source] if source.is_file() else source.rglob("*")
        for path in files:
            if path.is_file() and path.suffix in {".py", ".html", ".txt"}:
                if "__pycache__" in path.parts:
                    continue
                target = destination / path.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


@pytest.fixture(scope="module")
def enterprise_side_msgids(tmp_path_factory):
    """The (msgctxt, msgid, msgid_plural) keys of every string the enterprise side marks."""
    tools = [name for name in ("xgettext", "msgmerge", "msguniq") if _tool(name) is None]
    if tools:
        if os.environ.get("CI"):
            pytest.fail(f"GNU gettext is required in CI; not found: {', '.join(tools)}")
        pytest.skip(f"GNU gettext not installed ({', '.join(tools)}); set CI=1 to require it")
    tmp = tmp_path_factory.mktemp("portal-i18n")
    source = tmp / "src"
    source.mkdir()
    _copy(source)
    (source / "locale").mkdir()
    settings_dir = tmp / "settings"
    settings_dir.mkdir()
    (settings_dir / "portal_i18n_settings.py").write_text(
        "from roundtable.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(source / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal_i18n_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(REPO)]),
        "VAR_DIR": str(tmp / "var"),
        "SECRET_KEY": "translation-check-only",
    }
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "ja", "--no-location"],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    entries = [e for e in read_po(source / "locale" / "ja" / "LC_MESSAGES" / "django.po")]
    scanned = {_key(e): e for e in entries if e["msgid"]}
    for msgid in ENTERPRISE_SIDE_MSGIDS:
        scanned[(None, msgid, None)] = {"msgid": msgid, "line": 0, "flags": set()}
    return scanned


def test_the_extraction_finds_the_portal_strings(enterprise_side_msgids):
    msgids = {key[1] for key in enterprise_side_msgids}
    assert "Enterprise portal" in msgids
    assert "Your invitation to the enterprise portal of the roundtable" in msgids
    assert "Ledger" not in msgids  # a staff page's string


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_enterprise_side_string_is_translated(language, enterprise_side_msgids):
    catalog = {_key(e): e for e in read_po(_po(language))}
    problems = []
    for key, scanned in sorted(enterprise_side_msgids.items(), key=lambda item: item[0][1]):
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"missing (run make messages): {_show(scanned)}")
            continue
        msgstr = entry.get("msgstr", "")
        forms = msgstr if isinstance(msgstr, list) else [msgstr]
        if not forms or any(not form.strip() for form in forms):
            problems.append(f"untranslated: {_show(entry)}")
        elif "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {_show(entry)}")
        for flag, pattern in PLACEHOLDERS.items():
            if flag in entry["flags"]:
                expected = set(pattern.findall(entry["msgid"])) | set(
                    pattern.findall(entry.get("msgid_plural", ""))
                )
                if any(set(pattern.findall(form)) != expected for form in forms):
                    problems.append(f"placeholders differ: {_show(entry)}")
    assert not problems, f"locale/{language}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_declares_one_plural_form(language):
    header = next(e for e in read_po(_po(language)) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]


def test_django_serves_the_japanese_and_korean_catalogs():
    with translation.override("ja"):
        assert translation.gettext("Enterprise portal") == "企業ポータル"
    with translation.override("ko"):
        assert translation.gettext("Enterprise portal") == "기업 포털"

"""The Simplified Chinese catalog: complete, compiled, and covering every string in the code.

Civil servants read the portal in Chinese; an untranslated, fuzzy or forgotten string shows up
as English in the middle of a Chinese page. No database is needed here.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
LOCALE_DIR = REPO / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"

# What the documented command leaves out:
#   manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=bench --ignore=tests
NOT_SCANNED = {
    ".venv",
    "var",
    "bench",
    "tests",
    "locale",
    "static",
    "staticfiles",
    "media",
    "build",
}
SCANNED_SUFFIXES = {".py", ".html", ".txt"}  # what makemessages reads for the "django" domain

PLACEHOLDERS = {
    "python-format": re.compile(r"%\(\w+\)[sdif]"),
    "python-brace-format": re.compile(r"\{\w*\}"),
}


# --- a minimal .po reader -------------------------------------------------------------------


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), text)


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural (optional), msgstr (str, or a list for
    plurals), flags (set), line. Obsolete ``#~`` entries are left out."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None

    def finish():
        nonlocal entry, field
        if entry is not None and "msgid" in entry:
            entries.append(entry)
        entry, field = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:
                finish()
            entry = entry or {"flags": set(), "line": number}
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        entry = entry or {"flags": set(), "line": number}
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+"(.*)"$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword == "msgid":
                entry["line"] = number
            if index is None:
                entry[keyword] = value
                field = (keyword, None)
            else:
                entry.setdefault("msgstr", [])
                entry["msgstr"].append(value)
                field = ("msgstr", int(index))
            continue
        match = re.match(r'^"(.*)"$', line)
        assert match and field, f"{path.name}:{number}: cannot read {raw!r}"
        if field[1] is None:
            entry[field[0]] += _unquote(match.group(1))
        else:
            entry["msgstr"][field[1]] += _unquote(match.group(1))
    finish()
    return entries


def _key(entry: dict) -> tuple:
    return (entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))


def _show(entry: dict) -> str:
    text = entry["msgid"]
    if entry.get("msgctxt"):
        text = f"[{entry['msgctxt']}] {text}"
    return f"line {entry['line']}: {text!r}"


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _tool(name: str) -> str | None:
    return shutil.which(name)


# --- 1. complete -----------------------------------------------------------------------------


def test_catalog_has_no_untranslated_or_fuzzy_entries():
    entries = [e for e in read_po(PO) if e["msgid"] != ""]
    assert entries, f"{PO} has no messages"

    untranslated, fuzzy, plural_forms, placeholders = [], [], [], []
    for entry in entries:
        msgstr = entry.get("msgstr", "")
        forms = msgstr if isinstance(msgstr, list) else [msgstr]
        if not forms or any(not form.strip() for form in forms):
            untranslated.append(_show(entry))
        if "fuzzy" in entry["flags"]:
            fuzzy.append(_show(entry))
        if "msgid_plural" in entry and len(forms) != 1:
            plural_forms.append(_show(entry))  # Chinese has one form: msgstr[0] only
        for flag, pattern in PLACEHOLDERS.items():
            if flag not in entry["flags"]:
                continue
            expected = set(pattern.findall(entry["msgid"])) | set(
                pattern.findall(entry.get("msgid_plural", ""))
            )
            for form in forms:
                if form.strip() and set(pattern.findall(form)) != expected:
                    placeholders.append(f"{_show(entry)} → {form!r}")

    problems = []
    if untranslated:
        problems.append("untranslated:\n  " + "\n  ".join(untranslated))
    if fuzzy:
        problems.append("fuzzy (check, then remove the flag):\n  " + "\n  ".join(fuzzy))
    if plural_forms:
        problems.append(
            "plural entries need exactly one msgstr[0]:\n  " + "\n  ".join(plural_forms)
        )
    if placeholders:
        problems.append("placeholders differ from the msgid:\n  " + "\n  ".join(placeholders))
    assert not problems, f"{_rel(PO)}:\n" + "\n".join(problems)


def test_catalog_header_declares_one_plural_form():
    header = next(e for e in read_po(PO) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "the header is still flagged fuzzy"
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]


# --- 2. the compiled .mo is the .po ----------------------------------------------------------


def test_compiled_catalog_matches_the_po(tmp_path):
    msgfmt = _tool("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext's msgfmt is required in CI")
        pytest.skip("msgfmt not installed; the committed .mo is used; set CI=1 to require it")
    assert MO.exists(), f"{_rel(MO)} is missing: run manage.py compilemessages"
    fresh = tmp_path / "django.mo"
    # The flags compilemessages uses; --check-format also proves the placeholders are kept.
    result = subprocess.run(
        [msgfmt, "--check-format", "-o", str(fresh), str(PO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"msgfmt rejected {PO.name}:\n{result.stderr}"

    def catalog(path):
        with path.open("rb") as f:
            return dict(gettext.GNUTranslations(f)._catalog)

    committed, expected = catalog(MO), catalog(fresh)
    committed.pop("", None)  # the header: its dates may differ
    expected.pop("", None)
    missing = sorted(str(k) for k in expected.keys() - committed.keys())
    stale = sorted(str(k) for k in committed.keys() - expected.keys())
    changed = sorted(
        str(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k]
    )
    assert not (missing or stale or changed), (
        f"{_rel(MO)} is out of date: run "
        "`manage.py compilemessages -l zh_Hans --ignore=.venv`.\n"
        f"missing: {missing[:20]}\nno longer in the .po: {stale[:20]}\nchanged: {changed[:20]}"
    )


# --- 3. nothing in the code escaped the catalog ----------------------------------------------


def _copy_sources(destination: Path) -> None:
    """Copy what makemessages scans from the project root, minus what the documented command
    ignores; only the file types of the "django" domain."""
    for item in REPO.iterdir():
        if item.name.startswith(".") or item.name in NOT_SCANNED or item.name.endswith(".egg-info"):
            continue
        if item.is_file():
            if item.suffix in SCANNED_SUFFIXES:
                shutil.copy2(item, destination / item.name)
            continue
        for path in item.rglob("*"):
            if (
                path.is_file()
                and path.suffix in SCANNED_SUFFIXES
                and "__pycache__" not in path.parts
            ):
                target = destination / path.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def test_every_marked_string_is_in_the_catalog(tmp_path):
    tools = {name: _tool(name) for name in ("xgettext", "msgmerge", "msguniq")}
    absent = [name for name, found in tools.items() if found is None]
    if absent:
        if os.environ.get("CI"):
            pytest.fail(f"GNU gettext is required in CI; not found: {', '.join(absent)}")
        pytest.skip(f"GNU gettext not installed ({', '.join(absent)}); set CI=1 to require it")

    source = tmp_path / "src"
    source.mkdir()
    _copy_sources(source)
    copy_dir = source / "locale" / "zh_Hans" / "LC_MESSAGES"
    copy_dir.mkdir(parents=True)
    shutil.copy2(PO, copy_dir / "django.po")

    # The real settings, except that LOCALE_PATHS points at the copy: makemessages writes into
    # the first locale path, and the committed catalog must not be touched.
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "i18n_check_settings.py").write_text(
        "from roundtable.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(source / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "i18n_check_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(REPO)]),
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "translation-check-only",
    }
    # -P: the copied packages in the working directory must not shadow the real ones.
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    committed = {_key(e) for e in read_po(PO)}
    scanned = read_po(copy_dir / "django.po")
    missing = sorted(
        (_show(e) for e in scanned if _key(e) not in committed), key=lambda s: s.split(": ", 1)[1]
    )
    assert not missing, (
        f"{len(missing)} marked string(s) are not in {_rel(PO)}: run "
        "`manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=bench "
        "--ignore=tests --no-location`, translate them, then compilemessages.\n  "
        + "\n  ".join(m.split(": ", 1)[1] for m in missing)
    )


GETTEXT_CALL = re.compile(r"\{[^{}]*\b(_|gettext|gettext_lazy|pgettext|ngettext|npgettext)\(")


def test_no_gettext_call_inside_an_f_string():
    """xgettext does not look inside f-strings: ``f"{_('Status')}: …"`` is never extracted, so
    the string stays English in the Chinese portal however complete the catalog is."""
    import io
    import tokenize

    hidden = []
    for path in sorted(REPO.rglob("*.py")):
        relative = path.relative_to(REPO)
        if relative.parts[0] in NOT_SCANNED or relative.parts[0].startswith("."):
            continue
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.STRING:
                continue
            prefix = re.match(r"[A-Za-z]*", token.string).group(0).lower()
            if "f" in prefix and GETTEXT_CALL.search(token.string):
                hidden.append(f"{relative}:{token.start[0]}: {token.string[:80]}")
    assert not hidden, (
        "gettext calls inside f-strings are not extracted by makemessages; translate first, "
        "then format (e.g. `label = _('Status')` and `f'{label}: …'`):\n  " + "\n  ".join(hidden)
    )


# --- 4. the catalog is what Django serves ----------------------------------------------------


def test_django_serves_the_chinese_catalog():
    with translation.override("zh-hans"):
        assert translation.gettext("Ledger") == "台账"
        assert translation.gettext("Lead department") == "牵头单位"
        assert translation.gettext("Monitor of action") == "督办人"
        assert (
            translation.ngettext("%(counter)s issue", "%(counter)s issues", 3) % {"counter": 3}
            == "共3项"
        )
    with translation.override("en"):
        assert translation.gettext("Ledger") == "Ledger"


def test_model_labels_follow_the_language():
    from issues.models import Issue

    with translation.override("zh-hans"):
        assert str(Issue._meta.verbose_name) == "事项"
        assert str(Issue._meta.get_field("deadline").verbose_name) == "办理时限"
        assert str(Issue.Status.CLOSED.label) == "已销号"

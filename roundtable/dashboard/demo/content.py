"""The demo's content, read from ``content/*.toml``: departments, people, categories,
enterprises, issue templates, meetings and the texts written on timelines.

TOML rather than YAML: ``tomllib`` is in the standard library, so ``load_demo --force`` also
runs where only the production requirements are installed (PyYAML is a test dependency).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

from django.utils import timezone

from roundtable.lib.uscc import check_character

CONTENT = Path(__file__).resolve().parent / "content"


def _read(name: str) -> dict:
    with (CONTENT / f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


class DepartmentSpec(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    head_title: str
    head: tuple[str, str]  # username, full name
    liaison: tuple[str, str]


class Person(NamedTuple):
    username: str
    name: str
    title: str
    roles: list[str]
    language: str


@dataclass(frozen=True)
class Template:
    """An issue the demo raises: its category, lead department, co-handling candidates."""

    key: str
    category: str
    lead: str
    co: tuple[str, ...]
    title_zh: str
    title_en: str


_institution = _read("institution")
_enterprises = _read("enterprises")
_issues = _read("issues")
MEETINGS = _read("meetings")

ROUNDTABLE = _institution["roundtable"]
ROUNDTABLE_NAME_ZH = ROUNDTABLE["name_zh"]
LEADING_DEPARTMENT = ROUNDTABLE["leading_department"]
DEMO_LOGINS = tuple(ROUNDTABLE["logins"])
DEPARTMENTS = [
    DepartmentSpec(
        d["code"],
        d["name_zh"],
        d["name_en"],
        d["head_title"],
        tuple(d["head"]),
        tuple(d["liaison"]),
    )
    for d in _institution["departments"]
]
PEOPLE = [
    Person(p["username"], p["name"], p["title"], list(p["roles"]), p["language"])
    for p in _institution["people"]
]
CATEGORIES = [(c["code"], c["name_zh"], c["name_en"]) for c in _institution["categories"]]

ENTERPRISES = _enterprises["enterprises"]
ADDRESSES = _enterprises["addresses"]
FOREIGN_CONTACTS = _enterprises["foreign_contacts"]
LOCAL_CONTACTS = _enterprises["local_contacts"]
# Policy notices (issue 17): invented texts in up to four languages.
NOTICES = _read("notices")["notices"]
CONTACT_TITLES = _enterprises["contact_titles"]
ASSOCIATIONS = _enterprises["associations"]

TEMPLATES = [
    Template(t["key"], t["category"], t["lead"], tuple(t["co"]), t["title_zh"], t["title_en"])
    for t in _issues["templates"]
]
TEXTS = _issues["texts"]
STUDY = _issues["study"]
FOLLOW_UP = TEXTS["follow_up"]
PROGRESS = TEXTS["progress"]
RESOLUTIONS = TEXTS["resolutions"]
RETURN_REASONS = TEXTS["return_reasons"]
INSTRUCTIONS = TEXTS["instructions"]
SATISFACTION_ZH = TEXTS["satisfaction_zh"]
EXTENSION_ZH = TEXTS["extension_zh"]

DEMO_PASSWORD = "roundtable-demo"
SEED = 20230601


# --- Small helpers shared by the base set and the bulk loader ----------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime on ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_uscc(body9: str, *, region: str = "500103") -> str:
    """A valid unified social credit code: 91 (enterprise), the Yuzhong region code, a 9-char
    organisation code, and the computed check character."""
    first17 = "91" + region + body9
    return first17 + check_character(first17)


def say(out, text: str) -> None:
    if out is not None:
        out.write(text)

"""The lock files hold what pyproject.toml asks for, every package pinned and hashed, and the
production lock holds no test tool.

pyproject.toml keeps the direct dependencies, each pinned with ``==``; `make lock` writes
requirements/base.txt (production) and requirements/dev.txt (production plus the test tools)
with every transitive dependency and its hashes, and `make install` installs dev.txt with
``--require-hashes``. A pin changed in pyproject.toml without `make lock` fails here.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _direct(group: str | None) -> dict[str, Requirement]:
    project = PYPROJECT["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """package → (version, number of hashes) in requirements/<name>.txt."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = ENTRY.match(line)
        if match:
            current = canonicalize_name(match[1])
            entries[current] = (match[2], 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def test_every_direct_dependency_is_pinned_exactly():
    for group in (None, "dev"):
        for name, requirement in _direct(group).items():
            specs = list(requirement.specifier)
            assert len(specs) == 1 and specs[0].operator == "==", f"{name}: {requirement}"


def test_the_locks_hold_the_pinned_versions_with_hashes():
    for lock, groups in (("base.txt", [None]), ("dev.txt", [None, "dev"])):
        entries = _lock(lock)
        assert entries and all(hashes for _version, hashes in entries.values()), lock
        for group in groups:
            for name, requirement in _direct(group).items():
                pinned = next(iter(requirement.specifier)).version
                assert name in entries, f"{name} is missing from {lock}: run `make lock`"
                assert entries[name][0] == pinned, (
                    f"{name} {pinned} in pyproject, {entries[name][0]} in {lock}: run `make lock`"
                )


def test_the_production_lock_holds_no_test_tool():
    runtime = set(_lock("base.txt"))
    test_only = set(_direct("dev")) - set(_direct(None))
    assert not (test_only & runtime), test_only & runtime
    assert set(_lock("base.txt")) <= set(_lock("dev.txt"))

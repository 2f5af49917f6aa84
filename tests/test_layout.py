"""The code stays readable: no module over 600 lines, and the layering is checked.

The layering itself (README, "Code map") is enforced by ``lint-imports`` in ``make test``, with
the contracts in ``pyproject.toml``; these tests keep that wiring from quietly going away.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("roundtable", "issues", "departments")
MAX_LINES = 600


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path


def test_no_module_is_over_600_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules()}
    too_long = {n: s for n, s in sizes.items() if s > MAX_LINES}
    assert too_long == {}, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_make_test_checks_the_layering_and_the_complexity():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports" in recipe
    assert "ruff check" in recipe
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "C90" in config["tool"]["ruff"]["lint"]["select"]
    assert config["tool"]["ruff"]["lint"]["mccabe"]["max-complexity"] <= 15
    contracts = {c["type"] for c in config["tool"]["importlinter"]["contracts"]}
    assert {"layers", "acyclic_siblings"} <= contracts


def test_the_readme_code_map_names_the_same_layers_as_the_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Layers", 1)[1].split("\n#", 1)[0]
    for layer in layers["layers"]:
        for name in layer.replace("|", ":").split(":"):
            name = name.strip().strip("()")
            assert f"`{name}`" in section, f"README's layers do not name {name}"


def test_lint_imports_passes():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

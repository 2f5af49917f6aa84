"""The README's screenshots: every shot docs/screenshots.py takes is in the repository, is a
1366×900 PNG, and is shown in the README (so a new shot cannot be forgotten there)."""

import importlib.util
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_shot_is_a_png_of_the_viewport_and_in_the_readme():
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    files = script.shot_files()
    assert len(files) == len(script.SHOTS) * 2  # each in English and in Chinese
    for name in files:
        data = (ROOT / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (script.VIEWPORT["width"], script.VIEWPORT["height"]), name
        assert f"]({name})" in readme, f"README does not show {name}"


def test_no_stale_screenshot_is_left_in_the_folder():
    script = _script()
    present = {f"docs/screenshots/{p.name}" for p in (ROOT / "docs" / "screenshots").glob("*")}
    assert present == set(script.shot_files())

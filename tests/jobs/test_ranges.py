"""roundtable/lib/downloads.py: which bytes a Range header asks for (RFC 9110 §14)."""

import pytest

from roundtable.lib.downloads import Unsatisfiable, byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-1000", (0, 99)),  # more than the file: all of it
        ("bytes=90-1000", (90, 99)),  # the end is clipped
        ("bytes=99-99", (99, 99)),
        ("bytes=9-0", None),  # invalid: ignored, the whole file
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=-", None),
        ("bytes=a-b", None),
    ],
)
def test_byte_range(header, expected):
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_unsatisfiable_ranges(header, size):
    with pytest.raises(Unsatisfiable):
        byte_range(header, size)

"""Browser file formats: lenient JSON, Chrome ids and timestamps, ptree-style scalars."""

from __future__ import annotations

import pytest

from hostql.host.browsers import extension_identifier, loads_lenient, ptree_text, webkit_to_unix


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": "x//y", "b": [1,2]}',
        b'\xef\xbb\xbf{"a": "x//y", "b": [1,2]}',
        '{"a": "x//y", "b": [1,2]}'.encode("utf-16"),
        b'{\n // comment\n "a": "x//y", /* more */ "b": [1,2,],\n}',
    ],
)
def test_loads_lenient(data: bytes) -> None:
    assert loads_lenient(data) == {"a": "x//y", "b": [1, 2]}


def test_loads_lenient_still_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        loads_lenient(b"{not json")


def test_extension_identifier() -> None:
    # sha256(b"\x00") starts 6e340b9cffb37a98: hex digits become the letters a-p.
    assert extension_identifier("AA==") == "godealjmppldhkjijmkfeeogllhiakcm"
    assert extension_identifier("") == "" and extension_identifier("!!!") == ""


def test_webkit_to_unix() -> None:
    assert webkit_to_unix("13312345678901234") == 1667872078
    assert webkit_to_unix("1") == 0  # before 1970
    assert webkit_to_unix("") == 0 and webkit_to_unix("soon") == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [("s", "s"), (True, "true"), (False, "false"), (None, "null"), (3, "3"), (1.5, "1.5"),
     ({"a": 1}, ""), ([1], "")],
)  # fmt: skip
def test_ptree_text(value: object, text: str) -> None:
    assert ptree_text(value) == text

"""Python distribution metadata headers as importlib.metadata reads them."""

from __future__ import annotations

from hostql.host.python_dists import parse_metadata


def test_header_block_only() -> None:
    text = (
        "Metadata-Version: 2.1\r\nName: pkg\r\nVersion: 1.0\r\nSummary: a: b\r\n"
        "License: BSD\r\n        full text\r\nName: second\r\n\r\nAuthor: body text\r\n"
    )
    assert parse_metadata(text) == {"name": "pkg", "version": "1.0", "summary": "a: b",
                                    "license": "BSD"}  # fmt: skip


def test_empty_metadata() -> None:
    assert parse_metadata("") == {}

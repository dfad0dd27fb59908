"""package.json fields as osquery reads them: odd types, author and license forms."""

from __future__ import annotations

from hostql.host.npm_trees import package_fields


def test_package_fields() -> None:
    assert package_fields({"name": "x", "version": 1, "author": {"name": 5},
                           "license": {"type": "MIT"}, "homepage": None}) == {
        "name": "x", "version": "", "homepage": "", "author": "",
    }  # fmt: skip
    assert package_fields({"author": ["a"], "license": "ISC"}) == {"license": "ISC"}

"""yara_file: scans of fixture files with signature files, groups, rules and URLs."""

from __future__ import annotations

import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host.yara import COMPILED
from hostql.tables.yara import set_yara_config, yara_config
from hostql.tables.yara.signatures import url_allowed
from hostql.tables.yara.yara_file import yara_file
from hostql.testing import engine_for, run_table

pytest.importorskip("yara")

NO_DELAY = {"yara_delay": 0}
MARKER_RULE = 'rule marker : evil sample { strings: $m = "EVIL-MARKER" condition: $m }'
ALWAYS = "rule always_true { condition: true }"


@pytest.fixture(autouse=True)
def clean_config() -> Iterator[None]:
    COMPILED.clear()
    yield
    set_yara_config(None)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data/sub").mkdir(parents=True)
    (tmp_path / "data/bad.bin").write_bytes(b"\0\0 EVIL-MARKER here")
    (tmp_path / "data/good.txt").write_text("nothing to see\n")
    (tmp_path / "data/sub/deep.txt").write_text("xx EVIL-MARKER\n")
    (tmp_path / "etc/osquery/yara").mkdir(parents=True)
    (tmp_path / "etc/osquery/yara/marker.yar").write_text(MARKER_RULE)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules/always.yar").write_text(ALWAYS)
    return tmp_path


def test_sigfile_relative_to_the_yara_home(root: Path) -> None:
    rows = run_table(
        yara_file,
        "path IN ('/data/bad.bin', '/data/good.txt') AND sigfile = 'marker.yar'",
        root=root,
        flags=NO_DELAY,
        columns="path, matches, count, sig_group, sigfile, sigrule, sigurl, strings, tags",
    )
    assert rows == [
        {"path": "/data/bad.bin", "matches": "marker", "count": 1, "sig_group": "",
         "sigfile": "marker.yar", "sigrule": "", "sigurl": None, "strings": "$m:3",
         "tags": "evil,sample"},
        {"path": "/data/good.txt", "matches": "", "count": 0, "sig_group": "",
         "sigfile": "marker.yar", "sigrule": "", "sigurl": None, "strings": "", "tags": ""},
    ]  # fmt: skip


def test_like_patterns_scan_regular_files(root: Path) -> None:
    rows = run_table(
        yara_file,
        "path LIKE '/data/%%' AND sigfile = '/etc/osquery/yara/marker.yar'",
        root=root,
        flags=NO_DELAY,
        columns="path, count",
    )
    assert rows == [
        {"path": "/data/bad.bin", "count": 1},
        {"path": "/data/good.txt", "count": 0},
        {"path": "/data/sub/deep.txt", "count": 1},
    ]


def test_signature_groups_from_the_config(root: Path) -> None:
    set_yara_config(
        {"signatures": {"both": ["marker.yar", "/rules/always.yar"], "one": ["/rules/always.yar"]}}
    )
    assert "both" in yara_config()["signatures"]
    rows = run_table(
        yara_file,
        "path = '/data/bad.bin' AND sig_group IN ('both', 'one', 'unknown')",
        root=root,
        flags=NO_DELAY,
        columns="sig_group, matches, count",
    )
    assert rows == [
        {"sig_group": "both", "matches": "marker,always_true", "count": 2},
        {"sig_group": "one", "matches": "always_true", "count": 1},
    ]


def test_sigrule_strings_are_private_unless_enabled(root: Path) -> None:
    where = "path = '/data/bad.bin' AND sigrule = ?"
    hidden = run_table(
        yara_file, where, MARKER_RULE, root=root, flags=NO_DELAY, columns="strings, matches"
    )
    assert hidden == [{"strings": "", "matches": "marker"}]
    shown = run_table(
        yara_file,
        where,
        MARKER_RULE,
        root=root,
        flags={**NO_DELAY, "enable_yara_string": True},
        columns="strings, sigrule",
    )
    assert shown == [{"strings": "$m:3", "sigrule": MARKER_RULE}]


def test_compiled_files_are_cached_until_their_mtime_changes(root: Path) -> None:
    rule = root / "rules/switch.yar"
    rule.write_text(ALWAYS)
    where = "path = '/data/good.txt' AND sigfile = '/rules/switch.yar'"
    assert run_table(yara_file, where, root=root, flags=NO_DELAY, columns="count") == [{"count": 1}]
    assert len(COMPILED.entries) == 1
    rule.write_text("rule never { condition: false }")
    stamp = time.time() + 5
    os.utime(rule, (stamp, stamp))
    assert run_table(yara_file, where, root=root, flags=NO_DELAY, columns="count") == [{"count": 0}]
    assert len(COMPILED.entries) == 2


def test_bad_signatures_warn_and_missing_files_give_no_rows(root: Path) -> None:
    (root / "rules/broken.yar").write_text("rule broken { condition: }")
    engine = engine_for(yara_file, root=root, flags=NO_DELAY)
    try:
        sql = (
            "SELECT * FROM yara_file WHERE path IN ('/data/bad.bin', '/missing') "
            "AND sigfile IN ('/rules/broken.yar', '/rules/none.yar', '/rules/always.yar')"
        )
        rows = engine.query(sql)
        warnings = engine.take_warnings()
    finally:
        engine.close()
    assert [(r["path"], r["sigfile"]) for r in rows] == [("/data/bad.bin", "/rules/always.yar")]
    assert sum("YARA compile error" in w for w in warnings) == 2


def test_no_signature_means_no_scan(root: Path) -> None:
    assert run_table(yara_file, "path = '/data/bad.bin'", root=root, flags=NO_DELAY) == []


class _RuleServer(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = MARKER_RULE.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_sigurl_only_from_allowed_urls(root: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RuleServer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        set_yara_config({"signature_urls": [f"{base}/rules/.*"]})
        rows = run_table(
            yara_file,
            "path = '/data/bad.bin' AND sigurl IN (?, ?)",
            f"{base}/rules/marker.yar",
            f"{base}/private/marker.yar",
            root=root,
            flags=NO_DELAY,
            columns="sigurl, matches, strings",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert rows == [{"sigurl": f"{base}/rules/marker.yar", "matches": "marker", "strings": ""}]
    assert _RuleServer.hits == ["/rules/marker.yar"]


def test_url_allow_list_rule() -> None:
    allowed = ["https://rules.example/yara/.*\\.yar"]
    assert url_allowed("https://rules.example/yara/a.yar", allowed)
    assert not url_allowed("http://rules.example/yara/a.yar", allowed)
    assert not url_allowed("https://other.example/yara/a.yar", allowed)
    assert not url_allowed("https://rules.example/yara/a.yara", allowed)
    assert not url_allowed("https://rules.example/yara/a.yar", ["https://rules.example/(["])


def test_pid_with_namespace_scans_inside_that_root(root: Path) -> None:
    (root / "proc/77/root/data").mkdir(parents=True)
    (root / "proc/77/root/data/bad.bin").write_text("EVIL-MARKER")
    rows = run_table(
        yara_file,
        "path = '/data/bad.bin' AND pid_with_namespace = 77 AND sigrule = ?",
        MARKER_RULE,
        root=root,
        flags=NO_DELAY,
        columns="path, count, pid_with_namespace",
    )
    assert rows == [{"path": "/data/bad.bin", "count": 1, "pid_with_namespace": 77}]


def test_yara_delay_sleeps_after_each_scan(root: Path) -> None:
    start = time.monotonic()
    rows = run_table(
        yara_file,
        "path IN ('/data/bad.bin', '/data/good.txt') AND sigrule = ?",
        ALWAYS,
        root=root,
        flags={"yara_delay": 100},
    )
    assert len(rows) == 2
    assert time.monotonic() - start >= 0.2

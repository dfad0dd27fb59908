"""The config's yara section, and a query's signature constraints turned into compiled rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from hostql.host.http_client import HttpError
from hostql.host.yara import YaraError

if TYPE_CHECKING:
    from hostql.host.yara import Match, Rules
    from hostql.schema import Row
    from hostql.sql.context import QueryContext

# The config's "yara" section: {"signatures": {group: [files]}, "signature_urls": [regexes]}.
_CONFIG: dict[str, Any] = {}
# osquery's YaraRuleType order: a query's signatures are scanned group, file, rule, url.
KINDS = ("sig_group", "sigfile", "sigrule", "sigurl")
FETCH_TIMEOUT = 16.0


def set_yara_config(section: Mapping[str, Any] | None) -> None:
    """Install the config's yara section (None or {}: no signature groups, no URLs)."""
    global _CONFIG
    _CONFIG = {} if section is None else dict(section)


def yara_config() -> dict[str, Any]:
    """The current yara section."""
    return _CONFIG


class Signature(NamedTuple):
    """Compiled rules and the constraint they came from."""

    kind: str
    text: str
    rules: Rules
    # Rules passed as text hide their strings unless --enable_yara_string.
    private_strings: bool


def signatures(ctx: QueryContext) -> list[Signature]:
    """The query's sig_group / sigfile / sigrule / sigurl values, compiled (failures warned)."""
    scanner = ctx.host.yara
    show_strings = bool(ctx.flags["enable_yara_string"])
    found: list[Signature] = []
    for kind in KINDS:
        for text in sorted(str(v) for v in ctx.equals(kind) or ()):
            try:
                if kind == "sig_group":
                    files = _group_files(text)
                    if files is None:
                        continue
                    rules = scanner.compile_files(files)
                elif kind == "sigfile":
                    rules = scanner.compile_files([text])
                elif kind == "sigrule":
                    rules = scanner.compile_source(text)
                else:
                    source = _fetch(ctx, text)
                    if source is None:
                        continue
                    rules = scanner.compile_source(source)
            except YaraError as exc:
                ctx.warn(f"YARA compile error: {exc}")
                continue
            private = kind in ("sigrule", "sigurl") and not show_strings
            found.append(Signature(kind, text, rules, private))
    return found


def _group_files(group: str) -> list[str] | None:
    groups = _CONFIG.get("signatures")
    files = groups.get(group) if isinstance(groups, dict) else None
    if not isinstance(files, list):
        return None
    return [f for f in files if isinstance(f, str)] or None


def url_allowed(url: str, allowed: list[str]) -> bool:
    """osquery's rule: same scheme and host as an allowed URL whose path, as a regex, matches."""
    tested = urlsplit(url)
    for entry in allowed:
        pattern = urlsplit(entry)
        if (pattern.scheme, pattern.netloc) != (tested.scheme, tested.netloc):
            continue
        try:
            if re.fullmatch(pattern.path, tested.path):
                return True
        except re.error:
            continue
    return False


def _fetch(ctx: QueryContext, url: str) -> str | None:
    """The rules text at an allowed URL, or None (not allowed, failed, or not a 200)."""
    allowed = _CONFIG.get("signature_urls")
    allowed = [a for a in allowed if isinstance(a, str)] if isinstance(allowed, list) else []
    if not url_allowed(url, allowed):
        ctx.warn(f"YARA signature url {url} not allowed")
        return None
    web = ctx.host.http_client
    try:
        context = web.tls_context(str(ctx.flags["tls_server_certs"]))
        response = web.request(url, timeout=FETCH_TIMEOUT, context=context)
    except HttpError as exc:
        ctx.warn(f"Failed to get YARA rule url: {url}: {exc}")
        return None
    if response.status != 200 or not response.body:
        ctx.warn(f"Failed to get YARA rule url: {url}")
        return None
    return response.body.decode("utf-8", "replace")


def match_columns(signature: Signature, matches: list[Match]) -> Row:
    """matches / count / strings / tags and the signature columns of one scan, as osquery."""
    strings = (
        ""
        if signature.private_strings
        else ",".join(
            f"{identifier}:{offset:x}" for match in matches for identifier, offset in match.strings
        )
    )
    row: Row = {
        "matches": ",".join(m.rule for m in matches),
        "count": len(matches),
        "strings": strings,
        "tags": ",".join(tag for m in matches for tag in m.tags),
        "sig_group": "",
        "sigfile": "",
        "sigrule": "",
    }
    row[signature.kind] = signature.text
    return row

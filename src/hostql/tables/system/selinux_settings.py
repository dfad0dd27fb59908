"""selinux_settings: the active SELinux settings, read from selinuxfs."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.lsm import Lsm
from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

ROOT_KEYS = ("checkreqprot", "deny_unknown", "enforce", "mls", "policyvers", "reject_unknown")
SCOPES = ("booleans", "policy_capabilities", "initial_contexts")
_BOOLEANS = {"0 0": "off", "1 1": "on"}


def _scope_rows(ctx: QueryContext, lsm: Lsm, mount: str, scope: str) -> Iterator[Row]:
    for relative in lsm.selinux_files(mount, scope):
        key = relative.rsplit("/", 1)[-1]
        try:
            value = lsm.selinux_read(mount, f"{scope}/{relative}")
        except OSError as exc:
            ctx.warn(f"selinux_settings: cannot read {scope}/{relative}: {exc.strerror}")
            continue
        if scope == "booleans":
            # "current pending": a boolean with a change pending is skipped, as in osquery.
            if value not in _BOOLEANS:
                ctx.warn(f"selinux_settings: unexpected value of boolean {key}: {value!r}")
                continue
            value = _BOOLEANS[value]
        yield {"scope": scope, "key": key, "value": value}


@table(
    "selinux_settings",
    "Track active SELinux settings.",
    platforms=(LINUX,),
    examples=("SELECT * FROM selinux_settings WHERE key = 'enforce'",),
    notes="Reads the selinuxfs mount found in /proc/mounts; empty where SELinux is not in "
    "use. Root keys (scope '') come first, then booleans (on/off), policy capabilities, "
    "initial contexts, and one `class` row per permission (key '<class>/perms').",
    columns=[
        Column("scope", TEXT, "Where the key is located inside the SELinuxFS mount point."),
        Column("key", TEXT, "Key or class name."),
        Column("value", TEXT, "Active value."),
    ],
)
def selinux_settings(ctx: QueryContext) -> Iterator[Row]:
    """Root keys, the booleans/capabilities/contexts scopes, then the class permissions."""
    lsm: Lsm = ctx.host.lsm
    mount = lsm.selinuxfs()
    if mount is None:
        return
    for key in ROOT_KEYS:
        row: Row = {"scope": "", "key": key}
        try:
            row["value"] = lsm.selinux_read(mount, key)
        except OSError as exc:
            ctx.warn(f"selinux_settings: cannot read {key}: {exc.strerror}")
        yield row  # osquery keeps the row, value NULL, when the key cannot be read
    for scope in SCOPES:
        yield from _scope_rows(ctx, lsm, mount, scope)
    for relative in lsm.selinux_files(mount, "class"):
        key, _, value = relative.rpartition("/")
        if key and value != "index":
            yield {"scope": "class", "key": key, "value": value}

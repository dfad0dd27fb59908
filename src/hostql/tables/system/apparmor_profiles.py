"""apparmor_profiles: the AppArmor profiles loaded in the kernel."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "apparmor_profiles",
    "Track active AppArmor profiles.",
    platforms=(LINUX,),
    examples=("SELECT * FROM apparmor_profiles WHERE mode = 'complain'",),
    notes="Reads /sys/kernel/security/apparmor/policy/profiles (root only); empty where "
    "AppArmor is not in use. A subprofile's path is '<parent name>//<name>'. The kernel "
    "exposes sha1 or sha256 depending on its version; the other is NULL.",
    columns=[
        Column("path", TEXT, "Unique, aa-status compatible, policy identifier.", index=True),
        Column("name", TEXT, "Policy name."),
        Column("attach", TEXT, "Which executable(s) a profile will attach to."),
        Column("mode", TEXT, "How the policy is applied."),
        Column("sha1", TEXT, "A unique hash that identifies this policy.", collate="NOCASE"),
        Column("sha256", TEXT, "A unique hash that identifies this policy.", collate="NOCASE"),
    ],
)
def apparmor_profiles(ctx: QueryContext) -> Iterator[Row]:
    """One row per profile and subprofile."""
    for profile in ctx.host.lsm.apparmor_profiles():
        yield profile._asdict()

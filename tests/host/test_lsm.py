"""hostql.host.lsm: selinuxfs discovery and AppArmor profile walking under a fixture root."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host
from hostql.host.lsm import AppArmorProfile, Lsm, unescape_mount_path

PROFILES = "sys/kernel/security/apparmor/policy/profiles"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def profile(root: Path, directory: str, name: str, **extra: str) -> None:
    write(root, f"{directory}/attach", f"{name}\n")
    write(root, f"{directory}/mode", "enforce\n")
    write(root, f"{directory}/name", f"{name}\n")
    for file, text in extra.items():
        write(root, f"{directory}/{file}", text)


def test_unescape_mount_path() -> None:
    assert unescape_mount_path("/mnt/with\\040space\\011tab") == "/mnt/with space\ttab"
    assert unescape_mount_path("/plain\\9") == "/plain\\9"


def test_selinuxfs_is_found_in_proc_mounts(tmp_path: Path) -> None:
    lsm = Lsm(Host(tmp_path))
    assert lsm.selinuxfs() is None
    write(
        tmp_path,
        "proc/mounts",
        "proc /proc proc rw 0 0\nselinuxfs /sys/fs/selinux selinuxfs rw 0 0\n",
    )
    assert lsm.selinuxfs() == "/sys/fs/selinux"
    write(tmp_path, "sys/fs/selinux/class/file/perms/read", "1")
    write(tmp_path, "sys/fs/selinux/class/file/index", "7")
    write(tmp_path, "sys/fs/selinux/initial_contexts/kernel", "system_u:system_r:kernel_t:s0\0")
    assert lsm.selinux_files("/sys/fs/selinux", "class") == ["file/index", "file/perms/read"]
    assert lsm.selinux_files("/sys/fs/selinux", "missing") == []
    assert lsm.selinux_read("/sys/fs/selinux", "initial_contexts/kernel") == (
        "system_u:system_r:kernel_t:s0"
    )


def test_apparmor_profiles_depth_first_last_first(tmp_path: Path) -> None:
    profile(tmp_path, f"{PROFILES}/a.1", "/usr/bin/a", sha1="AB12\n")
    profile(tmp_path, f"{PROFILES}/b.2", "b", sha256="cd34\n")
    profile(tmp_path, f"{PROFILES}/b.2/profiles/c.3", "c")
    write(tmp_path, f"{PROFILES}/broken.4/mode", "complain\n")  # no name: skipped
    assert list(Lsm(Host(tmp_path)).apparmor_profiles()) == [
        AppArmorProfile("b", "b", "b", "enforce", None, "cd34"),
        AppArmorProfile("b//c", "c", "c", "enforce", None, None),
        AppArmorProfile("/usr/bin/a", "/usr/bin/a", "/usr/bin/a", "enforce", "AB12", None),
    ]


def test_no_apparmor_no_profiles(tmp_path: Path) -> None:
    assert list(Lsm(Host(tmp_path)).apparmor_profiles()) == []

"""user_ssh_keys: private keys among ~/.ssh files; live check with ssh-keygen-made keys."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hostql.tables.system.user_ssh_keys import user_ssh_keys
from hostql.testing import run_table

ME = os.getuid()


def _home(root: Path, uid: int, name: str) -> Path:
    passwd = root / "etc" / "passwd"
    passwd.parent.mkdir(exist_ok=True)
    with passwd.open("a") as handle:
        handle.write(f"{name}:x:{uid}:{uid}::/home/{name}:/bin/sh\n")
    ssh = root / "home" / name / ".ssh"
    ssh.mkdir(parents=True)
    return ssh


@pytest.fixture
def root(tmp_path: Path) -> Path:
    ssh = _home(tmp_path, 8001, "kim")
    key = rsa.generate_private_key(65537, 3072)
    (ssh / "id_rsa").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    (ssh / "id_ecdsa").write_bytes(
        ec.generate_private_key(ec.SECP521R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    (ssh / "id_rsa.pub").write_text("ssh-rsa AAAA kim\n")
    (ssh / "known_hosts").write_text("host ssh-rsa AAAA\n")
    (ssh / ".hidden_key").write_bytes((ssh / "id_rsa").read_bytes())
    (ssh / "broken").write_text(
        "-----BEGIN RSA PRIVATE KEY-----\n!!\n-----END RSA PRIVATE KEY-----\n"
    )
    (ssh / "subdir").mkdir()
    _home(tmp_path, ME if ME != 8001 else 8002, "me")
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(user_ssh_keys, "uid = 8001", root=root) == [
        {"uid": 8001, "path": "/home/kim/.ssh/id_ecdsa", "encrypted": 1, "key_type": "",
         "key_group_name": "", "key_length": -1, "key_security_bits": -1},
        {"uid": 8001, "path": "/home/kim/.ssh/id_rsa", "encrypted": 0, "key_type": "rsa",
         "key_group_name": "", "key_length": 3072, "key_security_bits": 128},
    ]  # fmt: skip


def test_path_and_default_user(root: Path) -> None:
    rows = run_table(
        user_ssh_keys,
        "uid = 8001 AND path = '/home/kim/.ssh/id_rsa'",
        root=root,
        columns="key_type",
    )
    assert rows == [{"key_type": "rsa"}]
    assert run_table(user_ssh_keys, root=root) == []  # the current user has no keys


def test_read_max_skips_large_files(root: Path) -> None:
    rows = run_table(user_ssh_keys, "uid = 8001", root=root, flags={"read_max": 100})
    assert rows == []


@pytest.mark.live
def test_live_keys_from_ssh_keygen(tmp_path: Path) -> None:
    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen missing")
    ssh = _home(tmp_path, 8003, "gen")
    made = {
        "rsa_pem": ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""],
        "ecdsa_pem": ["-t", "ecdsa", "-b", "384", "-m", "PEM", "-N", ""],
        "rsa_locked": ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "secret"],
        "ed25519": ["-t", "ed25519", "-N", ""],
        "ed25519_locked": ["-t", "ed25519", "-N", "secret"],
    }
    for name, args in made.items():
        subprocess.run(["ssh-keygen", "-q", *args, "-f", str(ssh / name)], check=True)
    rows = {Path(r["path"]).name: r for r in run_table(user_ssh_keys, "uid = 8003", root=tmp_path)}
    assert set(rows) == set(made)
    for name, row in rows.items():
        opened = subprocess.run(
            ["ssh-keygen", "-y", "-P", "", "-f", str(ssh / name)], capture_output=True
        )
        assert row["encrypted"] == (1 if opened.returncode else 0), name
        bits = int(
            subprocess.run(
                ["ssh-keygen", "-l", "-f", str(ssh / f"{name}.pub")], capture_output=True, text=True
            ).stdout.split()[0]
        )
        if row["key_type"] in ("rsa", "ec"):
            assert row["key_length"] == bits, name
    assert rows["ecdsa_pem"]["key_group_name"] == "secp384r1"
    assert rows["ed25519"]["key_type"] == ""

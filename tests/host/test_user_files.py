"""user_files: authorized_keys lines, osquery's history block reader, private key facts."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from hostql.host import Host
from hostql.host.user_files import (
    HISTORY_BLOCK,
    Home,
    authorized_key,
    history_entries,
    private_key_facts,
    security_bits,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "ssh-rsa AAAAB3 user@host",
            {"algorithm": "ssh-rsa", "key": "AAAAB3", "comment": "user@host"},
        ),
        ("ssh-ed25519\tAAAAC3", {"algorithm": "ssh-ed25519", "key": "AAAAC3"}),
        (
            'from="10.0.0.1",no-pty  ecdsa-sha2-nistp256 AAAAE2 a b',
            {
                "algorithm": "ecdsa-sha2-nistp256",
                "key": "AAAAE2",
                "comment": "a b",
                "options": 'from="10.0.0.1",no-pty',
            },
        ),
        ("ssh-rsa", None),  # the type must be followed by a blank
        ("ssh-dss AAAAB3 old", None),  # not a type osquery knows
        ('zos-key-ring-label="KEYRING",no-pty', {"options": 'zos-key-ring-label="KEYRING",no-pty'}),
        ("ssh-rsa-cert-v01@openssh.com AAAA", None),
    ],
)
def test_authorized_key(line: str, expected: dict[str, str] | None) -> None:
    assert authorized_key(line) == expected


def _entries(data: bytes) -> list[tuple[int | None, str]]:
    blocks = [data[i : i + HISTORY_BLOCK] for i in range(0, len(data), HISTORY_BLOCK)]
    return list(history_entries(blocks))


def test_history_formats() -> None:
    data = (
        b"ls -la\n#1700000000\ncd /tmp\n#1700000001\n#1700000002\n"
        b": 1700000003:0;echo zsh\n:   1700000004:12;multi word\n: bad:0;x\n"
        b"#99999999999999999999\ntoo big\n"
    )
    assert _entries(data) == [
        (0, "ls -la"),
        (1700000000, "cd /tmp"),
        (1700000001, "#1700000002"),  # a second stamp is the command of the first
        (1700000003, "echo zsh"),
        (1700000004, "multi word"),
        (0, ": bad:0;x"),
        (None, "too big"),
    ]


def test_history_keeps_osquery_block_quirks() -> None:
    # One byte after the last newline: osquery keeps the buffer and parses it again whole.
    assert _entries(b"ls\nX") == [(0, "ls"), (0, "ls\nX")]
    assert _entries(b"ls\nXY") == [(0, "ls"), (0, "XY")]
    # A block boundary that leaves one byte repeats the earlier lines of the block.
    first = b"a" * (HISTORY_BLOCK - 2) + b"\nb"
    entries = _entries(first + b"c\nd\n")
    assert entries == [(0, "a" * (HISTORY_BLOCK - 2)), (0, "a" * (HISTORY_BLOCK - 2)),
                       (0, "bc"), (0, "d")]  # fmt: skip


def test_history_zsh_stops_at_carriage_return() -> None:
    assert _entries(b": 1:0;cmd\r\n") == [(0, ": 1:0;cmd\r")]


def _pem(key: object, password: bytes | None = None, pkcs8: bool = False) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    fmt = (
        serialization.PrivateFormat.PKCS8
        if pkcs8
        else (serialization.PrivateFormat.TraditionalOpenSSL)
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)  # type: ignore[attr-defined]


def test_private_key_facts() -> None:
    rsa_key = rsa.generate_private_key(65537, 2048)
    assert private_key_facts(_pem(rsa_key)) == {
        "encrypted": 0, "key_type": "rsa", "key_group_name": "", "key_length": 2048,
        "key_security_bits": 112,
    }  # fmt: skip
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert private_key_facts(b"junk\n" + _pem(ec_key, pkcs8=True)) == {
        "encrypted": 0, "key_type": "ec", "key_group_name": "prime256v1", "key_length": 256,
        "key_security_bits": 128,
    }  # fmt: skip
    p384 = private_key_facts(_pem(ec.generate_private_key(ec.SECP384R1())))
    assert (p384["key_group_name"], p384["key_security_bits"]) == ("secp384r1", 192)  # type: ignore[index]
    dsa_key = dsa.generate_private_key(1024)
    assert private_key_facts(_pem(dsa_key))["key_security_bits"] == 80  # type: ignore[index]
    ed = private_key_facts(_pem(ed25519.Ed25519PrivateKey.generate(), pkcs8=True))
    assert ed == {"encrypted": 0, "key_type": "", "key_group_name": "", "key_length": 253,
                  "key_security_bits": 128}  # fmt: skip
    locked = {"encrypted": 1, "key_type": "", "key_group_name": "", "key_length": -1,
              "key_security_bits": -1}  # fmt: skip
    assert private_key_facts(_pem(rsa_key, b"secret")) == locked
    assert private_key_facts(_pem(rsa_key, b"secret", pkcs8=True)) == locked


def test_openssh_keys_and_non_keys() -> None:
    key = ed25519.Ed25519PrivateKey.generate()

    # Only the start of the base64 body is checked: the cipher name, "none" when unencrypted.
    def openssh(cipher: bytes) -> bytes:
        blob = b"openssh-key-v1\0" + len(cipher).to_bytes(4, "big") + cipher + b"\0" * 40
        text = base64.b64encode(blob).decode()
        armour = "OPENSSH PRIVATE KEY-----\n"
        return f"-----BEGIN {armour}{text}\n-----END {armour}".encode()

    plain, locked = openssh(b"none"), openssh(b"aes256-ctr")
    assert private_key_facts(plain) == {
        "encrypted": 0,
        "key_type": "",
        "key_group_name": "",
        "key_length": -1,
        "key_security_bits": -1,
    }
    assert private_key_facts(locked)["encrypted"] == 1  # type: ignore[index]
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert private_key_facts(public) is None
    assert (
        private_key_facts(
            b"-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n"
        )
        is None
    )


def test_security_bits() -> None:
    assert [security_bits(n) for n in (512, 1024, 2048, 3072, 7680, 15360)] == [
        0, 80, 112, 128, 192, 256,
    ]  # fmt: skip
    assert security_bits(2048, 224) == 112
    assert security_bits(2048, 140) == 0


def test_homes_follow_usersfromcontext(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root2/:/bin/sh\n"
        "alice:x:1000:1000::/home/alice:/bin/sh\nnohome:x:1001:1001:::/bin/sh\n"
    )
    reader = Host(tmp_path).user_files
    assert reader.homes({0, "1000", 1001, 4242, "x"}) == [
        Home(0, "/root"),
        Home(0, "/root2/"),
        Home(1000, "/home/alice"),
    ]
    assert Home(0, "/root2/").join(".ssh/config") == "/root2/.ssh/config"

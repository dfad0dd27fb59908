"""Per-user files: ssh keys, known hosts, ssh configs, private keys and shell histories."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hostql.host.accounts import User, as_id
from hostql.host.etc_files import listed_files, split_fields

if TYPE_CHECKING:
    from hostql.host import Host

AUTHORIZED_KEYS = (".ssh/authorized_keys", ".ssh/authorized_keys2")
KNOWN_HOSTS = ".ssh/known_hosts"
USER_SSH_CONFIG = ".ssh/config"
SYSTEM_SSH_CONFIG = "/etc/ssh/ssh_config"
SSH_DIR = ".ssh"
HISTORY_FILES = (".bash_history", ".zsh_history", ".zhistory", ".history", ".sh_history")
# osquery reads history files in blocks of this size; its line splitting depends on it.
HISTORY_BLOCK = 4096
# osquery's kSSHKeyTypes, in the order it tries them.
SSH_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)
_KEY_SPACE = "\t "
_ZOS_LABEL = "zos-key-ring-label="
_BASH_TIME = re.compile(rb"\A#([0-9]+)\Z")
# std::regex ECMAScript: '.' stops at \n and \r, '$' is the end of the input.
_ZSH_LINE = re.compile(rb"\A: {0,10}([0-9]{1,11}):[0-9]+;([^\n\r]*)\Z")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_INT64_MAX = (1 << 63) - 1
_PEM_BLOCK = re.compile(rb"-----BEGIN ([^\r\n-]*)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Home:
    """One user whose home osquery reads: the uid it reports and the home directory."""

    uid: int
    directory: str

    def join(self, relative: str) -> str:
        """The host path of a file under this home, joined as boost::filesystem does."""
        sep = "" if self.directory.endswith("/") else "/"
        return f"{self.directory}{sep}{relative}"


class UserFiles:
    """Reader of files in users' home directories."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def homes(self, uid_values: Iterable[Any] | None) -> list[Home]:
        """osquery's usersFromContext: users with the constrained uids, else the current user."""
        accounts = self.host.accounts
        try:
            local = accounts.users()
        except (FileNotFoundError, PermissionError):
            local = []
        if uid_values is None:
            wanted = [os.getuid()]
        else:
            wanted = sorted({u for u in map(as_id, uid_values) if u is not None})
        found: list[User] = []
        for uid in wanted:
            matches = [u for u in local if u.uid == uid]
            if not matches and uid_values is not None:
                # osquery retries a uid with include_remote = 1 (NSS) when passwd lacks it.
                remote = accounts.nss_user(uid)
                matches = [remote] if remote is not None else []
            found.extend(matches)
        return [Home(u.uid, u.directory) for u in found if u.directory]

    def read(self, path: str) -> bytes:
        """The bytes of a host file."""
        return self.host.path(path).read_bytes()

    def authorized_keys(self, home: Home) -> Iterator[dict[str, Any]]:
        """Rows of ~/.ssh/authorized_keys and authorized_keys2 as osquery parses them."""
        for relative in AUTHORIZED_KEYS:
            path = home.join(relative)
            if not os.path.exists(self.host.path(path)):
                continue
            try:
                text = self.read(path).decode("utf-8", "replace")
            except OSError:
                return  # osquery stops at the first unreadable file of a user
            for line in split_fields(text, "\n"):
                if not line or line[0] == "#":
                    continue
                row = authorized_key(line)
                if row is not None:
                    yield {**row, "uid": home.uid, "key_file": path, "pid_with_namespace": 0}

    def known_hosts(self, home: Home) -> Iterator[dict[str, Any]]:
        """Rows of ~/.ssh/known_hosts: one per non-comment line."""
        path = home.join(KNOWN_HOSTS)
        try:
            text = self.read(path).decode("utf-8", "replace")
        except OSError:
            return
        for line in split_fields(text, "\n"):
            if line and line[0] != "#":
                yield {"uid": home.uid, "key": line, "key_file": path}

    def ssh_config(self, uid: int, path: str) -> Iterator[dict[str, Any]]:
        """Rows of one ssh_config: each option (lower-cased) with its Host/Match block."""
        try:
            text = self.read(path).decode("utf-8", "replace")
        except OSError:
            return
        block = ""
        for line in split_fields(text, "\n"):
            # std::tolower in the C locale: ASCII letters only.
            line = line.translate(_ASCII_LOWER)
            if not line or line[0] == "#":
                continue
            if line.startswith(("host ", "match ")):
                block = line
            else:
                yield {"uid": uid, "block": block, "option": line, "ssh_config_file": path}

    def private_keys(
        self, home: Home, read_max: int, paths: set[Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Rows for the private keys among the files of ~/.ssh (only paths, if given)."""
        for path in listed_files(self.host, home.join(SSH_DIR)):
            if paths is not None and path not in paths:
                continue
            real = self.host.path(path)
            try:
                if real.stat().st_size > read_max:
                    continue
                data = real.read_bytes()
            except OSError:
                continue
            facts = private_key_facts(data)
            if facts is not None:
                yield {"uid": home.uid, "path": path, **facts, "pid_with_namespace": 0}

    def history_files(self, home: Home) -> list[str]:
        """The history files osquery tries for a user, in its order (existing or not)."""
        files = [home.join(name) for name in HISTORY_FILES]
        sessions = home.join(".bash_sessions")
        if os.path.exists(self.host.path(sessions)):
            for path in listed_files(self.host, sessions):
                if path.endswith(".history"):
                    files.append(path)
        return files

    def history(self, home: Home, path: str, read_max: int) -> Iterator[dict[str, Any]]:
        """Rows of one shell history file (bash #timestamps, zsh extended lines, plain lines)."""
        real = self.host.path(path)
        try:
            if real.stat().st_size > read_max:
                return
            handle = real.open("rb")
        except OSError:
            return
        with handle:
            for time, command in history_entries(iter(lambda: handle.read(HISTORY_BLOCK), b"")):
                yield {"uid": home.uid, "time": time, "command": command, "history_file": path}


def authorized_key(line: str) -> dict[str, Any] | None:
    """An authorized_keys line as osquery splits it (options, algorithm, key, comment)."""
    for key_type in SSH_KEY_TYPES:
        start = line.find(key_type)
        if start == -1:
            continue
        end = start + len(key_type)
        if end >= len(line) or line[end] not in _KEY_SPACE:
            continue
        row: dict[str, Any] = {"algorithm": key_type}
        if start > 0:
            row["options"] = line[:start].rstrip(_KEY_SPACE)
        key_start = _first_not_of(line, end)
        if key_start == -1:
            return None
        key_end = _first_of(line, key_start)
        if key_end != -1:
            comment_start = _first_not_of(line, key_end)
            row["comment"] = line[comment_start:] if comment_start != -1 else ""
            row["key"] = line[key_start:key_end]
        else:
            row["key"] = line[key_start:]
        return row
    if any(option.startswith(_ZOS_LABEL) for option in split_fields(line, ",")):
        return {"options": line}
    return None


def history_entries(blocks: Iterable[bytes]) -> Iterator[tuple[int | None, str]]:
    """(time, command) pairs of a history file, split exactly as osquery's block reader does."""
    content = b""
    pending: bytes | None = None
    for block in blocks:
        content += block
        last = 0
        newline = content.find(b"\n")
        while newline != -1:
            entry = _history_line(content[last:newline], pending)
            if isinstance(entry, bytes):
                pending = entry
            else:
                pending = None
                yield entry
            last = newline + 1
            newline = content.find(b"\n", last)
        # osquery keeps the whole buffer when exactly one byte follows the last newline, so
        # those lines are read again with the next block.
        if last != len(content) - 1:
            content = content[last:]
    if content:
        entry = _history_line(content, pending)
        if not isinstance(entry, bytes):
            yield entry


def _history_line(line: bytes, pending: bytes | None) -> bytes | tuple[int | None, str]:
    """A bash timestamp to remember (bytes), or the (time, command) of a command line."""
    if pending is None:
        stamp = _BASH_TIME.match(line)
        if stamp:
            return stamp.group(1)
        zsh = _ZSH_LINE.match(line)
        if zsh:
            return int(zsh.group(1)), zsh.group(2).decode("utf-8", "replace")
        return 0, line.decode("utf-8", "replace")
    time = int(pending)
    return (time if time <= _INT64_MAX else None), line.decode("utf-8", "replace")


def private_key_facts(data: bytes) -> dict[str, Any] | None:
    """user_ssh_keys facts of a file (encrypted, key_type, group, lengths), or None if the
    file holds no private key OpenSSL (or the OpenSSH check) would accept."""
    # cryptography is imported only when a key file is met (per-user tables stay light).
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    for match in _PEM_BLOCK.finditer(data):
        label = match.group(1)
        if not label.endswith(b"PRIVATE KEY") or label == b"OPENSSH PRIVATE KEY":
            continue
        body = match.group(2)
        if label == b"ENCRYPTED PRIVATE KEY" or b"ENCRYPTED" in body.split(b"\n\n", 1)[0]:
            return _facts(True)
        try:
            key = serialization.load_pem_private_key(match.group(0), password=None)
        except TypeError:
            return _facts(True)
        except (ValueError, UnsupportedAlgorithm):
            break
        return _key_facts(key)
    header = b"-----BEGIN OPENSSH PRIVATE KEY-----"
    if data.startswith(header):
        # The first base64 bytes of an unencrypted key spell "openssh-key-v1\0...\4none".
        prefix = data[len(header) + 1 : len(header) + 32]
        return _facts(prefix != b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmU")
    return None


def _facts(
    encrypted: bool, key_type: str = "", group: str = "", length: int = -1, security: int = -1
) -> dict[str, Any]:
    return {
        "encrypted": int(encrypted),
        "key_type": key_type,
        "key_group_name": group,
        "key_length": length,
        "key_security_bits": security,
    }


def _key_facts(key: Any) -> dict[str, Any]:
    """EVP_PKEY_base_id / _bits / _security_bits / _get_group_name of a private key."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

    from hostql.host.x509_names import CURVE_NAMES

    if isinstance(key, rsa.RSAPrivateKey):
        return _facts(False, "rsa", "", key.key_size, security_bits(key.key_size))
    if isinstance(key, dsa.DSAPrivateKey):
        q_bits = key.parameters().parameter_numbers().q.bit_length()
        return _facts(False, "dsa", "", key.key_size, security_bits(key.key_size, q_bits))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        bits = key.curve.key_size
        return _facts(
            False,
            "ec",
            CURVE_NAMES.get(key.curve.name, key.curve.name),
            bits,
            _ec_security_bits(bits),
        )
    if isinstance(key, ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey):
        return _facts(False, "", "", 253, 128)
    if isinstance(key, ed448.Ed448PrivateKey):
        return _facts(False, "", "", 456, 224)
    if isinstance(key, x448.X448PrivateKey):
        return _facts(False, "", "", 448, 224)
    with warnings.catch_warnings():
        # cryptography warns on any use of its finite-field DH classes.
        from cryptography.hazmat.primitives.asymmetric import dh
        from cryptography.utils import CryptographyDeprecationWarning

        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        if isinstance(key, dh.DHPrivateKey):
            q = key.parameters().parameter_numbers().q
            return _facts(
                False,
                "dh",
                "",
                key.key_size,
                security_bits(key.key_size, q.bit_length() if q else -1),
            )
    return _facts(False)


def security_bits(length: int, n: int = -1) -> int:
    """OpenSSL's BN_security_bits (NIST SP 800-57) for a modulus of length bits."""
    for bound, bits in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)):
        if length >= bound:
            secbits = bits
            break
    else:
        return 0
    if n == -1:
        return secbits
    half = n // 2
    if half < 80:
        return 0
    return min(half, secbits)


def _ec_security_bits(bits: int) -> int:
    for bound, security in ((512, 256), (384, 192), (256, 128), (224, 112), (160, 80)):
        if bits >= bound:
            return security
    return bits // 2


def _first_not_of(text: str, start: int) -> int:
    for i in range(start, len(text)):
        if text[i] not in _KEY_SPACE:
            return i
    return -1


def _first_of(text: str, start: int) -> int:
    for i in range(start, len(text)):
        if text[i] in _KEY_SPACE:
            return i
    return -1


def attach(host: Host) -> UserFiles:
    """The per-user file reader of host."""
    return UserFiles(host)

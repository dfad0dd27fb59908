"""user_ssh_keys: the private keys in users' ~/.ssh directories."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "user_ssh_keys",
    "Returns the private keys in the users ~/.ssh directory and whether or not they are encrypted.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    no_pkey=True,
    examples=("select * from users join user_ssh_keys using (uid) where encrypted = 0",),
    notes="As in osquery, without a uid constraint only the current user's ~/.ssh is read. "
    "Each file of ~/.ssh (not dot files) is parsed like OpenSSL's PEM_read_bio_PrivateKey "
    "(with the cryptography package): key_type rsa/dsa/ec/dh, EVP_PKEY_bits as key_length, "
    "NIST SP 800-57 security bits, the curve as key_group_name. Encrypted PEM keys and "
    "OpenSSH-format keys (which OpenSSL cannot parse) have key_type '' and -1 lengths. "
    "pid_with_namespace is not supported.",
    columns=[
        Column(
            "uid",
            BIGINT,
            "The local user that owns the key file",
            additional=True,
            optimized=True,
        ),
        Column("path", TEXT, "Path to key file", index=True),
        Column("encrypted", INTEGER, "1 if key is encrypted, 0 otherwise"),
        Column(
            "key_type",
            TEXT,
            "The type of the private key. One of [rsa, dsa, dh, ec, hmac, cmac], or the empty "
            "string.",
        ),
        Column(
            "key_group_name",
            TEXT,
            "The group of the private key. Supported for a subset of key_types implemented by "
            "OpenSSL",
        ),
        Column(
            "key_length",
            INTEGER,
            "The cryptographic length of the cryptosystem to which the private key belongs, in "
            "bits. Definition of cryptographic length is specific to cryptosystem. -1 if "
            "unavailable",
        ),
        Column(
            "key_security_bits",
            INTEGER,
            "The number of security bits of the private key, bits of security as defined in "
            "NIST SP800-57. -1 if unavailable",
        ),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def user_ssh_keys(ctx: QueryContext) -> Iterator[Row]:
    """One row per private key file in each selected user's ~/.ssh."""
    reader = ctx.host.user_files
    read_max = int(ctx.flags["read_max"])
    paths = ctx.equals("path")
    for home in reader.homes(ctx.equals("uid")):
        yield from reader.private_keys(home, read_max, paths)

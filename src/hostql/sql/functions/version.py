"""osquery's version ordering: version_compare() and the VERSION* collations."""

from __future__ import annotations

from dataclasses import dataclass

from hostql.errors import SqlError
from hostql.sql.functions.coercion import SqlValue, c_bytes

# Delimiter precedence; DPKG and RHEL order equal-valued segments by it.
_DELIMITERS = {ord("~"): 1, ord("-"): 2, ord("^"): 3, ord("."): 4, ord(":"): 5}
_TILDE, _HYPHEN, _CARET = ord("~"), ord("-"), ord("^")


@dataclass(frozen=True)
class _Rules:
    """The four switches of osquery's versionCompare()."""

    epoch: bool = False
    delimiter_precedence: bool = False
    compare_remaining: bool = False
    remainder_precedence: bool = False


_FLAVORS = {
    "ARCH": _Rules(epoch=True, compare_remaining=True, remainder_precedence=True),
    "DPKG": _Rules(epoch=True, delimiter_precedence=True),
    "RHEL": _Rules(epoch=True, delimiter_precedence=True, compare_remaining=True),
}
_DEFAULT = _Rules()


def _signed(byte: int) -> int:
    # osquery subtracts plain chars, which are signed on x86-64.
    return byte - 256 if byte >= 128 else byte


def _is_digit(byte: int) -> bool:
    return 0x30 <= byte <= 0x39


def _epoch_difference(left: bytes, right: bytes) -> int:
    left_epoch, right_epoch = left.find(b":"), right.find(b":")
    if left_epoch >= 0 and right_epoch >= 0:
        return left_epoch - right_epoch
    if left_epoch >= 0:
        return 1
    if right_epoch >= 0:
        return -1
    return 0


def _remainder_order(
    left: bytes, right: bytes, position: int, difference: int, rules: _Rules
) -> int:
    if rules.compare_remaining:
        shorter, longer, sign = (left, right, 1) if len(left) == position else (right, left, -1)
        following = longer[position]
        # A tilde sorts before the end, a hyphen ties with it and a caret sorts after it.
        if following == _TILDE:
            return sign
        if following == _HYPHEN:
            return 0
        if following == _CARET:
            return -sign
        if difference != 0 and not (
            rules.remainder_precedence and _is_digit(shorter[position - 1])
        ):
            return difference
    return len(left) - len(right)


def _ordering(left: bytes, right: bytes, rules: _Rules) -> int:
    if not left or not right:
        return (len(left) > 0) - (len(right) > 0)
    if left == right:
        return 0
    if rules.epoch:
        epoch = _epoch_difference(left, right)
        if epoch != 0:
            return epoch
    difference = 0
    shortest = min(len(left), len(right))
    for position in range(shortest):
        left_delimiter = _DELIMITERS.get(left[position], 0)
        right_delimiter = _DELIMITERS.get(right[position], 0)
        if left_delimiter == 0 and right_delimiter == 0:
            if difference == 0:
                difference = _signed(left[position]) - _signed(right[position])
            continue
        if left_delimiter == 0:
            return 1
        if right_delimiter == 0:
            return -1
        if difference != 0:
            return difference
        if rules.delimiter_precedence and left_delimiter != right_delimiter:
            return left_delimiter - right_delimiter
    if len(left) == len(right):
        return difference
    return _remainder_order(left, right, shortest, difference, rules)


def _rules(flavor: str | None) -> _Rules:
    if flavor is None:
        return _DEFAULT
    rules = _FLAVORS.get(flavor.upper())
    if rules is None:
        raise SqlError("The optional third parameter does not match one of: (ARCH, DPKG, RHEL).")
    return rules


def _sign(number: int) -> int:
    return (number > 0) - (number < 0)


def compare_versions(left: str, right: str, flavor: str | None = None) -> int:
    """-1, 0 or 1 as osquery orders two versions; flavor is None, ARCH, DPKG or RHEL."""
    return _sign(_ordering(left.encode("utf-8"), right.encode("utf-8"), _rules(flavor)))


def version_compare(*values: SqlValue) -> int:
    """The SQL version_compare(left, right[, flavor]): -1, 0 or 1."""
    if len(values) < 2 or not isinstance(values[0], str) or not isinstance(values[1], str):
        raise SqlError("Must provide two version strings to compare.")
    flavor = None
    if len(values) > 2:
        if not isinstance(values[2], str):
            raise SqlError("The optional third parameter is not a string.")
        flavor = c_bytes(values[2]).decode("utf-8", errors="replace")
    rules = _rules(flavor)
    return _sign(_ordering(c_bytes(values[0]), c_bytes(values[1]), rules))


def collate_version(left: str, right: str) -> int:
    """The VERSION collation: generic version ordering."""
    return compare_versions(left, right)


def collate_version_arch(left: str, right: str) -> int:
    """The VERSION_ARCH collation: pacman's epoch and remainder rules."""
    return compare_versions(left, right, "ARCH")


def collate_version_dpkg(left: str, right: str) -> int:
    """The VERSION_DPKG collation: epochs and delimiter precedence."""
    return compare_versions(left, right, "DPKG")


def collate_version_rhel(left: str, right: str) -> int:
    """The VERSION_RHEL collation: epochs, delimiter precedence and remainder rules."""
    return compare_versions(left, right, "RHEL")


COLLATIONS = {
    "version": collate_version,
    "version_arch": collate_version_arch,
    "version_dpkg": collate_version_dpkg,
    "version_rhel": collate_version_rhel,
}
"""Collation name -> comparison, as osquery registers them."""

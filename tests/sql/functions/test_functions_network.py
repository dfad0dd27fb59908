"""community_id_v1(), community_id_v1_strict() and in_cidr_block()."""

from __future__ import annotations

import logging
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from typing import Any

import pytest

from hostql.errors import SqlError
from hostql.sql.functions import network

# osquery's test vectors (osquery/sql/tests/sqlite_hashing_tests.cpp) and documentation.
COMMUNITY_IDS = [
    ("'66.35.250.204', '128.232.110.120', 80, 34855, 6", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    ("'66.35.250.204', '128.232.110.120', 80, 34855, 6, 0", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    ("'128.232.110.120', '66.35.250.204', 34855, 80, 6", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    ("'66.35.250.204', '128.232.110.120', 80, 34855, 6, 1", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
    ("'128.232.110.120', '66.35.250.204', 34855, 80, 6, 1", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
    ("'127.0.0.1', 'fe80::14b0:de4a:f8e8:522f', 64, 10, 6", "1:Jww+Ua4pSUNl9TvSUwvSHL4n93w="),
    ("'fe80::14b0:de4a:f8e8:522f', '127.0.0.1', 10, 64, 6, 0", "1:Jww+Ua4pSUNl9TvSUwvSHL4n93w="),
    ("'192.168.170.8', '192.168.170.56', 7, 80, 132, 0", "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="),
    ("'192.168.170.56', '192.168.170.8', 80, 7, 132, 0", "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="),
    ("'192.168.170.8', '192.168.170.56', 7, 80, 132, 1", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU="),
    ("'192.168.1.52', '8.8.8.8', 54585, 53, 17, 0", "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
    ("'8.8.8.8', '192.168.1.52', 53, 54585, 17, 0", "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
    ("'192.168.1.52', '8.8.8.8', 54585, 53, 17, 1", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="),
    ("'8.8.8.8', '192.168.1.52', 53, 54585, 17, 1", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="),
    (
        "'66.35.250.204', '2001:0:3238:DFE1:63::FEFB', 80, 2347, 6",
        "1:rxU6O+b2d9kbSWjRmVDoBbowx6g=",
    ),
    (
        "'66.35.250.204', '2001:0:3238:DFE1:63::FEFB', 80, 2347, 6, 37",
        "1:jmJ2ORP31di4mtsQPIKzyoEb3yo=",
    ),
]


@pytest.mark.parametrize(("arguments", "expected"), COMMUNITY_IDS)
def test_community_id_v1(scalar: Callable[..., Any], arguments: str, expected: str) -> None:
    assert scalar(f"select community_id_v1({arguments})") == expected
    assert scalar(f"select community_id_v1_strict({arguments})") == expected


def test_community_id_orders_endpoints_by_address_then_port() -> None:
    left, right = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.1")
    forward = network.community_id(left, right, 1000, 80, 6)
    assert forward == network.community_id(right, left, 80, 1000, 6)
    assert network.community_id(IPv4Address("10.0.0.1"), IPv6Address("::1"), 1, 2, 6) == (
        network.community_id(IPv6Address("::1"), IPv4Address("10.0.0.1"), 2, 1, 6)
    )


def test_community_id_seed_is_a_signed_16_bit_value(scalar: Callable[..., Any]) -> None:
    base = "'1.2.3.4', '5.6.7.8', 1, 2, 6"
    negative = scalar(f"select community_id_v1({base}, -1)")
    assert negative == scalar(f"select community_id_v1({base}, -1)")
    assert negative != scalar(f"select community_id_v1({base}, 1)")
    assert scalar(f"select community_id_v1({base}, 65535)") is None
    assert scalar(f"select community_id_v1({base}, -32768)").startswith("1:")
    assert scalar(f"select community_id_v1({base}, 32767)").startswith("1:")


V4_CIDR = "CIDR for IP address v4 cannot be parsed"
V6_CIDR = "CIDR for IP address v6 cannot be parsed"
SEED_RANGE = "Community ID seed must fit in 2 bytes"

INVALID = [
    ("'192.168.1.52', 'foo', 10, 53, 17, 0", "Community ID daddr cannot be parsed as IP"),
    ("'foo', '192.168.1.52', 10, 53, 17", "Community ID saddr cannot be parsed as IP"),
    ("'192.168.1.52', '192.168.1.1', 10, 53, 17, 100000000", SEED_RANGE),
    ("'192.168.1.52', '192.168.1.1', 10, 53, 17, -32769", SEED_RANGE),
    ("'192.168.1.52', '192.168.1.1', 10, 53, 17, '1'", "Community ID seed must be an integer"),
    ("'192.168.1.52', '192.168.1.1', 10, 53, 17, NULL", "Community ID seed must be an integer"),
    ("'192.168.1.52', NULL, 10, 53, 17", "Community ID IPs must be strings"),
    ("3232235828, '192.168.1.1', 10, 53, 17", "Community ID IPs must be strings"),
    ("'1.2.3.4', '1.2.3.5', '10', 53, 17", "Community ID ports must be integers"),
    ("'1.2.3.4', '1.2.3.5', 10, 53.0, 17", "Community ID ports must be integers"),
    ("'1.2.3.4', '1.2.3.5', 65536, 53, 17", "Community ID ports must fit in 2 bytes"),
    ("'1.2.3.4', '1.2.3.5', 10, -1, 17", "Community ID ports must fit in 2 bytes"),
    ("'1.2.3.4', '1.2.3.5', 10, 53, NULL", "Community ID protocol must be an integer"),
    ("'1.2.3.4', '1.2.3.5', 10, 53, 256", "Community ID protocol must fit in 1 byte"),
]


@pytest.mark.parametrize(("arguments", "message"), INVALID)
def test_community_id_v1_strict_fails(
    scalar: Callable[..., Any], arguments: str, message: str
) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(f"select community_id_v1_strict({arguments})")
    assert str(failure.value) == message


@pytest.mark.parametrize(("arguments", "message"), INVALID)
def test_community_id_v1_gives_null_and_warns(
    scalar: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    arguments: str,
    message: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger=network.__name__):
        assert scalar(f"select community_id_v1({arguments})") is None
    assert [record.getMessage() for record in caplog.records] == [message]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select in_cidr_block('10.0.0.0/26', '10.0.0.24')", 1),
        ("select in_cidr_block('2001:db8::/48', '2001:db8:0:ffff:ffff:ffff:ffff:ffff')", 1),
        ("select in_cidr_block('10.0.0.0/26', '10.0.0.64')", 0),
        ("select in_cidr_block('10.0.0.0/8', '11.0.0.1')", 0),
        # IPv4 hosts() leaves out the network and broadcast addresses.
        ("select in_cidr_block('10.0.0.0/24', '10.0.0.0')", 0),
        ("select in_cidr_block('10.0.0.0/24', '10.0.0.1')", 1),
        ("select in_cidr_block('10.0.0.0/24', '10.0.0.254')", 1),
        ("select in_cidr_block('10.0.0.0/24', '10.0.0.255')", 0),
        ("select in_cidr_block('10.0.0.7/24', '10.0.0.9')", 1),
        ("select in_cidr_block('10.0.0.5/32', '10.0.0.5')", 1),
        ("select in_cidr_block('10.0.0.5/32', '10.0.0.6')", 0),
        ("select in_cidr_block('10.0.0.4/31', '10.0.0.4')", 0),
        ("select in_cidr_block('10.0.0.4/31', '10.0.0.5')", 0),
        ("select in_cidr_block('0.0.0.0/0', '8.8.8.8')", 1),
        ("select in_cidr_block('0.0.0.0/0', '255.255.255.255')", 0),
        ("select in_cidr_block('255.255.255.255/32', '255.255.255.255')", 0),
        ("select in_cidr_block('10.0.0.0/008', '10.1.2.3')", 1),
        # IPv6 hosts() is the whole block, unless it runs to the top of the space.
        ("select in_cidr_block('2001:db8::/48', '2001:db8::')", 1),
        ("select in_cidr_block('2001:db8::/48', '2001:db8:1::')", 0),
        ("select in_cidr_block('::1/128', '::1')", 1),
        ("select in_cidr_block('::/0', '::1')", 0),
        ("select in_cidr_block('ff00::/8', 'ff02::1')", 0),
        ("select in_cidr_block('fe80::/10', 'fe80::1%eth0')", 1),
    ],
)
def test_in_cidr_block(scalar: Callable[..., Any], sql: str, expected: int) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select in_cidr_block(NULL, '10.0.0.1')", "CIDR must be a string"),
        ("select in_cidr_block(10, '10.0.0.1')", "CIDR must be a string"),
        ("select in_cidr_block('10.0.0.0/8', NULL)", "IP address must be a string"),
        ("select in_cidr_block('10.0.0.0/8', 167772161)", "IP address must be a string"),
        ("select in_cidr_block('10.0.0.0/8', '10.0.0')", "IP address cannot be parsed"),
        ("select in_cidr_block('10.0.0.0', '10.0.0.1')", V4_CIDR),
        ("select in_cidr_block('10.0.0.0/', '10.0.0.1')", V4_CIDR),
        ("select in_cidr_block('10.0.0.0/33', '10.0.0.1')", V4_CIDR),
        ("select in_cidr_block('10.0.0.0/+8', '10.0.0.1')", V4_CIDR),
        (
            "select in_cidr_block('10.0.0.0/255.0.0.0', '10.0.0.1')",
            V4_CIDR,
        ),
        ("select in_cidr_block('::/0', '10.0.0.1')", V4_CIDR),
        ("select in_cidr_block('10.0.0.0/8', '::1')", V6_CIDR),
        ("select in_cidr_block('::/129', '::1')", V6_CIDR),
    ],
)
def test_in_cidr_block_errors(scalar: Callable[..., Any], sql: str, message: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == message


def test_parse_ip() -> None:
    assert network.parse_ip("1.2.3.4") == IPv4Address("1.2.3.4")
    assert network.parse_ip("::ffff:1.2.3.4") == IPv6Address("::ffff:1.2.3.4")
    assert network.parse_ip("fe80::1%2") == IPv6Address("fe80::1")
    assert network.parse_ip("01.2.3.4") is None
    assert network.parse_ip("1.2.3.4%1") is None
    assert network.parse_ip("") is None

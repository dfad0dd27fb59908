"""iptables: the rules and chains of the legacy (x_tables) iptables tables."""

from __future__ import annotations

import socket
from collections.abc import Iterator

from hostql.host.netfilter import Rule
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_INV_VIA_IN, _INV_VIA_OUT, _INV_SRCIP, _INV_DSTIP, _INV_PROTO = 0x01, 0x02, 0x08, 0x10, 0x40


@table(
    "iptables",
    "Linux IP packet filtering and NAT tool.",
    platforms=(LINUX,),
    examples=("select * from iptables where filter_name = 'filter'",),
    notes="Reads the legacy x_tables rule sets like osquery's libiptc: the tables listed in "
    "/proc/net/ip_tables_names through getsockopt(IPT_SO_GET_ENTRIES), which needs root. "
    "Rules kept by iptables-nft in nf_tables are not shown (osquery does not see them either). "
    "As in osquery: each chain's rules come before one row for the chain itself; packets and "
    "bytes are the chain policy's counters; match is always 'yes'; src_port/dst_port are the "
    "first match's data read as TCP/UDP ports; an inverted protocol is NULL.",
    columns=[
        Column("filter_name", TEXT, "Packet matching filter table name."),
        Column("chain", TEXT, "Size of module content."),
        Column("policy", TEXT, "Policy that applies for this rule."),
        Column("target", TEXT, "Target that applies for this rule."),
        Column("protocol", INTEGER, "Protocol number identification."),
        Column("src_port", TEXT, "Protocol source port(s)."),
        Column("dst_port", TEXT, "Protocol destination port(s)."),
        Column("src_ip", TEXT, "Source IP address."),
        Column("src_mask", TEXT, "Source IP address mask."),
        Column("iniface", TEXT, "Input interface for the rule."),
        Column("iniface_mask", TEXT, "Input interface mask for the rule."),
        Column("dst_ip", TEXT, "Destination IP address."),
        Column("dst_mask", TEXT, "Destination IP address mask."),
        Column("outiface", TEXT, "Output interface for the rule."),
        Column("outiface_mask", TEXT, "Output interface mask for the rule."),
        Column("match", TEXT, "Matching rule that applies."),
        Column("packets", INTEGER, "Number of matching packets for this rule."),
        Column("bytes", INTEGER, "Number of matching bytes for this rule."),
    ],
)
def iptables(ctx: QueryContext) -> Iterator[Row]:
    """Per table and chain: one row per rule, then one row for the chain."""
    reader = ctx.host.netfilter
    wanted = ctx.equals("filter_name")
    for name in reader.table_names():
        if wanted is not None and name not in wanted:
            continue
        try:
            chains = reader.chains(name)
        except (ValueError, IndexError):
            ctx.warn(f"iptables: could not parse table {name}")
            continue
        for chain in chains:
            base = {
                "filter_name": name,
                "chain": chain.name,
                "policy": chain.policy or "",
                "packets": chain.packets if chain.policy is not None else 0,
                "bytes": chain.bytes if chain.policy is not None else 0,
            }
            for rule in chain.rules:
                yield {**base, **_rule_columns(rule)}
            yield base


def _rule_columns(rule: Rule) -> Row:
    inv = rule.invflags
    ports = rule.ports
    return {
        "target": rule.target,
        "match": "yes",
        "src_port": f"{ports[0]}:{ports[1]}" if ports else "",
        "dst_port": f"{ports[2]}:{ports[3]}" if ports else "",
        "protocol": None if inv & _INV_PROTO else rule.proto,
        "iniface": _interface(rule.iniface, inv & _INV_VIA_IN),
        "outiface": _interface(rule.outiface, inv & _INV_VIA_OUT),
        "src_ip": ("!" if inv & _INV_SRCIP else "") + socket.inet_ntoa(rule.src),
        "dst_ip": ("!" if inv & _INV_DSTIP else "") + socket.inet_ntoa(rule.dst),
        "src_mask": socket.inet_ntoa(rule.smsk),
        "dst_mask": socket.inet_ntoa(rule.dmsk),
        "iniface_mask": _mask(rule.iniface_mask),
        "outiface_mask": _mask(rule.outiface_mask),
    }


def _interface(raw: bytes, inverted: int) -> str:
    name = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    if not name:
        return "all"
    return ("!" if inverted else "") + name


def _mask(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].hex().upper()

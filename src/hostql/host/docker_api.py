"""The Docker Engine API calls osquery's docker tables make, over the daemon's unix socket."""

from __future__ import annotations

import calendar
import json
import re
import string
import time
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hostql.host.unix_http import SocketMissing, UnixHttpError, get_json

if TYPE_CHECKING:
    from hostql.host import Host

_HEX = frozenset(string.hexdigits)
# osquery asks `ps` inside the container for these fields (Linux), in this order.
PS_FIELDS = (
    "pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,"
    "nice,user,time,pcpu,pmem,comm,cmd"
)

FAILED = object()
# A queried id that names no object is an answer, not a failure.
_ABSENT = (404,)

Warn = Callable[[str], None]
JsonObject = dict[str, Any]


def valid_ids(values: Collection[Any] | None) -> list[str] | None:
    """Constraint values osquery passes to Docker (hex, at most 64 characters), sorted.

    None means no constraint; an empty list means a constraint no object can satisfy.
    """
    if values is None:
        return None
    found = {str(v) for v in values}
    return sorted(v for v in found if len(v) <= 64 and _HEX.issuperset(v))


def display_id(value: Any, wanted: Iterable[str] | None) -> str:
    """An object id as osquery shows it: no "sha256:", and the queried prefix if one matches.

    Docker accepts id prefixes; answering with the prefix lets `id = '<prefix>'` match.
    """
    text = value if isinstance(value, str) else ""
    text = text.removeprefix("sha256:")
    for prefix in wanted or ():
        if text.startswith(prefix):
            return prefix
    return text


_TIMESTAMP = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})")
_DIGITS = re.compile(r"[+-]?\d+")


def _timestamp_fields(iso: str) -> tuple[int, int, int, int, int, int, int, int, int] | None:
    match = _TIMESTAMP.match(iso)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    return (year, month, day, hour, minute, second, 0, 0, 0)


def utc_unix_time(iso: str) -> int:
    """Seconds since the epoch of a Docker UTC timestamp (fractions dropped; 0 if unparsable)."""
    fields = _timestamp_fields(iso)
    return 0 if fields is None else calendar.timegm(fields)


def local_unix_time(iso: str) -> int:
    """Seconds since the epoch of a timestamp read as local standard time, as osquery reads
    network creation times (0 if unparsable)."""
    fields = _timestamp_fields(iso)
    if fields is None:
        return 0
    try:
        return int(time.mktime(fields))
    except (OverflowError, ValueError):
        return 0


def diff_nanos(later: str, earlier: str) -> int:
    """osquery's nanosecond part of an interval: the digits after each "." subtracted as numbers."""
    _, dot1, fraction1 = later.partition(".")
    _, dot2, fraction2 = earlier.partition(".")
    first = _DIGITS.match(fraction1)
    second = _DIGITS.match(fraction2)
    if not (dot1 and dot2 and first and second):
        return 0
    return int(first.group()) - int(second.group())


def filters_query(key: str, values: list[str]) -> str:
    """Docker's `filters={"key":{"value":true,...}}` query argument, URL-encoded."""
    document = {key: dict.fromkeys(values, True)}
    return "filters=" + quote(json.dumps(document, separators=(",", ":")), safe="")


class DockerClient:
    """GETs against one Docker socket; a failed call warns (unless the socket is absent)."""

    def __init__(self, socket_path: str, warn: Warn) -> None:
        self.socket_path = socket_path
        self.warn = warn
        self.missing = False

    def answer(self, target: str, quiet: tuple[int, ...] = ()) -> Any:
        """The decoded JSON answer of target, or FAILED after a failure (warned unless quiet)."""
        if self.missing:
            return FAILED
        try:
            return get_json(self.socket_path, target)
        except SocketMissing:
            # osquery logs an unreachable daemon at verbose level only.
            self.missing = True
            return FAILED
        except UnixHttpError as exc:
            if exc.status not in quiet:
                self.warn(f"Docker API GET {target}: {exc}")
            return FAILED

    def objects(
        self, target: str, key: str | None = None, quiet: tuple[int, ...] = ()
    ) -> list[JsonObject] | None:
        """The JSON objects of a list answer (under key, if given); other items are skipped."""
        answer = self.answer(target, quiet)
        if answer is FAILED:
            return None
        if key is not None and isinstance(answer, dict):
            answer = answer.get(key)
        if answer is None:
            return []  # Docker encodes an empty list as null
        if not isinstance(answer, list):
            self.warn(f"Docker API GET {target}: expected a list, got {type(answer).__name__}")
            return None
        found = [item for item in answer if isinstance(item, dict)]
        if len(found) != len(answer):
            self.warn(f"Docker API GET {target}: skipped {len(answer) - len(found)} bad entries")
        return found

    def object(self, target: str, quiet: tuple[int, ...] = ()) -> JsonObject | None:
        """A JSON object answer."""
        answer = self.answer(target, quiet)
        if answer is FAILED or isinstance(answer, dict):
            return None if answer is FAILED else answer
        self.warn(f"Docker API GET {target}: expected an object, got {type(answer).__name__}")
        return None

    def containers(self, ids: list[str] | None) -> list[JsonObject] | None:
        """GET /containers/json: running containers, or every container matching ids."""
        # osquery adds all=1 only with an id constraint: a plain scan lists running ones.
        if ids is None:
            return self.objects("/containers/json")
        return self.objects("/containers/json?all=1&" + filters_query("id", ids))

    def inspect(self, container_id: str) -> JsonObject | None:
        """GET /containers/<id>/json."""
        return self.object(f"/containers/{quote(container_id, safe='')}/json", _ABSENT)

    def top(self, container_id: str) -> JsonObject | None:
        """GET /containers/<id>/top with osquery's ps arguments."""
        args = quote("axwwo " + PS_FIELDS, safe=",")
        target = f"/containers/{quote(container_id, safe='')}/top?ps_args={args}"
        return self.object(target, _ABSENT)

    def changes(self, container_id: str) -> list[JsonObject] | None:
        """GET /containers/<id>/changes."""
        return self.objects(f"/containers/{quote(container_id, safe='')}/changes", quiet=_ABSENT)

    def stats(self, container_id: str) -> JsonObject | None:
        """GET /containers/<id>/stats?stream=false: one sample (with the previous one)."""
        target = f"/containers/{quote(container_id, safe='')}/stats?stream=false"
        return self.object(target, _ABSENT)

    def images(self) -> list[JsonObject] | None:
        """GET /images/json."""
        return self.objects("/images/json")

    def image(self, image_id: str) -> JsonObject | None:
        """GET /images/<id>/json."""
        return self.object(f"/images/{quote(image_id, safe='')}/json", _ABSENT)

    def image_history(self, image_id: str) -> list[JsonObject] | None:
        """GET /images/<id>/history."""
        return self.objects(f"/images/{quote(image_id, safe='')}/history", quiet=_ABSENT)

    def info(self) -> JsonObject | None:
        """GET /info."""
        return self.object("/info")

    def version(self) -> JsonObject | None:
        """GET /version."""
        return self.object("/version")

    def networks(self, ids: list[str] | None) -> list[JsonObject] | None:
        """GET /networks, filtered by id when given."""
        if ids is None:
            return self.objects("/networks")
        return self.objects("/networks?" + filters_query("id", ids))

    def volumes(self, names: list[str] | None) -> list[JsonObject] | None:
        """GET /volumes (the list sits under "Volumes"), filtered by name when given."""
        if names is None:
            return self.objects("/volumes", "Volumes")
        return self.objects("/volumes?" + filters_query("name", names), "Volumes")


class DockerApi:
    """Hands out clients for the Docker socket a query's flags name, inside the host root."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def client(self, socket_flag: str, warn: Warn) -> DockerClient:
        """A client of the socket at socket_flag (a host path)."""
        return DockerClient(str(self.host.path(socket_flag)), warn)


def attach(host: Host) -> DockerApi:
    """The Docker API reader of host."""
    return DockerApi(host)

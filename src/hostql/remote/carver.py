"""File carving over osquery's TLS API: tar the paths, optionally zstd, upload them in blocks."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import shutil
import stat
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from hostql.remote.distributed import Post, current_request_id, tls_post
from hostql.sql.functions.operations import set_carve_starter
from hostql.tables.utility.carves import clear_carves, record_carve, set_carve_requester

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon

KEY_PREFIX = "carves."
SCHEDULED = "SCHEDULED"
STARTING = "STARTING"
PENDING = "PENDING"
SUCCESS = "SUCCESS"
CREATE_PATHS_FAILED = "CREATE PATHS FAILED"
ARCHIVE_FAILED = "ARCHIVE FAILED"
COMPRESS_FAILED = "COMPRESS FAILED"
DATA_POST_FAILED = "DATA POST FAILED"
# Anything unforeseen (the carves table's own description names this status).
FAILED = "FAILED"
# Scheduled carves are looked for at least this often even if no request woke the worker.
RESCAN_SECONDS = 60
_COPY_CHUNK = 1 << 20
# osquery tries each carve request once and skips a block that fails, marking the carve a
# SUCCESS anyway; hostql retries a request before failing the whole upload.
POST_ATTEMPTS = 3


class CarveError(Exception):
    """One step of a carve failed; status is what the carves table then shows."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def new_record(paths: Iterable[str], request_id: str, guid: str, now: int) -> dict[str, Any]:
    """A freshly requested carve, as stored under carves.<guid> (status SCHEDULED)."""
    return {
        "carve_guid": guid,
        "time": now,
        "status": SCHEDULED,
        "sha256": "",
        "size": -1,
        "request_id": request_id,
        "path": ",".join(sorted(set(paths))),
    }


def record_paths(record: Mapping[str, Any]) -> list[str]:
    """The paths a stored record asks for (osquery joins them with ',')."""
    return [path for path in str(record.get("path", "")).split(",") if path]


def expired(record: Mapping[str, Any], now: float, expiry: int) -> bool:
    """Whether a successful carve's metadata is older than --carver_expiry."""
    if record.get("status") != SUCCESS:
        return False
    started = record.get("time")
    return isinstance(started, int) and now - started > expiry


def archive_name(path: str) -> str:
    """The name a carved file has in the archive: its path without the leading '/'."""
    return path.lstrip("/") or "."


def copy_regular_files(paths: Iterable[str], directory: Path) -> list[tuple[str, Path]]:
    """Snapshot each existing regular file under directory; (source, copy) pairs.

    Copying first, as osquery does, keeps the archive consistent when a file changes
    while it is archived. Missing files, folders and unreadable files are skipped.
    """
    copied: list[tuple[str, Path]] = []
    for source in sorted(set(paths)):
        target = directory / archive_name(source)
        try:
            with open(source, "rb") as src:
                if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "xb") as dst:
                    shutil.copyfileobj(src, dst, _COPY_CHUNK)
                shutil.copystat(source, target)
        except OSError:  # vanished, unreadable or a folder: carve the rest
            continue
        copied.append((source, target))
    return copied


def write_archive(files: Sequence[tuple[str, Path]], out: BinaryIO) -> None:
    """A PAX tar of the files, each named after its source path (mode 0644, owner 0)."""
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for source, copy in files:
            info = tarfile.TarInfo(archive_name(source))
            details = copy.stat()
            info.size = details.st_size
            info.mtime = int(details.st_mtime)
            info.mode = 0o644
            with open(copy, "rb") as data:
                archive.addfile(info, data)


def compress(source: BinaryIO, out: BinaryIO) -> None:
    """zstd-compress source into out (--carver_compression)."""
    import zstandard

    zstandard.ZstdCompressor().copy_stream(source, out)


def block_count(size: int, block_size: int) -> int:
    """How many blocks of block_size an upload of size bytes takes."""
    return math.ceil(size / block_size) if size else 0


def blocks(source: BinaryIO, block_size: int) -> Iterator[bytes]:
    """The upload's successive blocks (the last one may be shorter)."""
    while chunk := source.read(block_size):
        yield chunk


def file_sha256(path: Path, read_max: int) -> str:
    """The upload's SHA-256, or "-1" when it is larger than --read_max (as osquery)."""
    if path.stat().st_size > read_max:
        return "-1"
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for chunk in blocks(data, _COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def start_body(
    blocks_total: int, block_size: int, size: int, guid: str, request_id: str
) -> dict[str, Any]:
    """The carve start request (the transport adds node_key)."""
    return {
        "block_count": blocks_total,
        "block_size": block_size,
        "carve_size": size,
        "carve_id": guid,
        "request_id": request_id,
    }


def continue_body(block_id: int, session_id: str, request_id: str, data: bytes) -> dict[str, Any]:
    """One block of the upload, base64 encoded."""
    return {
        "block_id": block_id,
        "session_id": session_id,
        "request_id": request_id,
        "data": base64.b64encode(data).decode("ascii"),
    }


def session_id_of(response: Mapping[str, Any]) -> str:
    """The session id a start response grants (CarveError if missing or empty)."""
    session = response.get("session_id")
    if not isinstance(session, str) or not session:
        raise CarveError(DATA_POST_FAILED, "No session_id received from remote endpoint")
    return session


@dataclass(frozen=True, slots=True)
class CarveSettings:
    """The flags one carve reads."""

    start_endpoint: str
    continue_endpoint: str
    block_size: int
    compression: bool
    read_max: int


class Carver:
    """Keeps carve records (store and carves table) and runs scheduled carves on a thread."""

    name = "carver"

    def __init__(self, daemon: Daemon, post: Post) -> None:
        self.daemon = daemon
        self.post = post
        self.values = daemon.values
        self.store = daemon.store
        self.status = daemon.status
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_expiry = 0.0

    def settings(self) -> CarveSettings:
        """The carve flags as they are now."""
        values = self.values
        return CarveSettings(
            start_endpoint=values["carver_start_endpoint"],
            continue_endpoint=values["carver_continue_endpoint"],
            block_size=max(1, int(values["carver_block_size"])),
            compression=bool(values["carver_compression"]),
            read_max=int(values["read_max"]),
        )

    # -- records --------------------------------------------------------------------------

    def records(self) -> dict[str, dict[str, Any]]:
        """Every stored carve by GUID (malformed entries are dropped from the store)."""
        found: dict[str, dict[str, Any]] = {}
        broken: list[str] = []
        for key, text in self.store.scan("carves", KEY_PREFIX):
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            if not isinstance(record, dict) or not isinstance(record.get("status"), str):
                broken.append(key)
                continue
            found[key.removeprefix(KEY_PREFIX)] = record
        if broken:
            self.store.delete("carves", *broken)
        return found

    def _save(self, record: dict[str, Any]) -> None:
        guid = str(record["carve_guid"])
        with self._lock:
            self.store.put("carves", KEY_PREFIX + guid, json.dumps(record, separators=(",", ":")))
            record_carve(record)

    def update(self, guid: str, **changes: Any) -> dict[str, Any]:
        """Change fields of a stored carve (status, size, sha256) in the store and the table."""
        with self._lock:
            text = self.store.get("carves", KEY_PREFIX + guid)
            record = json.loads(text) if text else {"carve_guid": guid}
            record.update(changes)
            self._save(record)
        return record

    def request(self, paths: Sequence[str], request_id: str = "") -> str:
        """Schedule a carve of paths and wake the worker; its GUID."""
        guid = str(uuid.uuid4())
        request_id = request_id or current_request_id()
        self._save(new_record(paths, request_id, guid, int(time.time())))
        self._wake.set()
        return guid

    def expire(self, now: float) -> None:
        """Forget successful carves older than --carver_expiry."""
        expiry = int(self.values["carver_expiry"])
        stale = [g for g, r in self.records().items() if expired(r, now, expiry)]
        if stale:
            self.store.delete("carves", *(KEY_PREFIX + guid for guid in stale))
            self._reload_table()

    def _reload_table(self) -> None:
        with self._lock:
            clear_carves()
            for record in self.records().values():
                if "carve_guid" in record:
                    record_carve(record)

    # -- carving --------------------------------------------------------------------------

    def run_scheduled(self) -> int:
        """Carve every SCHEDULED record in turn; the number carved (successfully or not)."""
        count = 0
        for guid, record in self.records().items():
            if self._stopping.is_set():
                break
            if record.get("status") != SCHEDULED:
                continue
            self.update(guid, status=STARTING)
            request_id = str(record.get("request_id") or "")
            try:
                self.carve(guid, record_paths(record), request_id, self.settings())
            except CarveError as exc:
                self.update(guid, status=exc.status)
                self.status.warning(f"Carve {guid} failed ({exc.status}): {exc}")
            except Exception as exc:  # never leave a carve PENDING for ever
                self.update(guid, status=FAILED)
                self.status.error(f"Carve {guid} failed: {type(exc).__name__}: {exc}")
            count += 1
        return count

    def carve(self, guid: str, paths: Sequence[str], request_id: str, cfg: CarveSettings) -> None:
        """Archive, compress and upload one carve, updating its status (CarveError on failure)."""
        try:
            directory = Path(tempfile.mkdtemp(prefix=f"hostql_carve_{guid}_"))
        except OSError as exc:
            raise CarveError(
                CREATE_PATHS_FAILED, f"Failed to create carve file store: {exc}"
            ) from None
        try:
            self.update(guid, status=PENDING)
            archive = directory / f"carve_{guid}.tar"
            try:
                files = copy_regular_files(paths, directory / "files")
                with open(archive, "wb") as out:
                    write_archive(files, out)
            except (OSError, tarfile.TarError) as exc:
                raise CarveError(ARCHIVE_FAILED, f"Failed to create carve archive: {exc}") from None
            upload = archive
            if cfg.compression:
                upload = directory / f"carve_{guid}.tar.zst"
                try:
                    with open(archive, "rb") as source, open(upload, "wb") as out:
                        compress(source, out)
                except Exception as exc:  # zstd or disk errors alike fail the step
                    raise CarveError(
                        COMPRESS_FAILED, f"Failed to compress carve archive: {exc}"
                    ) from None
            size = upload.stat().st_size
            self.update(guid, size=size, sha256=file_sha256(upload, cfg.read_max))
            self.upload(guid, upload, size, request_id, cfg)
            self.update(guid, status=SUCCESS)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def upload(self, guid: str, path: Path, size: int, request_id: str, cfg: CarveSettings) -> None:
        """POST the start request, then every block to the continue endpoint."""
        total = block_count(size, cfg.block_size)
        body = start_body(total, cfg.block_size, size, guid, request_id)
        try:
            session = session_id_of(self.post(cfg.start_endpoint, body))
            with open(path, "rb") as data:
                for number, block in enumerate(blocks(data, cfg.block_size)):
                    if self._stopping.is_set():
                        raise CarveError(DATA_POST_FAILED, "hostqld stopped during the upload")
                    self.post(
                        cfg.continue_endpoint, continue_body(number, session, request_id, block)
                    )
        except CarveError:
            raise
        except Exception as exc:  # any transport failure fails the whole upload
            raise CarveError(DATA_POST_FAILED, f"Failed to post carve: {exc}") from None

    # -- service --------------------------------------------------------------------------

    def start(self) -> None:
        """Load stored carves into the table, install the request hooks, start the worker."""
        self.expire(time.time())
        self._reload_table()
        set_carve_requester(self.request)
        if not self.values["carver_disable_function"]:
            set_carve_starter(lambda paths: self.request(sorted(paths)))
        self._thread = threading.Thread(target=self._loop, name="hostql-carver", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.run_scheduled()
            except Exception as exc:  # the service must outlive any one bad carve
                self.status.error(f"Carver failed: {type(exc).__name__}: {exc}")
            self._wake.wait(RESCAN_SECONDS)

    def step(self, now: float) -> None:
        """Expire old successful carves about once a minute."""
        if now - self._last_expiry >= RESCAN_SECONDS:
            self._last_expiry = now
            self.expire(now)

    def stop(self) -> None:
        """Remove the request hooks and wait for the worker."""
        set_carve_requester(None)
        set_carve_starter(None)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start(daemon: Daemon) -> Carver:
    """The carver service for --disable_carver=false."""
    for flag in ("carver_start_endpoint", "carver_continue_endpoint"):
        if not daemon.values[flag]:
            raise ValueError(f"--{flag} is empty")
    service = Carver(daemon, tls_post(daemon, POST_ATTEMPTS))
    service.start()
    return service

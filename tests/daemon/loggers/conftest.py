"""A real rsyslogd on a private unix socket, writing facility|severity|tag|pid|msg lines."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# rsyslog truncates at 8k by default; the logger tests send 100k-byte lines whole.
MAX_MESSAGE = "256k"


@dataclass
class Rsyslog:
    """A running private rsyslogd: where to send, and the file it writes."""

    socket_path: str
    output: Path
    pid: int

    def lines(self) -> list[str]:
        """Every line rsyslog has written so far."""
        if not self.output.exists():
            return []
        return self.output.read_text(errors="replace").splitlines()

    def wait_for(
        self, matches: Callable[[str], bool], count: int, timeout: float = 10
    ) -> list[str]:
        """The written lines that match, once there are count of them (fails after timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.lines() if matches(line)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)


def _config(root: Path, socket_path: Path, output: Path) -> str:
    return f"""
global(workDirectory="{root / "work"}" maxMessageSize="{MAX_MESSAGE}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{socket_path}" RateLimit.Interval="0")
template(name="fields" type="string"
         string="%syslogfacility%|%syslogseverity%|%syslogtag%|%procid%|%msg%\\n")
*.* action(type="omfile" file="{output}" template="fields")
"""


@pytest.fixture(scope="session")
def rsyslog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rsyslog]:
    """rsyslogd -n with a private config, socket, pid file and work directory; stopped by pid."""
    binary = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    if not os.path.exists(binary):
        pytest.fail("rsyslogd is missing: install the Debian package rsyslog (bootstrap.sh does)")
    root = tmp_path_factory.mktemp("rsyslog")
    (root / "work").mkdir()
    socket_path = root / "log.sock"
    output = root / "messages.log"
    conf = root / "rsyslog.conf"
    conf.write_text(_config(root, socket_path, output))
    check = subprocess.run([binary, "-N1", "-f", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-n", "-f", str(conf), "-i", str(root / "rsyslogd.pid")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"rsyslogd did not open {socket_path}: {stderr}")
            time.sleep(0.01)
        yield Rsyslog(str(socket_path), output, process.pid)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

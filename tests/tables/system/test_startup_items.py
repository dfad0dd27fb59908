"""startup_items: autostart entries of every home and the system directories, in osquery's
order; live checks against the directories and systemctl."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.startup_items import startup_items
from hostql.testing import engine_for, run_table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        "root:x:0:0::/root:/bin/sh\nsam:x:1000:1000::/home/sam:/bin/sh\n"
        "svc:x:998:998::/:/usr/sbin/nologin\nsam2:x:1001:1001::/home/sam:/bin/sh\n"
    )
    autostart = tmp_path / "home" / "sam" / ".config" / "autostart"
    autostart.mkdir(parents=True)
    (autostart / "chat.desktop").write_text("[Desktop Entry]\nName=Chat\nExec=/opt/chat\n")
    (autostart / "unnamed.desktop").write_text("[Desktop Entry]\nType=Application\n")
    scripts = tmp_path / "home" / "sam" / ".config" / "autostart-scripts"
    scripts.mkdir()
    (scripts / "sync.sh").write_text("#!/bin/sh\n")
    (tmp_path / "root" / ".config" / "autostart").mkdir(parents=True)
    (tmp_path / "root" / ".config" / "autostart" / "root.desktop").write_text("Name=R\n")
    init = tmp_path / "etc" / "init.d"
    init.mkdir()
    for name in ("ssh", "cron", ".depend.boot"):
        (init / name).write_text("#!/bin/sh\n")
    xdg = tmp_path / "etc" / "xdg" / "autostart"
    xdg.mkdir(parents=True)
    (xdg / "agent.desktop").write_text("Name=Agent\nExec=agent --quiet\n")
    return tmp_path


def test_rows(root: Path) -> None:
    item = {"args": None, "type": "Startup Item", "status": "enabled"}
    sam = "/home/sam/.config/"
    assert run_table(startup_items, root=root) == [
        {**item, "name": "Chat", "path": "/opt/chat", "source": sam + "autostart/",
         "username": "sam"},
        {**item, "name": None, "path": None, "source": sam + "autostart/", "username": "sam"},
        {**item, "name": "sync.sh", "path": sam + "autostart-scripts/sync.sh",
         "source": sam + "autostart-scripts/", "username": "sam"},
        {**item, "name": "R", "path": None, "source": "/root/.config/autostart/",
         "username": None},
        {**item, "name": "cron", "path": "/etc/init.d/cron", "source": "/etc/init.d/",
         "username": None},
        {**item, "name": "ssh", "path": "/etc/init.d/ssh", "source": "/etc/init.d/",
         "username": None},
        {**item, "name": "Agent", "path": "agent --quiet", "source": "/etc/xdg/autostart/",
         "username": None},
    ]  # fmt: skip


def test_fixture_roots_do_not_ask_the_live_bus(root: Path) -> None:
    engine = engine_for(startup_items, root=root)
    rows = engine.query("SELECT * FROM startup_items WHERE type = 'systemd unit'")
    assert rows == [] and engine.take_warnings() == []


@pytest.mark.live
def test_live_system_directories_and_units() -> None:
    engine = engine_for(startup_items)
    rows = engine.query("SELECT * FROM startup_items")
    init = (
        sorted(p for p in os.listdir("/etc/init.d") if not p.startswith("."))
        if (os.path.isdir("/etc/init.d"))
        else []
    )
    assert [r["name"] for r in rows if r["source"] == "/etc/init.d/"] == init
    units = [r for r in rows if r["type"] == "systemd unit"]
    bus = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/run/dbus/system_bus_socket")
    if not Path(bus.split("path=", 1)[-1].split(",")[0]).exists() or not shutil.which("systemctl"):
        assert units == []
        assert any("systemd" in w for w in engine.take_warnings())
        return
    listed = subprocess.run(
        ["systemctl", "list-units", "--all", "--no-legend", "--plain"],
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    names = {line.split()[0] for line in listed if line.strip()}
    assert {u["name"] for u in units} >= names

"""yum_sources: yum.conf sections, reposdir .repo files and broken ini files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.packages.yum_sources import yum_sources
from hostql.testing import engine_for, run_table

YUM_CONF = """\
[main]
cachedir=/var/cache/yum/$basearch/$releasever
keepcache=0
reposdir=/etc/yum.repos.d, /opt/repos/

[inline]
name=Repo in yum.conf
baseurl=http://inline.example/
"""

BASE_REPO = """\
[baseos]
name=Rocky Linux $releasever - BaseOS
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
gpgcheck=1
enabled=1
countme=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9

[extras-debug]
name = Rocky Linux $releasever - Extras Debug
metalink=https://mirrors.example/metalink?repo=extras-debug
baseurl=http://one.example/os/
        http://two.example/os/
enabled=0
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    (etc / "yum.repos.d").mkdir(parents=True)
    (etc / "yum.conf").write_text(YUM_CONF)
    (etc / "yum.repos.d" / "rocky.repo").write_text(BASE_REPO)
    (etc / "yum.repos.d" / "rocky.repo.rpmnew").write_text(BASE_REPO)
    (etc / "yum.repos.d" / "broken.repo").write_text("baseurl=http://no-section.example/\n")
    (tmp_path / "opt" / "repos").mkdir(parents=True)
    (tmp_path / "opt" / "repos" / "extra.repo").write_text("[extra]\nenabled=1\n")
    return tmp_path


ROWS = [
    {"name": "Repo in yum.conf", "source": "/etc/yum.conf", "baseurl": "http://inline.example/",
     "mirrorlist": None, "metalink": None, "enabled": None, "gpgcheck": None, "gpgkey": None},
    {"name": "Rocky Linux $releasever - BaseOS", "source": "/etc/yum.repos.d/rocky.repo",
     "baseurl": None,
     "mirrorlist": "https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever",
     "metalink": None, "enabled": "1", "gpgcheck": "1",
     "gpgkey": "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9"},
    {"name": "Rocky Linux $releasever - Extras Debug", "source": "/etc/yum.repos.d/rocky.repo",
     "baseurl": "http://one.example/os/ http://two.example/os/", "mirrorlist": None,
     "metalink": "https://mirrors.example/metalink?repo=extras-debug", "enabled": "0",
     "gpgcheck": None, "gpgkey": None},
    {"name": None, "source": "/opt/repos/extra.repo", "baseurl": None, "mirrorlist": None,
     "metalink": None, "enabled": "1", "gpgcheck": None, "gpgkey": None},
]  # fmt: skip


def test_rows(root: Path) -> None:
    assert run_table(yum_sources, root=root) == ROWS


def test_broken_file_warns_and_the_rest_is_read(root: Path) -> None:
    engine = engine_for(yum_sources, root=root)
    assert len(engine.execute("select * from yum_sources").rows) == 4
    assert len(engine.env.warnings) == 1
    assert engine.env.warnings[0].startswith("yum_sources: skipped /etc/yum.repos.d/broken.repo")
    engine.close()


def test_default_reposdir_without_yum_conf(root: Path) -> None:
    (root / "etc" / "yum.conf").unlink()
    rows = run_table(yum_sources, root=root, columns="source")
    assert [r["source"] for r in rows] == ["/etc/yum.repos.d/rocky.repo"] * 2


def test_no_yum_means_no_rows(tmp_path: Path) -> None:
    assert run_table(yum_sources, root=tmp_path) == []

"""setid: the walk osquery's recursive_directory_iterator makes over its fixed roots."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host


def test_depth_first_and_links(tmp_path: Path) -> None:
    top = tmp_path / "sbin"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "deep").write_text("")
    (top / "a" / "b" / "deep").chmod(0o4755)
    (top / "a" / "after").write_text("")
    (top / "a" / "after").chmod(0o2755)
    (top / "plain").write_text("")
    (top / "sticky").write_text("")
    (top / "sticky").chmod(0o1755)
    (top / "link").symlink_to("a/after")
    (top / "dirlink").symlink_to("a")
    (tmp_path / "bin").symlink_to("sbin")
    found = list(Host(tmp_path).setid.files(("/bin", "/missing")))
    paths = {f.path for f in found}
    assert paths == {"/bin/a/b/deep", "/bin/a/after", "/bin/link"}
    # The link to a directory is not walked (no /bin/dirlink/...), sticky-only files are skipped.
    assert {f.mode & 0o6000 for f in found} == {0o4000, 0o2000}
    assert len(found) == 3

"""The filesystem config plugin: the config file, its .d directory and pack files."""

from __future__ import annotations

import glob
import os

from hostql.daemon.config.model import Config, ConfigSource
from hostql.daemon.config.parse import parse_sources
from hostql.errors import ConfigError


def read_filesystem_sources(config_path: str) -> list[ConfigSource]:
    """The config file and every <config_path>.d/*.conf, one source each, in path order."""
    if not os.path.isfile(config_path):
        raise ConfigError(f"config file does not exist: {config_path}")
    pattern = os.path.join(glob.escape(config_path + ".d"), "*.conf")
    paths = [path for path in glob.glob(pattern) if os.path.isfile(path)]
    paths.append(config_path)
    # osquery keys sources by path in a sorted map: the main file sorts before its .d files.
    return [ConfigSource(path, _read_text(path)) for path in sorted(paths)]


class FilesystemPacks:
    """Pack files named by a config's "packs" strings; relative paths start at base_dir."""

    def __init__(self, base_dir: str | None = None) -> None:
        # None: the working directory, against which osquery resolves relative pack paths.
        self.base_dir = base_dir

    def read(self, path: str) -> str:
        """The text of a pack file; ConfigError if it is not a readable regular file."""
        full = self._absolute(path)
        if not os.path.isfile(full):
            raise ConfigError(f"{path} is not a valid path")
        return _read_text(full)

    def glob(self, pattern: str) -> list[str]:
        """The pack files a "*" pattern matches, sorted ('%' works as '*', '%%' as '**')."""
        translated = self._absolute(pattern.replace("%", "*"))
        matches = glob.glob(translated, recursive="**" in translated)
        return sorted(path for path in matches if os.path.isfile(path))

    def _absolute(self, path: str) -> str:
        if self.base_dir is None:
            return path
        return os.path.join(self.base_dir, path)


def load_filesystem_config(
    config_path: str, *, schedule_default_interval: int = 3600, base_dir: str | None = None
) -> Config:
    """Read and parse a filesystem config with its pack files; ConfigError if it is bad."""
    packs = FilesystemPacks(base_dir)
    return parse_sources(
        read_filesystem_sources(config_path),
        resolve_pack=packs.read,
        glob_packs=packs.glob,
        schedule_default_interval=schedule_default_interval,
    )


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return data.decode("utf-8", errors="replace")

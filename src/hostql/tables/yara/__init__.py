"""YARA tables, and the config's "yara" section they read.

Until the daemon's config model carries it, the section is installed with
``set_yara_config({"signatures": {"group": ["/path/rules.yar"]}, "signature_urls": [...]})``;
the daemon will call it on each config update.
"""

from __future__ import annotations

from hostql.tables.yara.signatures import set_yara_config, yara_config

__all__ = ["set_yara_config", "yara_config"]

"""A config extension built with the osquery-python SDK: plugin hostql_test_config.

Its config schedules `ext_config_probe` every second and sets the option
`custom_from_extension`; HOSTQL_EXT_QUERY replaces the scheduled query.
"""

import json
import os

import osquery


@osquery.register_plugin
class TestConfig(osquery.ConfigPlugin):
    def name(self):
        return "hostql_test_config"

    def content(self):
        query = os.environ.get("HOSTQL_EXT_QUERY", "select 42 as answer")
        return [
            {
                "hostql_extension": json.dumps(
                    {
                        "options": {"custom_from_extension": "yes"},
                        "schedule": {"ext_config_probe": {"query": query, "interval": 1}},
                    }
                )
            }
        ]


if __name__ == "__main__":
    osquery.start_extension(name="hostql_test_config_ext", version="1.0.0")

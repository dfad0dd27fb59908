"""A table extension built with the osquery-python SDK, unchanged by hostql's needs.

Table ext_things (pid INTEGER, label TEXT): this process, pid 1 and a pid nobody has. With
HOSTQL_EXT_RECORD set, each generate call's context is appended to that file as a JSON line.
Run as `python ext_table.py --socket PATH [--timeout N] [--interval N]`; HOSTQL_EXT_NAME
renames the extension (registrations must have unique names).
"""

import json
import os

import osquery

RECORD = os.environ.get("HOSTQL_EXT_RECORD", "")


@osquery.register_plugin
class ThingsTable(osquery.TablePlugin):
    def name(self):
        return os.environ.get("HOSTQL_EXT_TABLE", "ext_things")

    def columns(self):
        return [
            osquery.TableColumn(name="pid", type=osquery.INTEGER),
            osquery.TableColumn(name="label", type=osquery.STRING),
        ]

    def generate(self, context):
        if RECORD:
            with open(RECORD, "a") as handle:
                handle.write(json.dumps(context) + "\n")
        return [
            {"pid": os.getpid(), "label": "self"},
            {"pid": 1, "label": "init"},
            {"pid": 999999999, "label": "nobody"},
        ]


if __name__ == "__main__":
    osquery.start_extension(
        name=os.environ.get("HOSTQL_EXT_NAME", "hostql_test_tables"), version="1.2.3"
    )

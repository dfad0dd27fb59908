"""A logger extension built with the osquery-python SDK: plugin hostql_test_logger.

Every request the core sends it is appended to HOSTQL_EXT_RECORD as a JSON line before the
SDK's own routing answers it (osquery-python answers status logs "Use Glog for status
logging", which is the SDK's choice, not a failure of the core).
"""

import json
import os

import osquery
from osquery.extensions.ttypes import ExtensionStatus

RECORD = os.environ.get("HOSTQL_EXT_RECORD", "")


@osquery.register_plugin
class RecordingLogger(osquery.LoggerPlugin):
    def name(self):
        return "hostql_test_logger"

    def call(self, context):
        if RECORD:
            with open(RECORD, "a") as handle:
                handle.write(json.dumps(dict(context)) + "\n")
        return super().call(context)

    def log_string(self, value):
        return ExtensionStatus(code=0, message="OK")


if __name__ == "__main__":
    osquery.start_extension(name="hostql_test_logger_ext", version="1.0.0")

"""A 10,000-row table extension (osquery-python SDK) for benchmarks: table bench_rows.

Columns id INTEGER, name TEXT, path TEXT, size INTEGER; HOSTQL_BENCH_ROWS changes the row
count. Rows are built once at start so a query measures the transport, not the generator.
Start it with `python ext_bench_table.py --socket <extensions_socket>` once the core runs,
or see hostql.extensions benchmarks helper `bench_rows_extension` in tests' conftest.
"""

import os

import osquery

ROWS = [
    {"id": str(i), "name": f"row{i}", "path": f"/bench/{i % 97}/{i}", "size": str(i * 7)}
    for i in range(int(os.environ.get("HOSTQL_BENCH_ROWS", "10000")))
]


@osquery.register_plugin
class BenchTable(osquery.TablePlugin):
    def name(self):
        return "bench_rows"

    def columns(self):
        return [
            osquery.TableColumn(name="id", type=osquery.INTEGER),
            osquery.TableColumn(name="name", type=osquery.STRING),
            osquery.TableColumn(name="path", type=osquery.STRING),
            osquery.TableColumn(name="size", type=osquery.INTEGER),
        ]

    def generate(self, context):
        return [dict(row) for row in ROWS]


if __name__ == "__main__":
    osquery.start_extension(name="hostql_bench_rows_sdk", version="1.0.0")

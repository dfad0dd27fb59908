"""docker_container_stats: one sample of GET /containers/<id>/stats?stream=false."""

from __future__ import annotations

from hostql.tables.containers.docker_container_stats import docker_container_stats

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"


def test_a_cgroup_v2_sample(docker, query) -> None:
    rows, warnings = query(docker_container_stats, "id = ?", WEB, flags=docker.flags)
    assert rows == [
        {
            "id": WEB,
            "name": "/web",
            "pids": 3,
            "read": 1709402263,
            "preread": 1709402262,
            # One second plus the difference of the nanosecond fields.
            "interval": 1_004_606_652,
            # "read" and "write" entries of every device, case-insensitively.
            "disk_read": 4_428_800,
            "disk_write": 16_384,
            "num_procs": 0,
            "cpu_total_usage": 1223451000,
            "cpu_kernelmode_usage": 421000000,
            "cpu_usermode_usage": 802451000,
            "system_cpu_usage": 9870312340000000,
            "online_cpus": 4,
            "pre_cpu_total_usage": 1223001000,
            "pre_cpu_kernelmode_usage": 420900000,
            "pre_cpu_usermode_usage": 802101000,
            "pre_system_cpu_usage": 9870308330000000,
            "pre_online_cpus": 4,
            "memory_usage": 11726848,
            "memory_cached": 0,
            "memory_inactive_file": 2793472,
            "memory_total_inactive_file": 0,
            "memory_max_usage": 0,
            "memory_limit": 268435456,
            "network_rx_bytes": 195_770,
            "network_tx_bytes": 88_768,
        }
    ]
    assert warnings == []
    assert docker.paths() == [f"/containers/{WEB}/stats?stream=false"]


def test_a_first_cgroup_v1_sample_without_networks(docker, query) -> None:
    rows, _ = query(docker_container_stats, "id = ?", DB[:12], flags=docker.flags)
    assert rows == [
        {
            "id": DB[:12],
            "name": "/db",
            "pids": 7,
            "read": 1709402264,
            # The first sample's preread is Go's zero time (year 1).
            "preread": -62135596800,
            # osquery computes the interval in a wrapping 64-bit long.
            "interval": 8504766842871345152,
            "disk_read": 23552000,
            "disk_write": 81920000,
            "num_procs": 0,
            "cpu_total_usage": 5120000000,
            "cpu_kernelmode_usage": 1200000000,
            "cpu_usermode_usage": 3800000000,
            "system_cpu_usage": 9870316350000000,
            "online_cpus": 2,
            "pre_cpu_total_usage": 0,
            "pre_cpu_kernelmode_usage": 0,
            "pre_cpu_usermode_usage": 0,
            "pre_system_cpu_usage": 0,
            "pre_online_cpus": 0,
            "memory_usage": 98304000,
            "memory_cached": 61440000,
            "memory_inactive_file": 40960000,
            "memory_total_inactive_file": 40960000,
            "memory_max_usage": 120586240,
            "memory_limit": 9223372036854771712,
            "network_rx_bytes": 0,
            "network_tx_bytes": 0,
        }
    ]


def test_several_ids_and_a_failing_one(docker, query) -> None:
    docker.answer(f"/containers/{DB}/stats", 500, b'{"message": "cgroup read failed"}')
    rows, warnings = query(
        docker_container_stats, "id IN (?, ?)", WEB, DB, flags=docker.flags, columns="id, pids"
    )
    assert rows == [{"id": WEB, "pids": 3}]
    assert warnings == [
        f"Docker API GET /containers/{DB}/stats?stream=false: HTTP 500: cgroup read failed"
    ]


def test_a_value_beyond_64_bits_is_null(docker, query) -> None:
    docker.answer(
        "/containers/abc/stats",
        body=b'{"memory_stats": {"limit": 18446744073709551615, "usage": "12"}, "pids_stats": {}}',
    )
    rows, _ = query(
        docker_container_stats,
        "id = 'abc'",
        flags=docker.flags,
        columns="memory_limit, memory_usage, pids, read, interval",
    )
    assert rows == [{"memory_limit": None, "memory_usage": 12, "pids": 0, "read": 0, "interval": 0}]

"""parse_sources: osquery's config text rules, key validation and merging across sources."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from hostql.daemon.config.json_text import MAX_CONFIG_SIZE, load_json
from hostql.daemon.config.model import Config, ConfigSource, Decorators, Pack, ScheduledQuery
from hostql.daemon.config.parse import parse_sources
from hostql.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
MAIN = "/etc/osquery/osquery.conf"


def parse(text: str, **kwargs: Any) -> Config:
    return parse_sources([ConfigSource(MAIN, text)], **kwargs)


def parse_json(document: dict[str, Any], **kwargs: Any) -> Config:
    return parse(json.dumps(document), **kwargs)


def schedule_of(config: Config) -> dict[str, ScheduledQuery]:
    return {q.name: q for pack in config.packs for q in pack.queries}


# --- text rules ----------------------------------------------------------------------------


def test_comment_lines_are_dropped_wherever_they_are_indented() -> None:
    text = '{\n  // a comment\n# another\n\t  # indented\n  "options": {"verbose": true}\n}\n'
    assert parse(text).options == {"verbose": True}


def test_inline_comments_are_not_comments() -> None:
    with pytest.raises(ConfigError, match=r"^/etc/osquery/osquery.conf:1:19: Extra data$"):
        parse('{"options": {}}   // trailing\n')


def test_error_names_source_line_and_column_of_the_original_file() -> None:
    lines = ["{"] + ["  // padding comment"] * 10 + ['  "a": 1', '    "b": 2', "}"]
    with pytest.raises(ConfigError) as caught:
        parse_sources([ConfigSource("/etc/hostql/hostql.conf", "\n".join(lines))])
    assert str(caught.value) == "/etc/hostql/hostql.conf:13:5: Expecting ',' delimiter"


def test_error_after_joined_lines_refers_to_the_original_line() -> None:
    text = '{"schedule": {"q": {"query": "select \\\n1", \\\n"interval": 10}},\n "x" 1}'
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert str(caught.value) == f"{MAIN}:4:6: Expecting ':' delimiter"


def test_error_inside_a_joined_line_has_its_original_column() -> None:
    with pytest.raises(ConfigError) as caught:
        parse('{"a": \\\n  1 2}')
    assert str(caught.value) == f"{MAIN}:2:5: Expecting ',' delimiter"


def test_backslash_newline_joins_lines_even_inside_strings() -> None:
    text = '{"schedule": {"q": {"query": "select \\\n1", "interval": 10}}}'
    assert schedule_of(parse(text))["q"].query == "select 1"


def test_a_comment_line_ending_in_backslash_swallows_the_next_line() -> None:
    text = '{\n// comment \\\n"dropped": 1,\n"kept": 2}'
    assert parse(text).extra == {"kept": 2}


def test_error_at_end_of_text_after_trailing_comments() -> None:
    with pytest.raises(ConfigError) as caught:
        parse('{"a": 1,\n# trailing\n')
    assert str(caught.value) == f"{MAIN}:3:1: Expecting property name enclosed in double quotes"


def test_empty_source_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^/etc/osquery/osquery.conf:1:1: Expecting value$"):
        parse("")


def test_trailing_data_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r":1:4: Extra data$"):
        parse("{} {}")


def test_nan_is_not_json() -> None:
    with pytest.raises(ConfigError, match="NaN is not valid JSON"):
        parse('{"a": NaN}')


def test_root_must_be_an_object() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("[1, 2]")
    assert str(caught.value) == f"{MAIN}: The root of the config JSON document has to be an Object"


def test_size_limit_counts_the_stripped_text() -> None:
    padding = "// " + "x" * 1000 + "\n"
    big_comments = padding * (MAX_CONFIG_SIZE // len(padding) + 10) + "{}"
    assert parse(big_comments).packs == ()
    value = "x" * (MAX_CONFIG_SIZE - 20)
    assert load_json('{"a": "' + value + '"}', MAIN)["a"] == value
    with pytest.raises(ConfigError) as caught:
        parse('{"a": "' + "x" * MAX_CONFIG_SIZE + '"}')
    assert str(caught.value) == (
        f"{MAIN}: Error parsing the config JSON: the config size exceeds the limit of 4194304 bytes"
    )


def nested(levels: int) -> str:
    # The root object is level 0; the scalar sits at level levels + 1.
    return '{"a": ' + "[" * levels + "1" + "]" * levels + "}"


def test_nesting_below_32_levels_is_accepted() -> None:
    assert load_json(nested(30), MAIN)["a"] is not None


@pytest.mark.parametrize("levels", [31, 40, 100_000])
def test_nesting_of_32_levels_is_rejected(levels: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(nested(levels))
    assert str(caught.value) == (
        f"{MAIN}: Error validating the config JSON: Configuration has too many nesting levels!"
    )


def test_one_bad_source_fails_the_whole_config() -> None:
    sources = [ConfigSource(MAIN, "{}"), ConfigSource(MAIN + ".d/b.conf", "{")]
    with pytest.raises(ConfigError, match=r"^/etc/osquery/osquery.conf.d/b.conf:1:2: "):
        parse_sources(sources)


# --- scheduled queries ---------------------------------------------------------------------


def test_schedule_becomes_the_main_pack() -> None:
    config = parse_json({"schedule": {"q": {"query": "select 1", "interval": 60}}})
    assert config.packs == (
        Pack(
            name="main",
            queries=(ScheduledQuery(name="q", query="select 1", interval=60, source=MAIN),),
            oncall="unknown",
            source=MAIN,
        ),
    )
    assert config.warnings == ()


@pytest.mark.parametrize(
    ("interval", "expected"),
    [(60, 60), ("120", 120), (604800, 604800), (30.0, 30)],
)
def test_interval_accepts_numbers_and_numeric_strings(interval: Any, expected: int) -> None:
    config = parse_json({"schedule": {"q": {"query": "select 1", "interval": interval}}})
    assert schedule_of(config)["q"].interval == expected


def test_missing_interval_uses_the_schedule_default_interval() -> None:
    document = {"schedule": {"q": {"query": "select 1"}}}
    assert schedule_of(parse_json(document))["q"].interval == 3600
    assert schedule_of(parse_json(document, schedule_default_interval=42))["q"].interval == 42


@pytest.mark.parametrize(
    ("interval", "shown"),
    [(0, "0"), (604801, "604801"), ("abc", "0"), ("-5", "0"), (-5, "-5"), (True, "0"),
     (None, "0"), ([60], "0"), (1.5, "0")],
)  # fmt: skip
def test_invalid_interval_drops_the_query_with_osquerys_warning(interval: Any, shown: str) -> None:
    document = {
        "schedule": {
            "bad": {"query": "select 1", "interval": interval},
            "good": {"query": "select 2", "interval": 10},
        }
    }
    config = parse_json(document)
    assert list(schedule_of(config)) == ["good"]
    assert config.warnings == (f"Query has invalid interval: bad: {shown}",)


def test_empty_query_is_reported_as_an_invalid_interval() -> None:
    config = parse_json({"schedule": {"q": {"query": "", "interval": 10}}})
    assert schedule_of(config) == {}
    assert config.warnings == ("Query has invalid interval: q: 10",)


@pytest.mark.parametrize("entry", [{"interval": 10}, {"query": 5, "interval": 10}])
def test_missing_query_string_drops_the_query(entry: dict[str, Any]) -> None:
    config = parse_json({"schedule": {"q": entry}})
    assert schedule_of(config) == {}
    assert config.warnings == ("No query string defined for query q",)


@pytest.mark.parametrize(
    "name", ["query.x", "cache.x", "config_views.x", "myepoch", "requestcounter", ""]
)
def test_reserved_query_names_are_rejected(name: str) -> None:
    config = parse_json({"schedule": {name: {"query": "select 1", "interval": 10}}})
    assert schedule_of(config) == {}
    assert config.warnings == (f"Invalid query name: {name}",)


def test_names_merely_containing_reserved_words_are_fine() -> None:
    names = ["epoch_times", "counters", "my.query.x", "queryx"]
    document = {"schedule": {n: {"query": "select 1", "interval": 10} for n in names}}
    assert list(schedule_of(parse_json(document))) == names


def test_a_query_that_is_not_an_object_is_dropped() -> None:
    config = parse_json({"schedule": {"q": "select 1", "ok": {"query": "select 1"}}})
    assert list(schedule_of(config)) == ["ok"]
    assert config.warnings == ("The pack main contains an invalid query: q",)


def test_duplicate_query_names_in_a_pack_keep_the_first() -> None:
    text = (
        '{"schedule": {"q": {"query": "select 1", "interval": 10},'
        ' "q": {"query": "select 2", "interval": 20}}}'
    )
    config = parse(text)
    assert schedule_of(config)["q"].query == "select 1"
    assert config.warnings == ("Duplicate query name q in pack main; the first is used",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("T", True), ("TRUE", True),
     ("false", False), ("yes", False), (1, True), (0, False), (None, False)],
)  # fmt: skip
def test_boolean_forms_of_snapshot_removed_denylist(value: Any, expected: bool) -> None:
    entry = {"query": "select 1", "snapshot": value, "removed": value, "denylist": value}
    query = schedule_of(parse_json({"schedule": {"q": entry}}))["q"]
    assert (query.snapshot, query.removed, query.denylist) == (expected, expected, expected)


def test_query_options_and_defaults() -> None:
    entry = {
        "query": "select 1",
        "interval": 10,
        "platform": "linux,darwin",
        "version": "5.0.0",
        "shard": "25",
        "startup_priority": 3,
        "description": "ignored",
        "whatever": [1, 2],
    }
    config = parse_json({"schedule": {"q": entry, "plain": {"query": "select 2"}}})
    queries = schedule_of(config)
    assert queries["q"] == ScheduledQuery(
        name="q",
        query="select 1",
        interval=10,
        platform="linux,darwin",
        version="5.0.0",
        shard=25,
        startup_priority=3,
        source=MAIN,
    )
    plain = queries["plain"]
    assert (plain.snapshot, plain.removed, plain.denylist) == (False, True, True)
    assert (plain.platform, plain.version, plain.shard, plain.startup_priority) == ("", "", 0, None)
    assert config.warnings == ()


def test_non_string_platform_and_version_are_ignored() -> None:
    entry = {"query": "select 1", "platform": ["linux"], "version": 5}
    query = schedule_of(parse_json({"schedule": {"q": entry}}))["q"]
    assert (query.platform, query.version) == ("", "")


@pytest.mark.parametrize("priority", [-1, "high", True, 1.5])
def test_invalid_startup_priority_is_ignored_with_a_warning(priority: Any) -> None:
    config = parse_json({"schedule": {"q": {"query": "select 1", "startup_priority": priority}}})
    assert schedule_of(config)["q"].startup_priority is None
    assert config.warnings == ("Invalid startup_priority for query q: ignored",)


# --- packs -----------------------------------------------------------------------------------


def test_inline_pack_keeps_its_conditions() -> None:
    pack = {
        "platform": "linux",
        "version": "4.0.0",
        "shard": 10,
        "oncall": "secops",
        "discovery": ["select 1", 5, "select 2"],
        "queries": {"q": {"query": "select 3", "interval": 30}},
    }
    (parsed,) = parse_json({"packs": {"p": pack}}).packs
    assert parsed == Pack(
        name="p",
        queries=(ScheduledQuery(name="q", query="select 3", interval=30, pack="p", source=MAIN),),
        discovery=("select 1", "select 2"),
        platform="linux",
        version="4.0.0",
        shard=10,
        oncall="secops",
        source=MAIN,
    )


def test_pack_without_queries_is_kept_empty() -> None:
    config = parse_json({"packs": {"empty": {"platform": "linux"}, "bad": {"queries": []}}})
    assert [(p.name, p.queries) for p in config.packs] == [("empty", ()), ("bad", ())]
    assert config.warnings == ("The pack bad must contain a dictionary of queries",)


def test_pack_with_bad_discovery_type_warns() -> None:
    config = parse_json({"packs": {"p": {"discovery": "select 1", "queries": {}}}})
    assert config.packs[0].discovery == ()
    assert config.warnings == ("The discovery of pack p must be an array of queries",)


@pytest.mark.parametrize("value", [5, [1], None, True])
def test_pack_that_is_not_an_object_is_dropped(value: Any) -> None:
    config = parse_json({"packs": {"p": value, "ok": {"queries": {}}}})
    assert [p.name for p in config.packs] == ["ok"]
    assert config.warnings == ("Error parsing pack: p: the value should be an object",)


def test_resource_pack_is_read_through_resolve_pack() -> None:
    texts = {"/packs/a.conf": '// pack\n{"queries": {"q": {"query": "select 1", "interval": 5}}}'}
    config = parse_json({"packs": {"a": "/packs/a.conf"}}, resolve_pack=texts.__getitem__)
    assert [(p.name, p.source) for p in config.packs] == [("a", MAIN)]
    assert schedule_of(config)["q"].pack == "a"


def refuse(path: str) -> str:
    raise ConfigError(f"{path} is not a valid path")


def test_unreadable_resource_pack_is_a_warning() -> None:
    config = parse_json({"packs": {"a": "/nope.conf", "b": {}}}, resolve_pack=refuse)
    assert [p.name for p in config.packs] == ["b"]
    assert config.warnings == (
        "Error reading the query pack named: a: /nope.conf is not a valid path",
    )


def test_resource_pack_without_a_reader_is_a_warning() -> None:
    config = parse_json({"packs": {"a": "/packs/a.conf"}})
    assert config.packs == ()
    assert config.warnings == ("Error reading the query pack named: a: no pack reader",)


def test_empty_or_malformed_resource_pack_is_a_warning() -> None:
    texts = {"/e.conf": "\n", "/m.conf": '{"queries": {\n  "q" 1}}', "/r.conf": "[]"}
    config = parse_json(
        {"packs": {"e": "/e.conf", "m": "/m.conf", "r": "/r.conf"}},
        resolve_pack=texts.__getitem__,
    )
    assert config.packs == ()
    assert config.warnings == (
        "Error reading the query pack named: e: /e.conf is empty",
        "Error parsing the \"m\" pack JSON: /m.conf:2:7: Expecting ':' delimiter",
        'Error parsing the "r" pack JSON: /r.conf: The root of the config JSON document has '
        "to be an Object",
    )


def test_glob_pack_loads_every_file_named_by_its_stem() -> None:
    texts = {
        "/packs/b.conf": '{"queries": {"q": {"query": "select 2"}}}',
        "/packs/a.conf": '{"queries": {"q": {"query": "select 1"}}}',
        "/packs/bad.conf": "{",
        "/packs/list.conf": "[1]",
    }
    globbed = ["/packs/a.conf", "/packs/b.conf", "/packs/bad.conf", "/packs/list.conf"]
    config = parse_json(
        {"packs": {"*": "/packs/%.conf"}},
        resolve_pack=texts.__getitem__,
        glob_packs=lambda pattern: globbed if pattern == "/packs/%.conf" else [],
    )
    assert [(p.name, p.queries[0].query) for p in config.packs] == [
        ("a", "select 1"),
        ("b", "select 2"),
    ]
    assert config.warnings == (
        "Cannot read multi-pack JSON: /packs/bad.conf: /packs/bad.conf:1:2: Expecting property "
        "name enclosed in double quotes",
        "Cannot read multi-pack JSON: /packs/list.conf: /packs/list.conf: The root of the config "
        "JSON document has to be an Object",
    )


def test_glob_pack_skips_unreadable_files() -> None:
    config = parse_json(
        {"packs": {"*": "/packs/*.conf"}},
        resolve_pack=refuse,
        glob_packs=lambda pattern: ["/packs/a.conf"],
    )
    assert config.packs == ()
    assert config.warnings == (
        "Cannot read multi-pack file: /packs/a.conf: /packs/a.conf is not a valid path",
    )


def test_glob_pack_without_a_glob_reader_is_a_warning() -> None:
    config = parse_json({"packs": {"*": "/packs/*.conf"}}, resolve_pack=refuse)
    assert config.warnings == ("Cannot expand multi-pack pattern: /packs/*.conf",)


def test_inline_star_object_is_a_multi_pack() -> None:
    config = parse_json({"packs": {"*": {"x": {"queries": {}}, "y": 3}}})
    assert [p.name for p in config.packs] == ["x"]
    assert config.warnings == ("Error parsing pack: y: the value should be an object",)


def test_same_pack_name_in_one_source_replaces_the_earlier() -> None:
    document = {
        "schedule": {"a": {"query": "select 1"}},
        "packs": {"main": {"queries": {"b": {"query": "select 2"}}}, "other": {}},
    }
    config = parse_json(document)
    assert [(p.name, [q.name for q in p.queries]) for p in config.packs] == [
        ("main", ["b"]),
        ("other", []),
    ]


def test_each_source_has_its_own_main_pack_and_duplicates_warn() -> None:
    first = ConfigSource(MAIN, '{"schedule": {"q": {"query": "select 1"}}}')
    second = ConfigSource(MAIN + ".d/10.conf", '{"schedule": {"q": {"query": "select 2"}}}')
    config = parse_sources([second, first])
    assert [(p.name, p.source) for p in config.packs] == [
        ("main", MAIN),
        ("main", MAIN + ".d/10.conf"),
    ]
    assert config.warnings == (
        f"Query q of config source {MAIN}.d/10.conf is already scheduled by {MAIN}; "
        "the first is used",
    )


# --- whole keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "warning"),
    [
        ({"schedule": []}, f"Error config schedule should be an object in config source: {MAIN}"),
        ({"schedule": 5}, f"Error config schedule should be an object in config source: {MAIN}"),
        ({"packs": "x"}, f"Error config packs should be an object in config source: {MAIN}"),
        ({"options": 5}, "Error config options should be an array or object"),
        ({"options": []}, f"Error config options should be an object in config source: {MAIN}"),
        ({"views": "x"}, "Error config views should be an array or object"),
        ({"decorators": 1}, "Error config decorators should be an array or object"),
        (
            {"decorators": []},
            "Invalid format for decorators configuration, decorators value must be a JSON object",
        ),
        (
            {"file_paths": []},
            f"Error config file_paths should be an object in config source: {MAIN}",
        ),
        ({"logger": "x"}, "Error config logger should be an array or object"),
    ],
)
def test_bad_type_for_a_whole_key_is_a_warning(document: dict[str, Any], warning: str) -> None:
    assert parse_json(document).warnings == (warning,)


def test_null_keys_are_ignored_silently() -> None:
    keys = ["schedule", "packs", "options", "decorators", "views", "file_paths", "logger"]
    config = parse_json(dict.fromkeys(keys))
    assert config.warnings == ()
    assert config.packs == ()


def test_options_merge_across_sources_later_wins() -> None:
    sources = [
        ConfigSource(MAIN + ".d/20.conf", '{"options": {"b": 3, "c": 4}}'),
        ConfigSource(MAIN, '{"options": {"a": 1, "b": 2}}'),
        ConfigSource(MAIN + ".d/10.conf", '{"options": {"b": "x"}}'),
    ]
    config = parse_sources(sources)
    assert config.options == {"a": 1, "b": 3, "c": 4}
    assert [s.name for s in config.sources] == [MAIN, MAIN + ".d/10.conf", MAIN + ".d/20.conf"]


def test_unknown_keys_warn_and_are_kept_in_extra() -> None:
    document = {"colour": "blue", "auto_table_construction": {"t": {}}, "feature_vectors": {}}
    config = parse_json(document)
    assert config.extra == document
    assert config.warnings == (f"Ignoring unknown config key colour in config source: {MAIN}",)


def test_decorators_merge_and_interval_keys_are_multiples_of_60() -> None:
    first = {
        "decorators": {
            "load": ["select 1 as a", 5],
            "always": ["select 2 as b"],
            "interval": {"120": ["select 3 as c"], "90": ["x"], "0": ["y"], "z": ["w"]},
        }
    }
    second = {
        "decorators": {
            "load": ["select 4 as d"],
            "interval": {"60": ["select 5 as e"], "120": ["select 6 as f"]},
        }
    }
    config = parse_sources(
        [
            ConfigSource(MAIN, json.dumps(first)),
            ConfigSource(MAIN + ".d/a.conf", json.dumps(second)),
        ]
    )
    assert config.decorators == Decorators(
        load=("select 1 as a", "select 4 as d"),
        always=("select 2 as b",),
        interval=((60, ("select 5 as e",)), (120, ("select 3 as c", "select 6 as f"))),
    )
    assert config.warnings == (
        f"Invalid decorator interval rate 90 in config source: {MAIN}",
        f"Invalid decorator interval rate 0 in config source: {MAIN}",
        f"Invalid decorator interval rate z in config source: {MAIN}",
    )


def test_decorator_points_of_the_wrong_type_warn() -> None:
    config = parse_json(
        {"decorators": {"load": "select 1", "always": {}, "interval": {"60": "select 2"}}}
    )
    assert config.decorators == Decorators()
    assert config.warnings == (
        f"Invalid decorator load configuration in config source: {MAIN}",
        f"Invalid decorator always configuration in config source: {MAIN}",
        f"Invalid decorator interval rate 60 configuration in config source: {MAIN}",
    )
    bad_interval = parse_json({"decorators": {"interval": ["select 1"]}})
    assert bad_interval.warnings == (
        f"Invalid decorator interval configuration in config source: {MAIN}",
    )


def test_file_paths_merge_across_sources() -> None:
    first = {
        "file_paths": {"etc": ["/etc/%%", "", 5], "bad": "/x"},
        "file_paths_query": {"bin": ["select path from file where directory = '/bin'"]},
        "file_accesses": ["etc"],
        "exclude_paths": {"etc": ["/etc/skip/%%"], "tmp": ["/tmp/a"]},
    }
    second = {
        "file_paths": {"etc": ["/usr/etc/%%"], "home": ["/home/%/.ssh/%%"]},
        "file_accesses": ["home", "etc"],
        "exclude_paths": {"tmp": ["/tmp/b"]},
    }
    config = parse_sources(
        [
            ConfigSource(MAIN, json.dumps(first)),
            ConfigSource(MAIN + ".d/a.conf", json.dumps(second)),
        ]
    )
    assert config.file_paths == {"etc": ("/etc/%%", "/usr/etc/%%"), "home": ("/home/%/.ssh/%%",)}
    assert config.file_paths_query == {"bin": ("select path from file where directory = '/bin'",)}
    assert config.file_accesses == ("etc", "home")
    assert config.exclude_paths == {"etc": ("/etc/skip/%%",), "tmp": ("/tmp/b",)}
    assert config.warnings == ("Error config file_paths.bad should be an array",)


def test_accesses_and_excludes_need_file_paths_in_the_same_source() -> None:
    config = parse_json({"file_accesses": ["etc"], "exclude_paths": {"etc": ["/etc/x"]}})
    assert (config.file_accesses, config.exclude_paths) == ((), {})
    assert config.warnings == (
        f"Ignoring file_accesses in config source: {MAIN}: it applies only with file_paths or "
        "file_paths_query in the same source",
        f"Ignoring exclude_paths in config source: {MAIN}: it applies only with file_paths or "
        "file_paths_query in the same source",
    )


def test_last_source_with_the_key_wins_for_plugin_objects() -> None:
    first = {
        "views": {"v1": "select 1", "empty": "", "num": 3},
        "events": {"enable_subscribers": ["a", 1], "disable_subscribers": "b"},
        "yara": {"signatures": {"g": ["/a.yar"]}},
        "kafka_topics": {"t": ["q"]},
        "prometheus_targets": {"urls": ["http://x"], "timeout": 5},
        "logger": {"kept": False},
    }
    second = {"views": {"v2": "select 2"}, "logger": {"kept": True}}
    config = parse_sources(
        [
            ConfigSource(MAIN, json.dumps(first)),
            ConfigSource(MAIN + ".d/a.conf", json.dumps(second)),
        ]
    )
    assert config.views == {"v2": "select 2"}
    assert config.events == {"enable_subscribers": ("a",)}
    assert config.yara == {"signatures": {"g": ["/a.yar"]}}
    assert config.kafka_topics == {"t": ["q"]}
    assert config.prometheus_targets == {"urls": ["http://x"], "timeout": 5}
    assert config.logger == {"kept": True}


def test_a_later_source_without_logger_forgets_it_as_osquery_does() -> None:
    config = parse_sources(
        [ConfigSource(MAIN, '{"logger": {"a": 1}}'), ConfigSource(MAIN + ".d/a.conf", "{}")]
    )
    assert config.logger == {}


def test_config_hash_is_sha1_of_the_source_digests_in_name_order() -> None:
    texts = {MAIN: '{"options": {}}', MAIN + ".d/a.conf": "{}\n"}
    config = parse_sources([ConfigSource(n, t) for n, t in reversed(texts.items())])
    digests = "".join(hashlib.sha1(texts[n].encode()).hexdigest() for n in sorted(texts))
    assert config.hash == hashlib.sha1(digests.encode()).hexdigest()
    single = parse_sources([ConfigSource("tls", "{}")])
    assert single.hash == "f80dee827635db39077a458243379b3ad63311fd"


# --- the documented example -------------------------------------------------------------------


def test_documented_osquery_conf_parses_completely() -> None:
    monitoring = (FIXTURES / "osquery-monitoring.conf").read_text()
    packs = {"/usr/share/osquery/packs/osquery-monitoring.conf": monitoring}
    text = (FIXTURES / "osquery.conf").read_text()
    config = parse(text, resolve_pack=packs.__getitem__)

    assert config.warnings == ()
    assert config.options == {
        "config_plugin": "filesystem",
        "logger_plugin": "filesystem",
        "logger_path": "/var/log/osquery",
        "disable_logging": "false",
        "schedule_splay_percent": 10,
        "verbose": False,
        "custom_team": "infra",
    }
    main, monitoring_pack, incident = config.packs
    assert main.queries == (
        ScheduledQuery(
            name="system_info",
            query="SELECT hostname, cpu_brand, physical_memory FROM system_info;",
            interval=3600,
            source=MAIN,
        ),
        ScheduledQuery(
            name="users_snapshot",
            query="SELECT uid, username FROM users;",
            interval=300,
            snapshot=True,
            source=MAIN,
        ),
        ScheduledQuery(
            name="crontab",
            query="SELECT * FROM crontab;",
            interval=3600,
            removed=False,
            denylist=False,
            platform="linux",
            startup_priority=1,
            source=MAIN,
        ),
    )
    assert monitoring_pack.name == "osquery-monitoring"
    assert monitoring_pack.source == MAIN
    assert [
        (q.name, q.interval, q.version, q.removed, q.denylist) for q in monitoring_pack.queries
    ] == [
        ("schedule", 7200, "1.6.0", False, False),
        ("events", 86400, "1.5.3", False, False),
        ("osquery_info", 600, "1.2.2", False, False),
    ]
    assert incident == Pack(
        name="incident-response",
        queries=(
            ScheduledQuery(
                name="open_sockets",
                query=(
                    "SELECT DISTINCT pid, family, protocol, local_address, local_port, "
                    "remote_address, remote_port, path FROM process_open_sockets WHERE path <> '' "
                    "or remote_address <> '';"
                ),
                interval=86400,
                pack="incident-response",
                version="1.4.5",
                source=MAIN,
            ),
        ),
        discovery=("SELECT pid FROM processes WHERE name = 'sshd';",),
        platform="posix",
        version="1.4.5",
        shard=50,
        oncall="unknown",
        source=MAIN,
    )
    assert config.decorators == Decorators(
        load=(
            "SELECT uuid AS host_uuid FROM system_info;",
            "SELECT user AS username FROM logged_in_users ORDER BY time DESC LIMIT 1;",
        ),
        always=("SELECT pid AS osquery_pid FROM osquery_info;",),
        interval=((3600, ("SELECT total_seconds AS uptime FROM uptime;",)),),
    )
    assert config.file_paths == {
        "homes": ("/root/.ssh/%%", "/home/%/.ssh/%%"),
        "etc": ("/etc/%%",),
        "tmp": ("/tmp/%%",),
    }
    assert config.exclude_paths == {
        "homes": ("/home/not_to_monitor/.ssh/%%",),
        "tmp": ("/tmp/too_many_events/",),
    }
    assert config.file_accesses == ("etc", "homes")
    assert config.extra == {}
    assert config.sources == (ConfigSource(MAIN, text),)
    assert config.hash == hashlib.sha1(hashlib.sha1(text.encode()).hexdigest().encode()).hexdigest()

"""Entry points: hostqli (shell), hostqld (daemon), and the hostql umbrella command."""

from __future__ import annotations

import os
import sys

from hostql.errors import HostqlError

_DEFAULT_FLAGFILE = "/etc/hostql/hostql.flags.default"
_HELP_WORDS = {"--help", "-help", "-h", "--h"}


def _version() -> str:
    from hostql import __version__

    return __version__


def usage(program: str, shell: bool) -> str:
    """osquery-style --help text: a description, usage line and the flags by kind."""
    from hostql.flags import FlagKind, registry

    lines = [
        f"hostql {_version()}, your OS as a high-performance relational database",
        f"Usage: {program} [OPTION]... " + ("[SQL STATEMENT]" if shell else ""),
        "",
    ]
    groups = [
        ("hostql command line flags:", FlagKind.CLI),
        ("hostql configuration options (set by config or CLI flag):", FlagKind.OPTION),
    ]
    if shell:
        groups.append(("hostql shell-only CLI flags:", FlagKind.SHELL))
    for title, kind in groups:
        lines.append(title)
        for flag in registry():
            if flag.kind is kind and len(flag.name) > 1:
                value = flag.type.value if flag.type.value != "string" else "VALUE"
                left = f"    --{flag.name}" + ("" if value == "bool" else f" {value}")
                lines.append(f"{left:<42} {flag.description}")
        lines.append("")
    return "\n".join(lines)


def _parse(argv: list[str], shell: bool):  # type: ignore[no-untyped-def]
    from hostql.flags import default_values, parse_args, read_flagfile

    values = default_values()
    if shell:
        # osqueryi: events off unless asked for, a shell-friendly default database.
        values.set("disable_events", True, "shell default")
    if not any(a.lstrip("-").startswith("flagfile") for a in argv) and os.access(
        _DEFAULT_FLAGFILE, os.R_OK
    ):
        read_flagfile(_DEFAULT_FLAGFILE, values)
    positional = parse_args(argv, values)
    return values, positional


def shell_main(argv: list[str] | None = None) -> int:
    """hostqli: the interactive and one-shot SQL shell (osqueryi-compatible)."""
    argv = sys.argv[1:] if argv is None else argv
    if any(a in _HELP_WORDS for a in argv):
        print(usage("hostqli", shell=True))
        return 0
    try:
        values, positional = _parse(argv, shell=True)
        from hostql.shell import main as run_shell

        return run_shell(values, positional)
    except HostqlError as exc:
        print(f"hostqli: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and friends: not an error worth a traceback.
        sys.stderr.close()
        return 0


def daemon_main(argv: list[str] | None = None) -> int:
    """hostqld: the scheduling daemon."""
    argv = sys.argv[1:] if argv is None else argv
    if any(a in _HELP_WORDS for a in argv):
        print(usage("hostqld", shell=False))
        return 0
    try:
        values, positional = _parse(argv, shell=False)
        if positional:
            print(f"hostqld: unexpected argument {positional[0]!r}", file=sys.stderr)
            return 1
        try:
            from hostql.daemon import main as run_daemon
        except ImportError:
            print("hostqld: the daemon is not part of this build yet; use hostqli", file=sys.stderr)
            return 1
        return int(run_daemon(values, argv))
    except HostqlError as exc:
        print(f"hostqld: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # the last resort: one line, never a traceback in the logs
        if "--verbose" in argv:
            import traceback

            traceback.print_exc()
        print(f"hostqld: fatal: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 78


def tables_main(argv: list[str]) -> int:
    """hostql tables [PREFIX]: list the tables, plugins' included."""
    from hostql.registry import default_registry

    prefix = argv[0] if argv else ""
    for name in default_registry().names():
        if name.startswith(prefix):
            print(name)
    return 0


_COMMANDS = {
    "shell": shell_main,
    "daemon": daemon_main,
    "tables": tables_main,
}


def main(argv: list[str] | None = None) -> int:
    """hostql SUBCOMMAND: shell | daemon | tables | version."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in _HELP_WORDS:
        print("usage: hostql {shell|daemon|tables|version} [ARGS]...")
        return 0 if argv else 1
    command, rest = argv[0], argv[1:]
    if command == "version":
        print(f"hostql {_version()}")
        return 0
    runner = _COMMANDS.get(command)
    if runner is None:
        print(
            f"hostql: unknown command {command!r} (shell, daemon, tables, version)", file=sys.stderr
        )
        return 1
    return runner(rest)

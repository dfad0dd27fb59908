"""Run every benchmarks/bench_*.py in its own process and print a table of the ratios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the benchmarks named in argv (all if none) and print the summary table."""
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(a in s.stem for a in argv)]
    results = []
    failed = 0
    for script in scripts:
        print(f"# {script.stem}", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, cwd=here.parent
        )
        if proc.returncode != 0:
            failed += 1
            print(
                f"{script.stem}: failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr
            )
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                results.append(json.loads(line))
    header = f"{'benchmark':44} {'hostql':>10} {'reference':>10} {'ratio':>7} {'target':>8}  met"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['name']:44} {r['hostql']:>10.4f} {r['reference']:>10.4f} {r['ratio']:>7.2f} "
            f"{r['target']:>8}  {'yes' if r['met'] else 'NO'}"
        )
        if r.get("note"):
            print(f"{'':44}   reference: {r['reference_name']}; {r['note']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

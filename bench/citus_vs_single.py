"""Citus cluster vs single server: tenant reads, the fleet migration at head, provisioning.

Runs bench/tenant_read.py, bench/migrate_at_head.py and bench/provisioning.py twice
in one run, first on the single server (SMARTCITY_TEST_DATABASE_URL, as the other
benchmarks), then on a Citus cluster on this machine (tools/citus/cluster.sh under
var/citus: a coordinator and two workers sharing the same cores), and prints the
ratios. Each script makes and drops its own database (on every node on Citus, see
bench/_common.py); the cluster is started if it is down and stopped at the end if
this script started it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "tools" / "citus" / "cluster.sh"
PYTHON = sys.executable

GOAL_READ_RATIO = 0.7
GOAL_MIGRATE_S = 10.0
GOAL_PROVISION_RATIO = 2.0

# What each script prints, and the figure it is read from.
READ = re.compile(r"^  A .*?(\d+) req/s", re.M)
MIGRATE = re.compile(r"^RESULT migrate_fleet \(in process\) median ([\d.]+) s", re.M)
PROVISION = re.compile(r"^RESULT p50 ([\d.]+) ms", re.M)


def run(script: str, args: list[str], env: dict[str, str], label: str) -> str:
    print(f"--- {label}: {script} {' '.join(args)}", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = result.stdout + result.stderr
    for line in out.splitlines():
        if line.startswith(("RESULT", "  A ", "  B ", "  p50")):
            print(f"    {line.strip()}")
    print(f"    ({time.monotonic() - started:.0f} s, exit {result.returncode})", flush=True)
    if result.returncode != 0:
        print(out[-3000:], file=sys.stderr)
        raise SystemExit(f"{script} failed on {label}")
    return out


def figure(pattern: re.Pattern[str], text: str, what: str) -> float:
    match = pattern.search(text)
    if match is None:
        raise SystemExit(f"no {what} in the output")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5440, help="the coordinator's port")
    parser.add_argument("--rounds", default="5")
    parser.add_argument("--requests", default="2000")
    parser.add_argument("--tenants", default="500", help="of the fleet migration")
    parser.add_argument("--provision", default="30", help="tenants provisioned")
    args = parser.parse_args()
    data = ROOT / "var" / "citus"
    data.mkdir(parents=True, exist_ok=True)
    was_up = (data / f"n{args.port}" / "postmaster.pid").exists()
    subprocess.run(["bash", str(CLUSTER), "start", str(data), str(args.port)], check=True)
    single = {k: v for k, v in os.environ.items() if k != "SMARTCITY_TEST_CITUS_WORKERS"}
    cluster = {
        **single,
        "SMARTCITY_TEST_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{args.port}/postgres",
        "SMARTCITY_TEST_CITUS_WORKERS": f"127.0.0.1:{args.port + 1},127.0.0.1:{args.port + 2}",
    }
    figures: dict[str, dict[str, float]] = {"single": {}, "citus": {}}
    envs = (("single", single), ("citus", cluster))
    # Each figure on both back to back, so load drift weighs on both sides.
    steps = (
        ("read", READ, "tenant_read.py", ["--rounds", args.rounds, "--requests", args.requests]),
        ("provision", PROVISION, "provisioning.py", ["--tenants", args.provision]),
        ("migrate", MIGRATE, "migrate_at_head.py", ["--tenants", args.tenants, "--runs", "3"]),
    )
    try:
        for key, pattern, script, script_args in steps:
            for label, env in envs:
                figures[label][key] = figure(pattern, run(script, script_args, env, label), key)
    finally:
        if not was_up:
            subprocess.run(["bash", str(CLUSTER), "stop", str(data)], check=False)
    s, c = figures["single"], figures["citus"]
    read_ratio = c["read"] / s["read"]
    provision_ratio = c["provision"] / s["provision"]
    print()
    print(f"tenant read (arm A)       single {s['read']:7.0f} req/s   citus {c['read']:7.0f} req/s")
    print(
        f"fleet migration at head   single {s['migrate']:7.3f} s       citus {c['migrate']:7.3f} s"
        f"   ({args.tenants} tenants)"
    )
    print(
        f"provisioning p50          single {s['provision']:7.1f} ms      "
        f"citus {c['provision']:7.1f} ms"
    )
    verdict = {True: "MET", False: "NOT MET"}
    print(
        f"RESULT read throughput citus/single {read_ratio:.3f}; goal >= {GOAL_READ_RATIO}: "
        f"{verdict[read_ratio >= GOAL_READ_RATIO]}"
    )
    print(
        f"RESULT fleet migration of {args.tenants} tenants at head on citus {c['migrate']:.3f} s; "
        f"goal < {GOAL_MIGRATE_S:.0f} s: {verdict[c['migrate'] < GOAL_MIGRATE_S]}"
    )
    print(
        f"RESULT provisioning p50 citus/single {provision_ratio:.2f}; goal < "
        f"{GOAL_PROVISION_RATIO:.0f}: {verdict[provision_ratio < GOAL_PROVISION_RATIO]}"
    )


if __name__ == "__main__":
    main()

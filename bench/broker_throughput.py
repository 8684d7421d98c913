"""Benchmark: how fast one worker drains the embedded broker, beside Redis, in one run.

For each broker, a worker started as scripts/run.sh starts it (prefork, concurrency 2) and
three producer processes send TASKS trivial probe tasks in all while it consumes; the rate is
tasks run per second from the producers' start to the last task run. The goal: the embedded
broker drains at least 0.2x what the same worker drains from Redis. Prints both rates and the
ratio beside its goal, and exits 1 when it misses (or when a task was lost or repeated).

    .venv/bin/python bench/broker_throughput.py --redis-url redis://127.0.0.1:6379/1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from health.broker_check import environment, run_load  # noqa: E402

GOAL = 0.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--redis-url", default=None, help="default: REDIS_URL")
    arguments = parser.parse_args()
    import os

    redis_url = arguments.redis_url or os.environ.get("REDIS_URL", "")
    if not redis_url:
        print("Give --redis-url (or REDIS_URL): the ratio needs Redis in the same run.")
        return 2
    share = arguments.tasks // 3
    producers = {"web": share, "beat": share, "command": arguments.tasks - 2 * share}
    rates, ok = {}, True
    with tempfile.TemporaryDirectory(prefix="bpo-broker-bench-") as scratch:
        for broker in ("redis", "embedded"):
            folder = Path(scratch) / broker
            env = environment(broker=broker, folder=folder, redis_url=redis_url)
            result = run_load(env=env, folder=folder, producers=producers, timeout=600)
            rates[broker] = result.rate
            print(
                f"{broker:>8}: {len(result.tokens)} of {result.sent} tasks in "
                f"{result.seconds:.1f} s = {result.rate:.0f} tasks/s "
                f"(lost {result.lost}, duplicated {result.duplicated})"
            )
            if result.lost or result.duplicated or result.worker_exit is not None:
                print(f"FAIL {broker}: lost, repeated or worker exited\n{result.worker_log}")
                ok = False
    ratio = rates["embedded"] / rates["redis"] if rates["redis"] else 0.0
    verdict = "PASS" if ratio >= GOAL else "FAIL"
    print(f"{verdict} embedded / redis = {ratio:.2f} (goal >= {GOAL})")
    return 0 if ok and ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())

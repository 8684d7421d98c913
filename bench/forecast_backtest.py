"""The go-live forecast against what really happened, on simulated engagements (issue 19).

    .venv/bin/python bench/forecast_backtest.py [--engagements 500] [--seed 19]

This bench measures accuracy, not speed, so the HTTP rule of bench/README.md does not apply:
the forecast is pure arithmetic (``forecast.model``) and the histories are simulated
(``forecast.backtest``, seeded). Its floor is the naive forecast, "the plan's current date"
(the target moved by the last approved gate's slip, never before today). It prints the mean
absolute error in days at 25%, 50% and 75% of the go-live plan done, beside the naive one,
and the share of true go-lives inside the 80% interval; it exits non-zero when the forecast's
error does not shrink as the engagement progresses or does not beat the naive one at 50%.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecast.backtest import CHECKPOINTS, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=500)
    parser.add_argument("--seed", type=int, default=19)
    arguments = parser.parse_args()
    started = time.perf_counter()
    result = run(engagements=arguments.engagements, seed=arguments.seed)
    took = time.perf_counter() - started
    print(f"{result.engagements} synthetic engagements (seed {arguments.seed}), {took:.1f} s")
    print(
        f"{'plan done':>10} {'forecast MAE':>13} {'naive MAE':>10} {'ratio':>6} {'80% cover':>10}"
    )
    for checkpoint in CHECKPOINTS:
        model, naive = result.model_error[checkpoint], result.naive_error[checkpoint]
        print(
            f"{checkpoint:>10.0%} {model:>11.1f} d {naive:>8.1f} d {model / naive:>6.2f}"
            f" {result.coverage[checkpoint]:>10.0%}"
        )
    if result.failures:
        for failure in result.failures:
            print(f"FAIL: {failure}")
        return 1
    print("OK: the error shrinks as the engagement progresses and beats the plan's date at 50%")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Recovery figures of fleet benchmark runs, from their per-second series (`--raw` of
benches/fleet.rs): the steady rate before the outage, the rate during it, and after it how long
until the fleet's rate is back at the steady mean *and stays there*, and how much it swings.

Usage: fleet_report.py LABEL=RUN.json:STEADY_FROM:OUTAGE_START:OUTAGE_END [...]
(seconds since the start). Prints a Markdown table, one row per run.

"Settled" is the first second after the outage from which every trailing 60-s rate, to the end of
the run, stays within ±50 % of the steady mean: a fleet that comes back in step swings between
bursts and silence with its polling period and never settles.
"""

import json
import statistics
import sys


def minute_rates(seconds, start, end):
    return [sum(seconds[i : i + 60]) / 60 for i in range(start, end - 59, 60)]


def figures(path, steady_from, outage_start, outage_end):
    rows = json.load(open(path))["seconds"]
    calls = [r[1] for r in rows]
    t429 = [r[2] for r in rows]
    t5xx = [r[3] for r in rows]
    end = len(calls)
    steady = calls[steady_from:outage_start]
    mean = sum(steady) / len(steady)
    outage = calls[outage_start:outage_end]
    after = calls[outage_end:end]
    trailing = [sum(calls[s - 60 : s]) / 60 for s in range(outage_end + 60, end + 1)]
    settled = None
    for i in range(len(trailing)):
        if all(0.5 * mean <= r <= 1.5 * mean for r in trailing[i:]):
            settled = i + 60
            break
    before_minutes = minute_rates(calls, steady_from, outage_start)
    after_minutes = minute_rates(calls, outage_end, end)
    cv = lambda xs: statistics.pstdev(xs) / statistics.mean(xs) if xs and statistics.mean(xs) else float("nan")
    return {
        "mean": mean,
        "steady_peak": max(steady),
        "outage_mean": sum(outage) / len(outage),
        "outage_peak": max(outage),
        "outage_5xx": sum(t5xx[outage_start:outage_end]),
        "outage_429": sum(t429[outage_start:outage_end]),
        "after_mean": sum(after) / len(after),
        "after_peak": max(after[:600]),
        "settled": settled,
        "min_minute": min(after_minutes),
        "max_minute": max(after_minutes),
        "cv_before": cv(before_minutes),
        "cv_after": cv(after_minutes),
        "calls_429": sum(t429),
    }


def main():
    print(
        "| run | steady mean / s | outage mean / s (× steady) | outage peak 1-s | 5xx in outage | 429 in outage "
        "| after: peak 1-s in 10 min (× steady) | after: slowest / busiest minute, per s | minute-to-minute swing (CV) before → after "
        "| after: settled within ±50 % |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for arg in sys.argv[1:]:
        label, spec = arg.split("=", 1)
        path, a, b, c = spec.rsplit(":", 3)
        f = figures(path, int(a), int(b), int(c))
        settled = f"{f['settled']} s after the outage" if f["settled"] is not None else "not within the run"
        print(
            f"| {label} | {f['mean']:.2f} | {f['outage_mean']:.1f} ({f['outage_mean'] / f['mean']:.1f}×) | {f['outage_peak']} "
            f"| {f['outage_5xx']} | {f['outage_429']} | {f['after_peak']} ({f['after_peak'] / f['mean']:.1f}×) "
            f"| {f['min_minute']:.1f} / {f['max_minute']:.1f} | {f['cv_before']:.2f} → {f['cv_after']:.2f} | {settled} |"
        )


if __name__ == "__main__":
    main()

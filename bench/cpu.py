"""A fixed pure-Python workload, timed: how fast this machine's CPU is right now.

The same code and data gave different page times on different days here (a busy host can
halve the CPU's speed while the load average stays at 1). The benchmarks time this before
and after their pages and print it beside the results: a reference that moves a lot within
a run flags an unsteady machine. It is a warning, not a conversion factor (see
bench/README.md for comparing two commits)."""

import time


def _workload() -> int:
    total, table = 0, {}
    for i in range(200_000):
        key = f"k{i % 997}"
        table[key] = table.get(key, 0) + i
        total += len(key)
    return total + sum(table.values())


def reference_ms(rounds: int = 5) -> float:
    """The fastest of ``rounds`` runs of the workload, in milliseconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        _workload()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)

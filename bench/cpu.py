"""A fixed pure-Python workload, timed: how fast this machine's CPU is right now.

The same code and data give different page times on different days here (a busy host can
halve the CPU's speed while the load average stays at 1). The benchmarks time this before
and after their pages and print it beside the results, so that two runs can be compared:
if the reference took twice as long, the pages did too."""

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

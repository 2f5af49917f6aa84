"""Dashboard benchmark: the chair's dashboard uncached and cached, and the quarterly workbook.

    python bench/dashboard.py                        # 100,000 issues, PostgreSQL and SQLite
    python bench/dashboard.py --sizes 2000 --repeat 5 --backends sqlite     # a smoke test

For each backend and size it builds a database with ``manage.py migrate`` and ``load_demo``
through bench/run.py's ``Target`` (same environment scrubbing, same loading, VACUUM ANALYZE on
PostgreSQL), then runs ``bench/dashboard.py measure`` in a fresh process against it:

- the chair's dashboard (``/dashboard/``, the current quarter) uncached: before each request
  every cached figure is thrown away (``ledger_version.changed_everything``), so every figure
  is recomputed; the working-day calendar stays warm, as in a running server;
- the same page cached;
- the same page after a change (``overview_after_write``): before each request the cells a
  typical change touches get new versions (an issue raised this quarter, in one department,
  changed today: ``ledger_version.changed_cells``), so the figures of this quarter and of the
  present are recomputed and the trend's other quarters and the previous quarter are not;
  and after a progress note (``overview_after_progress_note``: no fact of the issue changed,
  only the instructions awaiting an answer are recomputed, and the page's HTML);
- the department dashboard, uncached and cached, for a department head (for information),
  and after a change of an issue of another department (``department_after_other_write``:
  only the district's figures beside the department's are recomputed);
- the quarterly workbook of the last full quarter, once (``/dashboard/report.xlsx``).

Whole requests through ``django.test.Client`` (middleware, session, queries, templates), medians
over ``--repeat`` requests after two warm-up requests. Results go to ``<out>/results.md`` and
``results.json``. The databases are bench/run.py's (bench/databases.py: one per size, named
from ``BENCH_PG``), reused with ``--keep-db``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402

# ms, median, PostgreSQL 100k: issue 15's targets for the chair's dashboard.
TARGETS = {"overview_uncached": 150, "overview_cached": 30}
WORKBOOK_TARGET_S = 20
TARGET_SIZE, TARGET_BACKEND = 100_000, "postgres"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    measure = sub.add_parser("measure", help="(internal) time the pages of this database")
    measure.add_argument("--out", required=True)
    measure.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--pg-url", default=databases.base_url(), help="base URL (BENCH_PG)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep-db", action="store_true", help="reuse a database of that size")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "dashboard"))
    args = parser.parse_args(argv)
    if args.command == "measure":
        return args
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.out = Path(args.out).resolve()
    args.enterprises = 0  # what bench/run.py's Target expects
    return args


# --- In the measuring process -------------------------------------------------------------


def _timed(client, url, *, before=None, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, size = [], 0, 0
    for _ in range(2):  # warm-up
        if before:
            before()
        assert client.get(url).status_code == 200, url
    slowest = []
    for _ in range(repeat):
        if before:
            before()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
        queries, size = len(ctx.captured_queries), len(response.content)
        slowest = sorted(
            ((float(q["time"]) * 1000, q["sql"][:160]) for q in ctx.captured_queries),
            reverse=True,
        )[:6]
    times.sort()
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "min_ms": round(times[0], 1),
        "queries": queries,
        "bytes": size,
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql} for ms, sql in slowest],
    }


def measure(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")
    # The workbook is timed as a request builds it (the job's builder runs the same code): a
    # quarter above EXPORT_IMMEDIATE_MAX_ROWS would otherwise get the page offering a job.
    os.environ.setdefault("EXPORT_IMMEDIATE_MAX_ROWS", str(10**9))
    # What a recomputation costs: the fresh window (DASHBOARD_FRESH_SECONDS, 20 s in
    # production) would serve the kept figures after a change, and "uncached" would time the
    # cache instead.
    os.environ["DASHBOARD_FRESH_SECONDS"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from departments.models import Department, DepartmentMembership
    from issues.models import Issue
    from roundtable.accounts import roles
    from roundtable.accounts.models import User
    from roundtable.dashboard import kpis, reports
    from roundtable.lib import ledger_version

    chair = User.objects.get(username="chair")
    client = Client()
    client.force_login(chair)
    head = DepartmentMembership.objects.current().heads().select_related("user").first().user
    head_client = Client()
    head_client.force_login(head)
    # A department whose changes the head's page does not count (only the district's beside).
    other = Department.objects.exclude(pk__in=roles.department_ids(head)).order_by("pk").first()
    today = timezone.localdate()

    def write_in(department, *, facts=True):
        cells = ledger_version.changed_cells([today], [department.pk], facts=facts)
        return lambda: ledger_version.bump(cells)

    everything = ledger_version.changed_everything
    from bench import cpu

    cpu_start = cpu.reference_ms()
    result = {
        "issues": Issue.objects.count(),
        "vendor": connection.vendor,
        "pages": {
            "overview_uncached": _timed(
                client, "/dashboard/", before=everything, repeat=args.repeat
            ),
            "overview_cached": _timed(client, "/dashboard/", repeat=args.repeat),
            "overview_after_write": _timed(
                client, "/dashboard/", before=write_in(other), repeat=args.repeat
            ),
            "overview_after_progress_note": _timed(
                client, "/dashboard/", before=write_in(other, facts=False), repeat=args.repeat
            ),
            "department_uncached": _timed(
                head_client, "/dashboard/department/", before=everything, repeat=args.repeat
            ),
            "department_cached": _timed(head_client, "/dashboard/department/", repeat=args.repeat),
            "department_after_other_write": _timed(
                head_client, "/dashboard/department/", before=write_in(other), repeat=args.repeat
            ),
        },
    }
    result["cpu_reference_ms"] = {"start": cpu_start, "end": cpu.reference_ms()}
    pages = result["pages"]
    for page in ("overview", "department"):
        if pages[f"{page}_uncached"]["queries"] <= pages[f"{page}_cached"]["queries"]:
            raise SystemExit(f"dashboard bench: the uncached {page} was served from the cache")
    # The workbook of the last full quarter, from a cold cache.
    period = kpis.current_quarter().previous()
    everything()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(f"/dashboard/report.xlsx?period={period.key}")
        body = b"".join(response.streaming_content)
        seconds = time.perf_counter() - started
    assert response.status_code == 200
    result["workbook"] = {
        "period": period.key,
        "seconds": round(seconds, 2),
        "queries": len(ctx.captured_queries),
        "bytes": len(body),
        "ledger_rows": reports.quarter_ledger(period).count(),
        "today": timezone.localdate().isoformat(),
    }
    Path(args.out).write_text(json.dumps(result, indent=2))


# --- The driver ---------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def report(runs: list[dict], args) -> str:
    lines = [
        "# Dashboard benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.repeat} timed requests per page after 2 "
        "warm-up requests, through Django's test client; DEBUG=0; no REDIS_URL (local-memory "
        "cache). Targets apply at 100,000 issues on PostgreSQL (✱).",
        "",
        "| backend | issues | page | median ms | p95 ms | min ms | queries | KiB | target "
        "| meets |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        star = " ✱" if (run["backend"], run["size"]) == (TARGET_BACKEND, TARGET_SIZE) else ""
        for name, page in run["pages"].items():
            target = TARGETS.get(name)
            ok = None if target is None else page["median_ms"] < target
            lines.append(
                f"| {run['backend']} | {run['issues']:,}{star} | {name} | {page['median_ms']} | "
                f"{page['p95_ms']} | {page['min_ms']} | {page['queries']} | "
                f"{page['bytes'] / 1024:.0f} | {f'< {target} ms' if target else '—'} | "
                f"{_verdict(ok)} |"
            )
        wb = run["workbook"]
        lines.append(
            f"| {run['backend']} | {run['issues']:,}{star} | workbook {wb['period']} "
            f"({wb['ledger_rows']:,} ledger rows) | {wb['seconds'] * 1000:,.0f} | — | — | "
            f"{wb['queries']} | {wb['bytes'] / 1024:,.0f} | < {WORKBOOK_TARGET_S} s | "
            f"{_verdict(wb['seconds'] < WORKBOOK_TARGET_S)} |"
        )
    lines += ["", "## CPU reference", ""]
    for run in runs:
        reference = run.get("cpu_reference_ms") or {}
        lines.append(
            f"- {run['backend']} {run['issues']:,}: bench/cpu.py took {reference.get('start')} ms "
            f"before the pages and {reference.get('end')} ms after (lower is faster; a "
            "reference that moves flags an unsteady machine: see bench/README.md)"
        )
    lines += ["", "## Slowest queries of one uncached dashboard request", ""]
    for run in runs:
        lines.append(f"- {run['backend']}, {run['issues']:,} issues:")
        for q in run["pages"]["overview_uncached"]["slowest_queries"]:
            lines.append(f"  - {q['ms']} ms `{q['sql']}`")
    lines += ["", "## Loading", ""]
    for run in runs:
        lines.append(f"- {run['backend']} {run['issues']:,}: {run['load']}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.command == "measure":
        measure(args)
        return
    from bench.run import Target  # the other benchmark's database building, reused

    for sub in ("logs", "tmp", "var"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    runs = []
    for backend in args.backends:
        for size in args.sizes:
            target = Target(backend, size, args)
            target.log.write_text("")
            print(f"== {backend}, {size:,} issues ({target.where})", flush=True)
            load = target.build()
            out = args.out / "tmp" / f"{backend}-{size}.json"
            target.run(
                "bench/dashboard.py",
                "measure",
                "--out",
                str(out),
                "--repeat",
                str(args.repeat),
                debug=False,
            )
            result = json.loads(out.read_text())
            run = {"backend": backend, "size": size, "load": load, **result}
            runs.append(run)
            for name, page in run["pages"].items():
                print(
                    f"  {name:<22} median {page['median_ms']:>7} ms  p95 {page['p95_ms']:>7} ms"
                    f"  {page['queries']:>3} queries",
                    flush=True,
                )
            wb = run["workbook"]
            print(
                f"  workbook {wb['period']:<13} {wb['seconds']:>7} s   "
                f"{wb['ledger_rows']:,} ledger rows, {wb['queries']} queries",
                flush=True,
            )
            print(f"  CPU reference (bench/cpu.py) {run['cpu_reference_ms']} ms", flush=True)
            (args.out / "results.json").write_text(json.dumps(runs, indent=2, default=str))
            (args.out / "results.md").write_text(report(runs, args))
    print(f"\nwritten: {args.out / 'results.md'}")


if __name__ == "__main__":
    main()

"""Benchmark of the enterprise directory and of a meeting page whose list (清单) has 100
issues: ``python bench/meetings.py`` (``--quick`` for a smoke test).

For each backend (SQLite, PostgreSQL) and size (10,000 and 100,000 issues by default) this
builds a fresh database exactly as ``bench/run.py`` does, with its ``Target`` (``manage.py
migrate``, then ``load_demo --force``, then ``load_demo --force --issues N --enterprises
1000``), in subprocesses. It then runs this file again in a subprocess (``measure`` mode),
which gives the demo's first held roundtable 100 issues of the ledger (an update of
``Issue.meeting``; nothing else changes) and times whole requests through
``django.test.Client``: median and p95 of ``--repeat`` requests after 2 warm-ups, and the
number of queries of one more request.

The same rules as the ledger pages: targets are medians at 100,000 issues on PostgreSQL, and
the query count of every page must not change with the size of the database.

Results and logs go under ``bench/out/meetings/``; the databases are bench/run.py's
(bench/databases.py: one per size, named from ``BENCH_PG``), reused with ``--keep-db``.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "out" / "meetings"
ENTERPRISES = databases.SYNTHETIC_ENTERPRISES
MEETING_ISSUES = 100
WARMUP = 2
TARGET_SIZE = 100_000
TARGET_BACKEND = "postgres"
# Milliseconds, median, at 100,000 issues on PostgreSQL: the ledger's targets for list pages
# (50 ms) and searches (100 ms).
TARGETS_MS = {
    "directory": 50,
    "directory_page_50": 50,
    "directory_filtered": 50,
    "directory_search_zh": 100,
    "directory_search_en": 100,
    "directory_search_code": 100,
    "meeting_staff": 50,
    "meeting_liaison": 50,
    "meetings_calendar": 50,
}


# --- Orchestration (the parent process) ---------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="issue counts (%(default)s)")
    parser.add_argument("--backends", default="sqlite,postgres", help="(%(default)s)")
    parser.add_argument("--pg-url", default=databases.base_url(), help="base URL (BENCH_PG)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--enterprises", type=int, default=ENTERPRISES, help="synthetic enterprises (%(default)s)"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 issues, 5 requests a page")
    parser.add_argument("--keep-db", action="store_true", help="reuse a database of that size")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="default: bench/out/meetings/")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = "2000", 5
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in args.backends:
        if backend not in ("sqlite", "postgres"):
            parser.error(f"unknown backend {backend!r}: use sqlite and/or postgres")
    if args.repeat < 1 or any(n < 1 for n in args.sizes):
        parser.error("--repeat and --sizes take positive numbers")
    args.out = Path(args.out).resolve()
    return args


def _target_class():
    from bench import run as bench_run

    class Target(bench_run.Target):
        """bench/run.py's database builder, measuring with this file instead of measure.py."""

        def measure(self, mode: str, *extra: str, echo: bool = False) -> dict:
            out = self.args.out / "tmp" / f"{self.backend}-{self.size}-{mode}.json"
            self.run("bench/meetings.py", mode, "--json", str(out), *extra, debug=False, echo=echo)
            return json.loads(out.read_text())

    return Target


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] in ("count", "measure"):
        return measure_main(sys.argv[1:])
    args = parse_args(argv)
    Target = _target_class()
    for sub in ("logs", "tmp", "var"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    runs = []
    for backend in args.backends:
        for size in args.sizes:
            target = Target(backend, size, args)
            target.log.write_text("")
            print(f"== {backend}, {size:,} issues ({target.where})", flush=True)
            started = time.perf_counter()
            load = target.build()
            print(f"  loaded {load['issues']:,} issues in {time.perf_counter() - started:.0f} s")
            result = target.measure("measure", "--repeat", str(args.repeat), echo=True)
            runs.append(
                {
                    "backend": backend,
                    "size": size,
                    "issues": load["issues"],
                    "enterprises": result["enterprises"],
                    "load": load,
                    "pages": result["pages"],
                }
            )
            write_results(runs, args)
    shutil.rmtree(args.out / "tmp", ignore_errors=True)
    print()
    print((args.out / "results.md").read_text())
    print(f"written: {args.out / 'results.md'}, {args.out / 'results.json'}")


def _verdict(ok) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def report(runs: list[dict], args) -> str:
    lines = [
        "# Meetings and enterprises benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.repeat} timed requests per page after "
        f"{WARMUP} warm-up requests, through Django's test client (whole requests); DEBUG=0. "
        "Targets are medians at 100,000 issues on PostgreSQL (rows marked ✱).",
        "",
        "| backend | issues | enterprises | page | median ms | p95 ms | queries | KiB | rows | "
        "target | meets |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        star = " ✱" if run["backend"] == TARGET_BACKEND and run["size"] == TARGET_SIZE else ""
        for page in run["pages"]:
            target = page["target_ms"]
            ok = page["median_ms"] < target if star else None
            lines.append(
                f"| {run['backend']} | {run['issues']:,}{star} | {run['enterprises']:,} | "
                f"{page['label']} | {page['median_ms']:.1f} | {page['p95_ms']:.1f} | "
                f"{page['queries']} | {page['bytes'] / 1024:.0f} | {page['rows']} | < {target} ms "
                f"| {_verdict(ok)} |"
            )
    from bench import run as bench_run

    lines += ["", "## Query counts across sizes", ""]
    lines += bench_run.query_count_lines(runs)
    return "\n".join(lines) + "\n"


def write_results(runs: list[dict], args) -> None:
    meta = {"repeat": args.repeat, "sizes": args.sizes, "backends": args.backends}
    (args.out / "results.json").write_text(
        json.dumps({"meta": meta, "runs": runs}, ensure_ascii=False, indent=2)
    )
    (args.out / "results.md").write_text(report(runs, args))


# --- Measuring (a subprocess with Django set up) ------------------------------------------


def measure_main(argv) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["count", "measure"])
    parser.add_argument("--json", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")
    import django

    django.setup()
    from django.db import connection

    from issues.models import Issue

    if args.mode == "count":
        result = {"issues": Issue.objects.count()}
    else:
        result = measure_pages(args.repeat)
    result["vendor"] = connection.vendor
    Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2))


def _percentile(values, pct):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def prepare_meeting():
    """The demo's first held roundtable, with at least ``MEETING_ISSUES`` issues on its list:
    the oldest issues of the ledger without a meeting are moved onto it (idempotent)."""
    from issues.models import Issue
    from roundtable.meetings.models import Meeting

    meeting = Meeting.objects.roundtables().held().order_by("starts_at", "pk").first()
    if meeting is None:
        sys.exit("bench: no held roundtable: was `manage.py load_demo` run?")
    missing = MEETING_ISSUES - Issue.objects.filter(meeting=meeting).count()
    if missing > 0:
        ids = list(
            Issue.objects.filter(meeting__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:missing]
        )
        Issue.objects.filter(pk__in=ids).update(meeting=meeting, source=Issue.Source.MEETING)
    return meeting


def _pages():
    from django.utils import timezone

    from roundtable.accounts.models import User
    from roundtable.enterprises.models import Enterprise

    def user(name):
        try:
            return User.objects.get(username=name)
        except User.DoesNotExist:
            sys.exit(f"bench: no user {name!r}: was `manage.py load_demo` run?")

    staff, liaison = user("staff"), user("liaison")
    meeting = prepare_meeting()
    if not meeting.participants.filter(
        department__memberships__user=liaison, department__memberships__ended_on__isnull=True
    ).exists():
        sys.exit("bench: the demo liaison's department does not take part in the meeting")
    sample = Enterprise.objects.order_by("-pk").first()
    industry = (
        Enterprise.objects.exclude(industry="").values_list("industry", flat=True).first() or ""
    )
    local = timezone.localtime(meeting.starts_at)
    quarter = f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return [
        ("directory", "Directory, unfiltered", staff, "/enterprises/", {}),
        ("directory_page_50", "Directory, page 50", staff, "/enterprises/", {"page": "50"}),
        (
            "directory_filtered",
            "Directory, country + industry",
            staff,
            "/enterprises/",
            {"country": "DE", "industry": industry},
        ),
        ("directory_search_zh", "Directory, search 合成企业0042", staff, "/enterprises/",
         {"q": "合成企业0042"}),
        ("directory_search_en", "Directory, search synthetic demo enterprise 0042", staff,
         "/enterprises/", {"q": "synthetic demo enterprise 0042"}),
        ("directory_search_code", "Directory, search a credit code's tail (lower case)", staff,
         "/enterprises/", {"q": sample.credit_code[-8:].lower()}),
        ("meeting_staff", f"Meeting page, {MEETING_ISSUES} issues (staff)", staff,
         f"/meetings/{meeting.pk}/", {}),
        ("meeting_liaison", "Meeting page (liaison of a participating department)", liaison,
         f"/meetings/{meeting.pk}/", {}),
        ("meetings_calendar", "Meetings calendar, the meeting's quarter", staff, "/meetings/",
         {"view": "quarter", "quarter": quarter}),
    ]  # fmt: skip


def _rows(key: str, body: str) -> int:
    """Rows the page lists, counted in its HTML (the test client's context capture would
    slow every request it times): enterprises in the directory, issues on the meeting's
    list, meetings in the calendar."""
    if key.startswith("directory"):
        return body.count('<td><a href="/enterprises/')
    if key.startswith("meeting_"):
        listing = body[body.find('id="meeting-issues"') :]
        return listing.count('<td class="nowrap"><a href="/issues/')
    return body.count('<tr class="kind-')


def measure_pages(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from roundtable.enterprises.models import Enterprise

    clients = {}
    results = []
    for key, label, user, path, data in _pages():
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        for _ in range(WARMUP):
            _check(client.get(path, data), path)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path, data)
            size = len(response.content)
            times.append((time.perf_counter() - started) * 1000)
            _check(response, path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, data)
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
        results.append(
            {
                "page": key,
                "label": label,
                "user": user.username,
                "url": path + ("?" + "&".join(f"{k}={v}" for k, v in data.items()) if data else ""),
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(_percentile(times, 95), 2),
                "min_ms": round(min(times), 2),
                "max_ms": round(max(times), 2),
                "queries": len(captured.captured_queries),
                "bytes": size,
                "rows": _rows(key, response.content.decode()),
                "target_ms": TARGETS_MS[key],
                "slowest_queries": [
                    {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]}
                    for q in slowest
                ],
            }
        )
        r = results[-1]
        print(
            f"    {key:<22} median {r['median_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms  "
            f"{r['queries']:3d} queries  {r['rows']:4d} rows",
            flush=True,
        )
    return {"pages": results, "enterprises": Enterprise.objects.count()}


def _check(response, path):
    if response.status_code != 200:
        raise SystemExit(f"bench: GET {path} answered {response.status_code}")


if __name__ == "__main__":
    main()

"""Roundtable page benchmark: `make bench` (BENCH_ARGS="--quick" for a smoke test).

For each backend (SQLite, PostgreSQL) and size (10,000 and 100,000 issues by default) this
builds a fresh database with `manage.py migrate` and `manage.py load_demo` (the demo set, then
`--issues N - <demo count>` synthetic issues), then runs `bench/measure.py` in a separate
process to time whole requests through Django's test client, and the xlsx export in a third
process of its own so that its peak RSS is the export's alone. Results go to
`<out>/results.md` and `<out>/results.json`; subprocess output to `<out>/logs/`.

PostgreSQL: the database named in --pg-url is dropped and created again on the same server
(its name must contain "bench", and the server must be on the loopback interface). SQLite: a
file under --out. Nothing else is touched: the subprocesses get their own VAR_DIR under
--out, no REDIS_URL, and no DATABASE_URL but the benchmark's.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import databases  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# Variables of the caller's shell that would point a subprocess at another database, broker,
# cache, mail server or settings than the benchmark's own.
SCRUBBED_ENV = (
    "DATABASE_URL",
    "SQLITE_PATH",
    "REDIS_URL",
    "CACHE_URL",
    "VAR_DIR",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "ALLOWED_HOSTS",
    "HTTPS",
    "DEBUG",
    "CONN_MAX_AGE",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_SETTINGS_MODULE",
)
TARGET_SIZE = 100_000
EXPORT_CHUNK = 2000  # issues.exports.ledger_rows' chunk_size
TARGET_BACKEND = "postgres"
# Peak RSS growth that still counts as flat between the smallest and the largest export, and
# SECURITY.md §4's ceiling on the export's RSS.
FLAT_FACTOR, FLAT_FLOOR_MIB, EXPORT_RSS_CEILING_MIB = 2.0, 20.0, 300.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build demo databases of N issues and time Roundtable's pages on them."
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="issue counts (default: %(default)s)"
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="sqlite and/or postgres (default: %(default)s)",
    )
    parser.add_argument(
        "--pg-url",
        default=databases.base_url(),
        help="PostgreSQL base URL; each size gets <name>_<size> (default: $BENCH_PG or "
        f"{databases.DEFAULT_PG_URL})",
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--enterprises",
        type=int,
        default=databases.SYNTHETIC_ENTERPRISES,
        help="also add M synthetic enterprises (load_demo; default %(default)s)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=databases.SYNTHETIC_USERS,
        help="also add U synthetic users (load_demo; default %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 2,000 issues, 5 requests per page"
    )
    parser.add_argument("--no-export", action="store_true", help="skip the xlsx export")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="reuse the database if it already holds about the requested size (no reload)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="default: bench/out/")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: rewrite <out>/results.md from <out>/results.json and print it",
    )
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


# --- Subprocesses -------------------------------------------------------------------------


class Target:
    """One backend at one size: its environment, its database and its log file.

    Reused by bench/dashboard.py and bench/meetings.py: keep ``Target(backend, size, args)``
    (``args.out``, ``args.pg_url``: the base URL of bench/databases.py; ``keep_db`` and
    ``enterprises`` optional), ``build()``,
    ``run()``, ``measure()`` and ``log`` stable."""

    def __init__(self, backend: str, size: int, args: argparse.Namespace):
        self.backend, self.size, self.args = backend, size, args
        self.log = args.out / "logs" / f"{backend}-{size}.log"
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        env["DJANGO_SETTINGS_MODULE"] = "roundtable.settings"
        env["VAR_DIR"] = str(args.out / "var")
        env["LOG_LEVEL"] = "WARNING"
        # The API rows send one user's requests in a burst: no throttle in the way of timing.
        env["API_RATE"] = "1000000/min"
        env["PYTHONUNBUFFERED"] = "1"
        if backend == "postgres":
            self.pg_url = databases.url_for_size(args.pg_url, size)
            databases.pg_parts(self.pg_url)
            env["DATABASE_URL"] = self.pg_url
            self.where = self.pg_url
        else:
            self.sqlite = databases.sqlite_path(size)
            env["SQLITE_PATH"] = str(self.sqlite)
            self.where = str(self.sqlite)
        self.env = env

    def run(self, *cmd: str, debug: bool, echo: bool = False) -> float:
        env = dict(self.env, DEBUG="1" if debug else "0")
        started = time.perf_counter()
        with open(self.log, "a") as log:
            log.write(f"\n$ {' '.join(cmd)}\n")
            log.flush()
            proc = subprocess.Popen(
                [PY, *cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                log.write(line)
                if echo:
                    print(line, end="", flush=True)
            code = proc.wait()
        if code:
            sys.exit(f"bench: `{' '.join(cmd)}` failed ({code}); see {self.log}")
        return time.perf_counter() - started

    def measure(self, mode: str, *extra: str, echo: bool = False) -> dict:
        out = self.args.out / "tmp" / f"{self.backend}-{self.size}-{mode}.json"
        self.run("bench/measure.py", mode, "--out", str(out), *extra, debug=False, echo=echo)
        return json.loads(out.read_text())

    def issue_count(self) -> int:
        return self.measure("count")["issues"]

    def build(self) -> dict:
        """A fresh database with about ``size`` issues; returns the load's timings."""
        # getattr: bench/dashboard.py and bench/meetings.py build with this class and their
        # own argparse namespaces, which need not have every option of this script.
        if getattr(self.args, "keep_db", False) and self._exists():
            count = self.issue_count()
            if abs(count - self.size) <= self.size // 100 + 200:
                print(f"  reusing {self.where} ({count} issues)", flush=True)
                # The code may have moved on since: bring the schema up to date.
                migrate_s = round(self.run("manage.py", "migrate", "-v0", debug=True), 1)
                return {"reused": True, "issues": count, "migrate_s": migrate_s}
        if self.backend == "postgres":
            databases.pg_recreate(self.pg_url)
        else:
            databases.sqlite_remove(self.sqlite)
        timings = {"migrate_s": self.run("manage.py", "migrate", "-v0", debug=True)}
        timings["demo_s"] = self.run("manage.py", "load_demo", "--force", debug=True)
        base = self.issue_count()
        extra = max(0, self.size - base)
        cmd = ["manage.py", "load_demo", "--force"]
        if extra:
            cmd += ["--issues", str(extra)]
        if getattr(self.args, "enterprises", 0):
            cmd += ["--enterprises", str(self.args.enterprises)]
        # Scripts whose options have no --users get the same synthetic users as run.py's.
        users = getattr(self.args, "users", databases.SYNTHETIC_USERS)
        if users:
            cmd += ["--users", str(users)]
        timings["bulk_s"] = self.run(*cmd, debug=True) if len(cmd) > 3 else 0.0
        if self.backend == "postgres":
            started = time.perf_counter()
            databases.pg_vacuum_analyze(self.pg_url)
            timings["vacuum_analyze_s"] = time.perf_counter() - started
        timings = {k: round(v, 1) for k, v in timings.items()}
        timings.update(base_issues=base, added_issues=extra, issues=self.issue_count())
        return timings

    def _exists(self) -> bool:
        if self.backend == "sqlite":
            return self.sqlite.exists()
        return databases.pg_exists(self.pg_url)


# --- Report -------------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def _applies(run: dict) -> bool:
    return run["backend"] == TARGET_BACKEND and run["size"] == TARGET_SIZE


def report(runs: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Roundtable benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.repeat} timed requests per page after "
        "2 warm-up requests, through Django's test client (whole requests: middleware, "
        "session, queries, templates); DEBUG=0. Targets are medians at 100,000 issues on "
        "PostgreSQL (rows marked ✱); elsewhere the target column is for comparison only.",
        "",
        "`cpu ms` is the median CPU time of the Django process per request (views, ORM, "
        "templates; not the database server's work, not time spent waiting for a CPU); "
        "`sql ms` is the time in the database driver for the queries of one request. On a busy "
        "machine the wall-clock columns grow while `cpu ms` stays roughly put: see the load "
        "averages below the table.",
        "",
        "| backend | issues | page | median ms | p95 ms | cpu ms | sql ms | queries | KiB | "
        "matches | target | meets |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        star = " ✱" if _applies(run) else ""
        for page in run["pages"]:
            target = page["target_ms"]
            ok = page["median_ms"] < target if target else None
            lines.append(
                f"| {run['backend']} | {run['issues']:,}{star} | {page['label']} | "
                f"{page['median_ms']:.1f} | {page['p95_ms']:.1f} | {page['cpu_median_ms']:.1f} | "
                f"{page['sql_ms']:.1f} | {page['queries']} | "
                f"{page['bytes'] / 1024:.0f} | "
                f"{'' if page['matches'] is None else format(page['matches'], ',')} | "
                f"< {target} ms | {_verdict(ok)} |"
            )
        export = run.get("export")
        if export:
            ok = export["seconds"] < export["target_s"]
            lines.append(
                f"| {run['backend']} | {run['issues']:,}{star} | xlsx export (once; "
                f"{export['rows']:,} rows, peak RSS {export['peak_rss_mib']:.0f} MiB, "
                f"+{export['peak_rss_delta_mib']:.0f} MiB) | {export['seconds'] * 1000:,.0f} | "
                f"— | {export['cpu_seconds'] * 1000:,.0f} | — | {export['queries']} | "
                f"{export['bytes'] / 1024:,.0f} | "
                f"{export['rows']:,} | < {export['target_s']} s | {_verdict(ok)} |"
            )
    lines += ["", "## Machine load while measuring", ""]
    for run in runs:
        load = run.get("loadavg") or {}
        lines.append(
            f"- {run['backend']} {run['issues']:,}: 1/5/15-minute load average "
            f"{load.get('start')} at the start of the pages, {load.get('end')} at the end, "
            f"{run.get('export_loadavg')} after the export; {run.get('cpus')} CPUs"
        )
        reference = run.get("cpu_reference_ms") or {}
        lines.append(
            f"  - CPU reference (bench/cpu.py, lower is faster): {reference.get('start')} ms "
            f"before the pages, {reference.get('end')} ms after"
        )
    lines += ["", "## Query counts across sizes", ""]
    lines += query_count_lines(runs)
    lines += ["", "## Export memory across sizes", ""]
    lines += export_memory_lines(runs)
    lines += ["", "## Loading", ""]
    lines += ["| backend | issues | migrate s | demo s | bulk s | vacuum analyze s |"]
    lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
    for run in runs:
        load = run["load"]
        lines.append(
            f"| {run['backend']} | {run['issues']:,} | {load.get('migrate_s', '—')} | "
            f"{load.get('demo_s', '—')} | {load.get('bulk_s', '—')} | "
            f"{load.get('vacuum_analyze_s', '—')} |"
        )
    lines += ["", "## Data", ""]
    lines += data_lines(runs)
    lines += ["", "## Acceptance (PostgreSQL, 100,000 issues)", ""]
    lines += acceptance_lines(runs)
    return "\n".join(lines) + "\n"


def query_count_lines(runs: list[dict]) -> list[str]:
    """Pages: the same number of queries at every size. The export reads in chunks of
    EXPORT_CHUNK rows with two queries each, so what must not change is the rest."""
    lines = []
    for backend in dict.fromkeys(r["backend"] for r in runs):
        mine = [r for r in runs if r["backend"] == backend]
        if len(mine) < 2:
            lines.append(f"- {backend}: one size only, nothing to compare.")
            continue
        counts: dict[str, dict[int, int]] = {}
        for run in mine:
            for page in run["pages"]:
                counts.setdefault(page["page"], {})[run["issues"]] = page["queries"]
        for page, by_size in counts.items():
            same = len(set(by_size.values())) == 1
            detail = ", ".join(f"{n:,}: {q}" for n, q in by_size.items())
            lines.append(f"- {backend} {page}: {'equal' if same else '**DIFFERENT**'} ({detail})")
        exports = [r for r in mine if r.get("export")]
        if len(exports) >= 2:
            fixed = {
                r["issues"]: r["export"]["queries"]
                - 2 * math.ceil(r["export"]["rows"] / EXPORT_CHUNK)
                for r in exports
            }
            same = len(set(fixed.values())) == 1
            detail = ", ".join(f"{r['issues']:,}: {r['export']['queries']}" for r in exports)
            rest = ", ".join(str(n) for n in sorted(set(fixed.values())))
            lines.append(
                f"- {backend} export_xlsx: {detail}; "
                f"{'as designed' if same else '**NOT as designed**'}: 2 per "
                f"{EXPORT_CHUNK:,}-row chunk plus {rest}"
            )
    return lines


def export_memory_lines(runs: list[dict]) -> list[str]:
    lines = []
    for backend in dict.fromkeys(r["backend"] for r in runs):
        mine = [r for r in runs if r["backend"] == backend and r.get("export")]
        if not mine:
            continue
        small, large = min(mine, key=lambda r: r["issues"]), max(mine, key=lambda r: r["issues"])
        d_small = small["export"]["peak_rss_delta_mib"]
        d_large = large["export"]["peak_rss_delta_mib"]
        flat = d_large <= FLAT_FACTOR * max(d_small, FLAT_FLOOR_MIB)
        under = large["export"]["peak_rss_mib"] < EXPORT_RSS_CEILING_MIB
        lines.append(
            f"- {backend}: peak RSS growth during the export {d_small:.0f} MiB at "
            f"{small['issues']:,} rows, {d_large:.0f} MiB at {large['issues']:,} rows: "
            f"{'flat' if flat else '**NOT flat**'}"
            + ("" if small is not large else " (one size only)")
            + f"; peak RSS {large['export']['peak_rss_mib']:.0f} MiB "
            f"({'under' if under else '**OVER**'} {EXPORT_RSS_CEILING_MIB:.0f} MiB)"
        )
    return lines


def data_lines(runs: list[dict]) -> list[str]:
    """What each database held (bench/datastats.py): the bulk rows beside the base set."""
    from bench import datastats

    lines = []
    for run in runs:
        data = run.get("data")
        if not data:
            continue
        totals = data["totals"]
        lines += [
            f"{run['backend']}, {run['issues']:,} issues: {totals['enterprises']:,} enterprises, "
            f"{totals['users']:,} users, {totals['liaisons']:,} liaisons in "
            f"{totals['departments_with_liaisons']} departments.",
            "",
            *datastats.table(data["profiles"]),
            "",
        ]
    return lines or ["Not recorded in this run."]


def acceptance_lines(runs: list[dict]) -> list[str]:
    target_runs = [r for r in runs if _applies(r)]
    if not target_runs:
        return ["Not measured in this run (needs --backends postgres and --sizes with 100000)."]
    run = target_runs[0]
    lines = []
    for page in run["pages"]:
        if page["target_ms"] is None:
            continue
        ok = page["median_ms"] < page["target_ms"]
        lines.append(
            f"- {page['label']}: median {page['median_ms']:.1f} ms, target < "
            f"{page['target_ms']} ms: {_verdict(ok)}"
        )
    if run.get("export"):
        e = run["export"]
        lines.append(
            f"- xlsx export of {e['rows']:,} rows: {e['seconds']:.1f} s, target < "
            f"{e['target_s']} s: {_verdict(e['seconds'] < e['target_s'])}"
        )
    lines.append("- query counts equal at every size: see above")
    return lines


def print_table(runs: list[dict]) -> None:
    header = f"{'backend':<9}{'issues':>9}  {'page':<18}{'median ms':>10}{'p95 ms':>10}"
    header += f"{'cpu ms':>9}{'queries':>9}  target      meets"
    print("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        for page in run["pages"]:
            if page["target_ms"] is None:
                continue
            ok = page["median_ms"] < page["target_ms"]
            print(
                f"{run['backend']:<9}{run['issues']:>9,}  {page['page']:<18}"
                f"{page['median_ms']:>10.1f}{page['p95_ms']:>10.1f}{page['cpu_median_ms']:>9.1f}"
                f"{page['queries']:>9}  "
                f"< {page['target_ms']:>4} ms   {'yes' if ok else 'NO'}"
                + ("  (acceptance)" if _applies(run) else "")
            )
        if run.get("export"):
            e = run["export"]
            ok = e["seconds"] < e["target_s"]
            print(
                f"{run['backend']:<9}{run['issues']:>9,}  {'export_xlsx':<18}"
                f"{e['seconds'] * 1000:>10.0f}{'—':>10}{e['cpu_seconds'] * 1000:>9.0f}"
                f"{e['queries']:>9}  "
                f"< {e['target_s']:>4} s    {'yes' if ok else 'NO'}  "
                f"rows {e['rows']:,}, peak RSS {e['peak_rss_mib']:.0f} MiB "
                f"(+{e['peak_rss_delta_mib']:.0f})"
            )
    print()
    for line in query_count_lines(runs) + export_memory_lines(runs):
        print(line.replace("**", ""))


# --- Main ---------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.report_only:
        saved = json.loads((args.out / "results.json").read_text())
        args.repeat = saved["meta"]["repeat"]
        (args.out / "results.md").write_text(report(saved["runs"], args))
        print_table(saved["runs"])
        return
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
            print(f"  timing pages, {args.repeat} requests each", flush=True)
            result = target.measure("pages", "--repeat", str(args.repeat), echo=True)
            run = {
                "backend": backend,
                "size": size,
                "issues": load["issues"],
                "load": load,
                "pages": result["pages"],
                "loadavg": result.get("loadavg"),
                "cpu_reference_ms": result.get("cpu_reference_ms"),
                "cpus": result.get("cpus"),
            }
            if not args.no_export:
                print("  timing the xlsx export", flush=True)
                exported = target.measure("export")
                run["export"], run["export_loadavg"] = exported["export"], exported.get("loadavg")
                e = run["export"]
                print(
                    f"    export_xlsx      {e['seconds']:.1f} s, {e['rows']:,} rows, "
                    f"peak RSS {e['peak_rss_mib']:.0f} MiB (+{e['peak_rss_delta_mib']:.0f})",
                    flush=True,
                )
            base = 0 if load.get("reused") else load.get("base_issues", 0)
            data = target.measure("data", "--base", str(base))
            run["data"] = {"profiles": data["profiles"], "totals": data["totals"]}
            every = data["profiles"]["all issues"]
            print(
                f"  data: {every['distinct_titles']:,} distinct titles, "
                f"{every['english_titles_share']:.0%} in English, descriptions "
                "{min}–{max} characters (median {median}), ".format(**every["description_length"])
                + f"{every['history_rows_per_issue']} history rows per issue",
                flush=True,
            )
            runs.append(run)
            # Written after every run, so a long run's partial results survive an interruption.
            write_results(runs, args)
    shutil.rmtree(args.out / "tmp", ignore_errors=True)
    print_table(runs)
    print(f"\nwritten: {args.out / 'results.md'}, {args.out / 'results.json'}")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def write_results(runs: list[dict], args: argparse.Namespace) -> None:
    meta = {
        "repeat": args.repeat,
        "sizes": args.sizes,
        "backends": args.backends,
        "pg_url": _redacted(args.pg_url) if "postgres" in args.backends else None,
        "python": sys.version.split()[0],
    }
    (args.out / "results.json").write_text(
        json.dumps({"meta": meta, "runs": runs}, ensure_ascii=False, indent=2)
    )
    (args.out / "results.md").write_text(report(runs, args))


if __name__ == "__main__":
    main()

"""Roundtable's load test: `make loadtest` (LOADTEST_USERS, LOADTEST_TIME, LOADTEST_ISSUES).

Builds (or reuses) a PostgreSQL database of N issues with bench/run.py's ``Target``, starts
gunicorn with the production configuration (deploy/gunicorn.conf.py) and a Celery worker
(as deploy/systemd/roundtable-worker.service does) on Redis, then drives them over loopback
with Locust (bench/loadtest/locustfile.py), headless and for a bounded time, while sampling
the CPU and memory of the gunicorn and worker processes and the machine's load average.
Writes <out>/report.md and <out>/report.json; the servers' and Locust's output go to
<out>/logs/.

The database is bench/databases.py's ``<name>_<issues>`` for the base URL --database-url
(default ``roundtable_bench_loadtest``: ``roundtable_bench_loadtest_100000``), on the
loopback interface, its name holding "loadtest" (and "bench", as every bench database). It is
reused when it holds about N issues, and otherwise built again; bench/databases.py drops only a
database that a bench script created. The caller's DATABASE_URL, REDIS_URL and BENCH_PG are
never used, so a load test cannot touch a development database or queue, nor write into the
benchmarks' databases.
"""

import argparse
import csv
import json
import math
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402
from bench import run as bench_run  # noqa: E402

BIN = Path(sys.executable).parent
# A base URL (bench/databases.py adds _<issues>): apart from make bench's (BENCH_PG), since the
# users write (issues, progress posts, acceptances).
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/roundtable_bench_loadtest"
# Database 9 for the queue and 10 for the cache: apart from the development default (0, 2).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
USER_CLASSES = ("Liaison", "Staff", "Chair", "Reader")
SAMPLE_SECONDS = 2.0


def parse_args(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=int(env("LOADTEST_USERS") or 50))
    parser.add_argument(
        "--time", default=env("LOADTEST_TIME") or "5m", help="Locust's -t: 30s, 5m, 1h"
    )
    parser.add_argument("--issues", type=int, default=int(env("LOADTEST_ISSUES") or 100_000))
    parser.add_argument(
        "--with-exports",
        type=int,
        default=0,
        metavar="N",
        help="keep N full-ledger .xlsx exports running throughout (issue 15: ten)",
    )
    parser.add_argument(
        "--database-url", default=env("LOADTEST_DATABASE_URL") or DEFAULT_DATABASE_URL
    )
    parser.add_argument("--redis-url", default=env("LOADTEST_REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--port", type=int, default=int(env("LOADTEST_PORT") or 8765))
    parser.add_argument("--workers", type=int, help="GUNICORN_WORKERS (default: the config's)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=float(env("LOADTEST_RAMP") or 60),
        help="seconds over which the users arrive and sign in (default: %(default)s)",
    )
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "out" / "loadtest"), help="default: %(default)s"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.issues < 1 or args.with_exports < 0:
        parser.error("--users and --issues take positive numbers, --with-exports N >= 0")
    name = urlsplit(args.database_url).path.lstrip("/")
    if "loadtest" not in name:
        parser.error(f"refusing database {name!r}: its name must contain 'loadtest'")
    redis = urlsplit(args.redis_url)
    if redis.hostname not in databases.LOOPBACK or not redis.path.strip("/").isdigit():
        parser.error("--redis-url: a Redis on the loopback interface, with a database number")
    if not re.fullmatch(r"(\d+[hms]?)+", args.time):
        parser.error(f"--time {args.time!r}: Locust's run time, such as 30s, 5m or 1h30m")
    args.out = Path(args.out).resolve()
    # What bench/run.py's Target reads: the base URL (the database is <name>_<issues>), reuse,
    # and the same synthetic enterprises as every bench database.
    args.pg_url, args.keep_db = args.database_url, True
    args.enterprises = databases.SYNTHETIC_ENTERPRISES
    return args


# The worker's priority, as deploy/systemd/roundtable-worker.service's Nice=.
WORKER_NICE = 10


# --- The servers --------------------------------------------------------------------------


def server_env(target: bench_run.Target, args: argparse.Namespace) -> dict:
    redis_base, redis_db = args.redis_url.rsplit("/", 1)
    redis_db = int(redis_db)
    env = dict(
        target.env,
        DEBUG="0",
        REDIS_URL=args.redis_url,
        CACHE_URL=f"{redis_base}/{redis_db + 1}",
        CELERY_QUEUE="loadtest",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        # The demo logins have no authenticator; off is also the production default.
        REQUIRE_2FA_FOR_ADMINS="0",
        LOG_LEVEL="WARNING",
    )
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    return env


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen, timeout: float = 40) -> None:
    """TERM (gunicorn's and Celery's graceful stop), then KILL its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def port_free(port: int) -> bool:
    """Nothing answers on the port: a leftover server would be measured in place of ours."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            sys.exit(f"loadtest: gunicorn exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"loadtest: gunicorn did not answer in {timeout:.0f} s; see {log}")
            time.sleep(0.5)


def readyz(base: str) -> dict:
    """/readyz's checks: database, cache, broker, the worker's heartbeat, the calendar."""
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"{}")
    except OSError as exc:
        return {"error": str(exc)}


def worker_ready(base: str, env: dict, timeout: float = 60) -> dict:
    """/readyz once the worker has run a heartbeat sent now, instead of waiting for beat's
    first one a minute after it starts: the worker consumes the queue before the load."""
    subprocess.run(
        [
            str(BIN / "celery"),
            "--app",
            "roundtable",
            "call",
            "--queue",
            "loadtest",
            "roundtable.dashboard.tasks.record_heartbeat",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + timeout
    while True:
        ready = readyz(base)
        if (ready.get("checks") or {}).get("worker") == "ok" or time.monotonic() > deadline:
            return ready
        time.sleep(1)


def worker_tasks(log: Path) -> dict:
    """Tasks the worker finished, from its log: succeeded, and failed or retried."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "succeeded": text.count(" succeeded in "),
        "failed_or_retried": text.count(" raised unexpected") + text.count(" retry: "),
    }


# --- Sampling -----------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Every SAMPLE_SECONDS: the CPU time and RSS of each process of each group (a parent and
    its children), and the 1-minute load average. Workers that gunicorn recycles come and go;
    each keeps the CPU time of its last sample."""

    def __init__(self, groups: dict[str, subprocess.Popen]):
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.groups = groups
        self.cpu: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.base: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.peak_rss: dict[str, dict[int, int]] = {name: {} for name in groups}
        self.roots = {name: proc.pid for name, proc in groups.items()}
        self.loadavg: list[float] = []
        self.halt = threading.Event()
        self.sample(baseline=True)
        self.started_with = {name: len(self.processes(name)) for name in groups}

    def processes(self, name: str):
        try:
            root = self.psutil.Process(self.roots[name])
            return [root, *root.children(recursive=True)]
        except self.psutil.NoSuchProcess:
            return []

    def sample(self, baseline: bool = False) -> None:
        for name in self.groups:
            for proc in self.processes(name):
                try:
                    times, rss = proc.cpu_times(), proc.memory_info().rss
                except self.psutil.Error:
                    continue
                used = times.user + times.system
                (self.base if baseline else self.cpu)[name][proc.pid] = used
                peaks = self.peak_rss[name]
                peaks[proc.pid] = max(peaks.get(proc.pid, 0), rss)
        if not baseline:
            self.loadavg.append(os.getloadavg()[0])

    def run(self) -> None:
        while not self.halt.wait(SAMPLE_SECONDS):
            self.sample()

    def finish(self) -> None:
        self.halt.set()
        self.join()
        self.sample()

    def cpu_seconds(self, name: str) -> float:
        base = self.base[name]
        return sum(max(0.0, used - base.get(pid, 0.0)) for pid, used in self.cpu[name].items())


class Running:
    """A process this script did not start (the PostgreSQL server), sampled like its own."""

    def __init__(self, pid: int):
        self.pid = pid


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process on this machine (its backends are its children),
    or None when there is none to see."""
    import psutil

    for proc in psutil.process_iter(["name", "ppid"]):
        if proc.info["name"] != "postgres":
            continue
        try:
            if psutil.Process(proc.info["ppid"]).name() != "postgres":
                return proc.pid
        except psutil.Error:
            continue
    return None


# --- Locust -------------------------------------------------------------------------------


def run_locust(args: argparse.Namespace, base: str) -> tuple[int, float]:
    classes = list(USER_CLASSES)
    users = args.users
    if args.with_exports:
        classes.append("FullExporter")
        users += args.with_exports
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "loadtest" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(users),
        "--spawn-rate",
        f"{max(users / max(args.ramp, 1), 0.1):.3f}",
        "--run-time",
        args.time,
        "--stop-timeout",
        "30",
        "--csv",
        str(args.out / "locust"),
        "--only-summary",
        "--loglevel",
        "INFO",  # for its "All users spawned" line: the split in force
        *classes,
    ]
    env = dict(
        os.environ,
        LOADTEST_EXPORTS=str(args.with_exports),
        LOADTEST_REQUESTS_CSV=str(args.out / "requests.csv"),
    )
    log = args.out / "logs" / "locust.log"
    started, children = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log, "w") as out:
        code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    # Locust is the only child reaped meanwhile: what remains is its own CPU time.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    spawned = re.findall(r"All users spawned: (\{.*?\})", log.read_text(errors="replace"))
    return {
        "exit_code": code,
        "wall_s": time.monotonic() - started,
        "cpu_s": round(cpu, 1),
        "users_spawned": json.loads(spawned[-1]) if spawned else None,
    }


def read_stats(out: Path) -> tuple[list[dict], dict]:
    """Locust's per-name rows and its aggregated row, from <out>/locust_stats.csv."""
    pages, total = [], {}
    with open(out / "locust_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            entry = {
                "page": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
                "rps": round(float(row["Requests/s"] or 0), 2),
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                pages.append(entry)
    return pages, total


def read_failures(out: Path) -> list[dict]:
    path = out / "locust_failures.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [
            {"page": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
            for r in csv.DictReader(f)
        ]


# Issue 15's targets for the 95th percentile, by kind of page (``target_kind``).
TARGETS_P95_MS = {"list or detail page": 300, "dashboard": 200, "write": 500}
DASHBOARD_PAGES = {"dashboard", "department figures"}
UNTARGETED = ("sign-in", "export", "full export")  # measured, no target
# The steady state begins this long after the last user arrived (and signed in).
SETTLE_S = 30


def target_kind(method: str, page: str) -> str | None:
    if page.startswith(UNTARGETED) or method == "CHECK":
        return None
    if method == "POST":
        return "write"
    return "dashboard" if page in DASHBOARD_PAGES else "list or detail page"


def _pct(values: list[float], pct: float) -> float | None:
    """Nearest rank, as bench/measure.py."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)], 1)


def steady_state(path: Path, ramp_s: float) -> dict:
    """Percentiles of the requests that started once every user had arrived and signed in
    (``ramp_s`` + SETTLE_S after the first request), per page type and per target kind:
    the sign-ins of the ramp (PBKDF2, about half a CPU second each) are left out."""
    rows = []
    if path.exists():
        with open(path, newline="") as f:
            for started, method, name, ms, failed in csv.reader(f):
                rows.append((float(started), method, name, float(ms), failed == "1"))
    if not rows:
        return {"from_s": None, "pages": [], "kinds": [], "requests": 0}
    first = min(r[0] for r in rows)
    begin = ramp_s + SETTLE_S
    steady = [r for r in rows if r[0] - first >= begin]
    groups: dict[tuple[str, str], list] = {}
    for _t, method, name, ms, failed in steady:
        groups.setdefault((method, name), []).append((ms, failed))

    def summary(label, method, values):
        times = [ms for ms, _f in values]
        kind = target_kind(method, label) if method else label
        target = TARGETS_P95_MS.get(kind)
        p95 = _pct(times, 95)
        return {
            "page": label,
            "method": method,
            "requests": len(values),
            "failures": sum(1 for _ms, failed in values if failed),
            "p50_ms": _pct(times, 50),
            "p95_ms": p95,
            "p99_ms": _pct(times, 99),
            "target_p95_ms": target,
            "meets": None if target is None or p95 is None else p95 < target,
        }

    pages = [summary(name, method, v) for (method, name), v in sorted(groups.items(), key=str)]
    by_kind: dict[str, list] = {}
    for (method, name), values in groups.items():
        kind = target_kind(method, name)
        if kind:
            by_kind.setdefault(kind, []).extend(values)
    kinds = [summary(kind, "", values) for kind, values in sorted(by_kind.items())]
    every = [(ms, failed) for _t, _m, _n, ms, failed in steady]
    return {
        "from_s": begin,
        "seconds": round(max(r[0] for r in rows) - first - begin, 1),
        "requests": len(steady),
        "all": summary("all requests", "", every),
        "kinds": kinds,
        "pages": pages,
    }


def _number(text: str) -> float | None:
    try:
        return round(float(text), 1)
    except (TypeError, ValueError):
        return None


# --- Report -------------------------------------------------------------------------------


def report_md(result: dict) -> str:
    meta, total = result["meta"], result["total"]
    lines = [
        "# Roundtable load test",
        "",
        f"{meta['started']} UTC; {meta['users']} users ({meta['split']}) for {meta['time']}"
        + (
            f", plus {meta['with_exports']} full exports running throughout"
            if meta["with_exports"]
            else ""
        )
        + f"; {meta['issues']:,} issues on PostgreSQL; gunicorn {meta['gunicorn_workers']} sync "
        f"workers (deploy/gunicorn.conf.py), Celery worker, Redis; Locust on the same machine "
        f"({meta['cpus']} CPUs), over loopback; think time 1–5 s; REQUIRE_2FA_FOR_ADMINS=0.",
        "",
        f"**{total.get('requests', 0):,} requests, {total.get('failures', 0):,} failures**, "
        f"{total.get('rps', 0)} requests/s; all requests p50 {total.get('p50_ms')} ms, "
        f"p95 {total.get('p95_ms')} ms, p99 {total.get('p99_ms')} ms.",
        "",
        "| page type | method | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in result["pages"]:
        lines.append(
            f"| {p['page']} | {p['method']} | {p['requests']:,} | {p['failures']:,} | "
            f"{p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} | {p['max_ms']} |"
        )
    steady = result.get("steady")
    if steady and steady["requests"]:
        every = steady["all"]
        lines += [
            "",
            f"## Steady state: from {steady['from_s']:.0f} s on",
            "",
            f"The requests that began once every user had arrived ({result['meta']['ramp_s']:.0f}"
            f" s of ramp, each signing in) and {SETTLE_S} s more: {steady['requests']:,} "
            f"requests over {steady['seconds']} s, p50 {every['p50_ms']} ms, p95 "
            f"{every['p95_ms']} ms, p99 {every['p99_ms']} ms (nearest rank, from Locust's own "
            "times, bench/out/loadtest/requests.csv).",
            "",
            "| kind | requests | failures | p50 ms | p95 ms | p99 ms | target p95 | meets |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for k in steady["kinds"]:
            verdict = {True: "yes", False: "**NO**", None: ""}[k["meets"]]
            lines.append(
                f"| {k['page']} | {k['requests']:,} | {k['failures']:,} | {k['p50_ms']} | "
                f"{k['p95_ms']} | {k['p99_ms']} | < {k['target_p95_ms']} ms | {verdict} |"
            )
        lines += [
            "",
            "| page type | method | requests | p50 ms | p95 ms | p99 ms | target p95 | meets |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for p in steady["pages"]:
            target = f"< {p['target_p95_ms']} ms" if p["target_p95_ms"] else ""
            verdict = {True: "yes", False: "**NO**", None: ""}[p["meets"]]
            lines.append(
                f"| {p['page']} | {p['method']} | {p['requests']:,} | {p['p50_ms']} | "
                f"{p['p95_ms']} | {p['p99_ms']} | {target} | {verdict} |"
            )
    if result["failures"]:
        lines += ["", "## Failures", ""]
        lines += [f"- {f['page']}: {f['error']} ({f['count']}×)" for f in result["failures"]]
    res, load = result["resources"], result["loadavg"]
    lines += [
        "",
        "## Processes and machine",
        "",
        f"Measured over {res['wall_s']} s of load. CPU is seconds of CPU time (user + system) "
        "and the average share of one core.",
        "",
        "| processes | CPU s | % of one core | peak RSS MiB |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, proc in res["processes"].items():
        lines.append(
            f"| {name} | {proc['cpu_s']} | {proc['cpu_pct']} | {proc['peak_rss_summary']} |"
        )
    lines += [
        "",
        f"- peak RSS per web worker (MiB): {res['web_worker_peak_rss_mib']}",
        f"- 1-minute load average: {load['before_servers']} before the servers started, "
        f"{load['before']} just before the load, during it mean {load['during_mean']}, "
        f"max {load['during_max']}",
        f"- /readyz before the load: {_checks(result['readyz']['before'])}; after it: "
        f"{_checks(result['readyz']['after'])}",
        f"- Celery worker: {result['worker_tasks']['succeeded']} tasks succeeded, "
        f"{result['worker_tasks']['failed_or_retried']} failed or retried",
        f"- Locust: users spawned {json.dumps(result['locust']['users_spawned'])}, its own "
        f"CPU {result['locust']['cpu_s']} s, exit code {result['locust']['exit_code']} "
        "(1 when any request failed)",
    ]
    return "\n".join(lines) + "\n"


def _checks(ready: dict) -> str:
    checks = ", ".join(f"{k} {v}" for k, v in (ready.get("checks") or {}).items())
    return f"{ready.get('status', ready.get('error'))} ({checks})"


def _mib(n: int) -> float:
    return round(n / 2**20, 1)


def resources(sampler: Sampler, gunicorn_pid: int, wall_s: float) -> dict:
    processes = {}
    for name in sampler.groups:
        cpu = sampler.cpu_seconds(name)
        peaks = sampler.peak_rss[name]
        processes[name] = {
            "cpu_s": round(cpu, 1),
            "cpu_pct": round(100 * cpu / wall_s, 1) if wall_s else None,
            "peak_rss_mib": {str(pid): _mib(rss) for pid, rss in peaks.items()},
            "peak_rss_summary": (
                f"{_mib(max(peaks.values()))} max of {len(peaks)} processes" if peaks else "—"
            ),
        }
    web = {pid: rss for pid, rss in sampler.peak_rss["gunicorn"].items() if pid != gunicorn_pid}
    return {
        "wall_s": round(wall_s, 1),
        "processes": processes,
        "web_worker_peak_rss_mib": sorted((_mib(v) for v in web.values()), reverse=True),
    }


# --- Main ---------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    for sub in ("logs", "tmp", "var"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    if not port_free(args.port):
        sys.exit(f"loadtest: something already answers on 127.0.0.1:{args.port} (--port)")
    load_before_servers = round(os.getloadavg()[0], 2)
    target = bench_run.Target("postgres", args.issues, args)
    print(f"== PostgreSQL {target.where}: about {args.issues:,} issues", flush=True)
    load = target.build()
    print(f"  {load['issues']:,} issues", flush=True)

    for stale in [*args.out.glob("locust_*.csv"), args.out / "requests.csv"]:
        stale.unlink(missing_ok=True)
    env = server_env(target, args)
    logs = args.out / "logs"
    worker = start(
        [
            "nice",
            "-n",
            str(WORKER_NICE),
            *(str(BIN / "celery"), "--app", "roundtable", "worker", "--concurrency=2", "-l"),
            "INFO",
        ],
        env,
        logs / "worker.log",
    )
    # One beat, as in production (deploy/systemd/roundtable-beat.service): its heartbeat task
    # is what /readyz's worker check reads.
    beat = start(
        [str(BIN / "celery"), "--app", "roundtable", "beat", "-l", "INFO"],
        env,
        logs / "beat.log",
    )
    web = start(
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"], env, logs / "gunicorn.log"
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_ready(base, web, logs / "gunicorn.log")
        ready = {"before": worker_ready(base, env)}
        print(f"  gunicorn on {base}, /readyz: {ready['before'].get('status')}", flush=True)
        groups = {"gunicorn": web, "celery worker": worker, "celery beat": beat}
        postmaster = postmaster_pid()
        if postmaster:  # every database of the server: only the load test's is in use
            groups["postgresql server"] = Running(postmaster)
        sampler = Sampler(groups)
        load_before = round(os.getloadavg()[0], 2)
        sampler.start()
        print(
            f"== Locust: {args.users} users for {args.time}"
            + (f", {args.with_exports} full exports" if args.with_exports else ""),
            flush=True,
        )
        locust = run_locust(args, base)
        sampler.finish()
        ready["after"] = readyz(base)
    finally:
        for proc in (web, worker, beat):
            stop(proc)

    pages, total = read_stats(args.out)
    result = {
        "meta": {
            "started": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
            "users": args.users,
            "split": "liaisons 30, staff 12, chairs 5, readers 3 by weight",
            "time": args.time,
            "ramp_s": args.ramp,
            "with_exports": args.with_exports,
            "issues": load["issues"],
            "database": bench_run._redacted(target.where),
            "redis": args.redis_url,
            # The master's children when the load began: the configuration's count.
            "gunicorn_workers": sampler.started_with["gunicorn"] - 1,
            "gunicorn_worker_processes_seen": len(sampler.peak_rss["gunicorn"]) - 1,
            "cpus": os.cpu_count(),
            "load": load,
        },
        "total": total,
        "pages": pages,
        "steady": steady_state(args.out / "requests.csv", args.ramp),
        "failures": read_failures(args.out),
        "resources": resources(sampler, web.pid, locust["wall_s"]),
        "loadavg": {
            "before_servers": load_before_servers,
            "before": load_before,
            "during_mean": round(sum(sampler.loadavg) / len(sampler.loadavg), 2)
            if sampler.loadavg
            else None,
            "during_max": round(max(sampler.loadavg), 2) if sampler.loadavg else None,
            "during": [round(x, 2) for x in sampler.loadavg],
        },
        "readyz": ready,
        "worker_tasks": worker_tasks(logs / "worker.log"),
        "locust": {k: v for k, v in locust.items() if k != "wall_s"},
    }
    (args.out / "report.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    markdown = report_md(result)
    (args.out / "report.md").write_text(markdown)
    print("\n" + markdown)
    print(f"written: {args.out / 'report.md'}, {args.out / 'report.json'}")


if __name__ == "__main__":
    main()

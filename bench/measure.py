"""Time Roundtable's pages against whatever database the environment points at.

Run by ``bench/run.py`` (one process per backend and size), from the project root, with
DJANGO_SETTINGS_MODULE=roundtable.settings and DATABASE_URL or SQLITE_PATH set. Each mode
writes one JSON document to ``--out``:

    measure.py count  --out F            number of issues in the database
    measure.py pages  --out F --repeat N median/p95 of whole requests, queries per request
    measure.py export --out F            one xlsx export of the whole ledger: wall time,
                                         rows, queries, peak RSS of this process
    measure.py data   --out F [--base N] what the database holds (bench/datastats.py):
                                         counts and text lengths, the first N issues (the
                                         demo's base set) apart from the bulk rows

Requests go through ``django.test.Client``: middleware, session, templates and all, but no
HTTP server. Every response must be 200; anything else stops the run.
"""

import argparse
import json
import math
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roundtable.settings")
# The export is timed as a request builds it (the job's builder runs the same code): a ledger
# above EXPORT_IMMEDIATE_MAX_ROWS would otherwise get the page offering a background job.
os.environ.setdefault("EXPORT_IMMEDIATE_MAX_ROWS", str(10**9))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import cpu  # noqa: E402
from issues.filters import LedgerFilterForm, apply_filters  # noqa: E402
from issues.models import ActionUpdate, Category, Issue  # noqa: E402
from roundtable.accounts import roles  # noqa: E402
from roundtable.accounts.models import User  # noqa: E402
from roundtable.enterprises.models import Enterprise  # noqa: E402

WARMUP = 2
EXPORT_URL = "/issues/export.xlsx"
# Milliseconds, median, at 100,000 issues on PostgreSQL: issue 15's one-user targets (ledger
# 30, any search 60, issue page 20) and the earlier ones for My department and the API.
TARGETS_MS = {
    "ledger": 30,
    "ledger_filtered": 30,
    "search_zh": 60,
    "search_en": 60,
    "search_zh_common": 60,
    "search_zh_one": 60,
    "search_zh_enterprises": 60,
    "issue": 20,
    "my_department": 30,
    "api_list": 50,
    "api_list_filtered": 50,
    "api_issue": 30,
    "create": 25,
}
EXPORT_TARGET_S = 30


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        sys.exit(f"measure: no user {username!r}: was `manage.py load_demo` run?")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rss_kib() -> int:
    """Current resident set size of this process, KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: with 30 samples, p95 is the 29th smallest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _body_size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _get(client: Client, path: str, data: dict | None) -> int:
    response = client.get(path, data or {})
    size = _body_size(response)  # consumes a streaming body, so it is part of the time
    if response.status_code != 200:
        raise SystemExit(f"measure: GET {path} {data or ''} answered {response.status_code}")
    return size


def _ledger_count(user: User, data: dict) -> int:
    form = LedgerFilterForm(QueryDict(urlencode(data)))  # as the view binds it
    if not form.is_valid():
        raise SystemExit(f"measure: ledger filter {data} is invalid: {form.errors.as_text()}")
    cleaned = form.cleaned_data
    return apply_filters(Issue.objects.visible_to(user), cleaned).count()


def _timeline_issue() -> tuple[int, int]:
    """The issue with the most timeline entries (the fullest issue page), and that number."""
    top = (
        ActionUpdate.objects.values("issue_id")
        .annotate(n=Count("id"))
        .order_by("-n", "issue_id")
        .first()
    )
    if top is None:
        sys.exit("measure: no issues with a timeline: was `manage.py load_demo` run?")
    return top["issue_id"], top["n"]


def _pages() -> list[dict]:
    staff, liaison = _user("staff"), _user("liaison")
    dept_ids = sorted(roles.department_ids(liaison))
    if not dept_ids:
        sys.exit("measure: the demo user 'liaison' has no department")
    dept = dept_ids[0]
    issue_pk, entries = _timeline_issue()
    pages = [
        ("ledger", "Ledger, unfiltered", staff, "/issues/", {}),
        (
            "ledger_filtered",
            "Ledger, department + status",
            staff,
            "/issues/",
            {"department": str(dept), "status": "in_progress"},
        ),
        ("search_zh", "Ledger, search 用地", staff, "/issues/", {"q": "用地"}),
        ("search_en", "Ledger, search permit", staff, "/issues/", {"q": "permit"}),
        # Common terms: 企业 is in most descriptions, 的 a single character in most, and 重庆
        # in every enterprise's name; the ledger counts them up to 1,000 ("more than").
        ("search_zh_common", "Ledger, search 企业", staff, "/issues/", {"q": "企业"}),
        ("search_zh_one", "Ledger, search 的", staff, "/issues/", {"q": "的"}),
        ("search_zh_enterprises", "Ledger, search 重庆", staff, "/issues/", {"q": "重庆"}),
        (
            "issue",
            f"Issue page ({entries} timeline entries)",
            staff,
            f"/issues/{issue_pk}/",
            {},
        ),
        ("my_department", "My department (liaison)", liaison, "/issues/my-department/", {}),
        # The REST API (roundtable/api/), through the session: a cursor page of 50, the same
        # filter as the ledger's, and the issue with its assignments and ETag.
        ("api_list", "API issue list (cursor page)", staff, "/api/issues/", {}),
        (
            "api_list_filtered",
            "API issue list, department + status",
            staff,
            "/api/issues/",
            {"department": str(dept), "status": "in_progress"},
        ),
        ("api_issue", "API issue detail", staff, f"/api/issues/{issue_pk}/", {}),
    ]
    return [
        {"key": key, "label": label, "user": user, "path": path, "data": data}
        for key, label, user, path, data in pages
    ]


CREATE_URL = "/issues/new/"


def _create_data(client: Client) -> dict:
    """A new issue's form as a user sends it: the form's own submission token (read from the
    page, not timed), the first enterprise and category."""
    form = client.get(CREATE_URL).content.decode()
    token = re.search(r'name="submission_token" value="([^"]*)"', form)
    return {
        "submission_token": token[1] if token else "",
        "title": "Bench issue: the permit renewal is waiting",
        "description": "Raised on a service visit: the permit renewal is waiting.",
        "enterprise": str(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[0]),
        "category": str(Category.objects.order_by("pk").values_list("pk", flat=True)[0]),
        "source": "visit",
        "raised_on": timezone.localdate().isoformat(),
        "priority": "normal",
    }


def _post_create(client: Client, data: dict) -> int:
    response = client.post(CREATE_URL, data)
    if response.status_code != 302 or not re.search(r"/issues/\d+/$", response["Location"]):
        raise SystemExit(f"measure: POST {CREATE_URL} answered {response.status_code}")
    return len(response.content)


def _measure_create(clients: dict, repeat: int) -> dict:
    """Logging an issue as commerce staff: the whole POST (it writes one issue each time,
    left in the database, which then holds a few more than its size)."""
    staff = _user("staff")
    client = clients.get("staff") or clients.setdefault("staff", _client(staff))
    for _ in range(WARMUP):
        _post_create(client, _create_data(client))
    times_ms, cpu_ms = [], []
    for _ in range(repeat):
        data = _create_data(client)
        started, cpu_started = time.perf_counter(), time.process_time()
        size = _post_create(client, data)
        times_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
    data = _create_data(client)
    with CaptureQueriesContext(connection) as captured:
        _post_create(client, data)
    return _row(
        {"key": "create", "label": "Log an issue (POST)", "user": staff},
        "POST " + CREATE_URL,
        (times_ms, cpu_ms, captured, size),
        matches=None,
    )


def _row(page: dict, url: str, measured: tuple, matches: int | None) -> dict:
    """One page's figures: its timed requests, then the queries of one more, and a line
    printed as it goes."""
    times_ms, cpu_ms, captured, size = measured
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    row = {
        "page": page["key"],
        "label": page["label"],
        "user": page["user"].username,
        "url": url,
        "repeat": len(times_ms),
        "median_ms": round(statistics.median(times_ms), 2),
        "p95_ms": round(_percentile(times_ms, 95), 2),
        "min_ms": round(min(times_ms), 2),
        # CPU time of this process alone (Python: views, ORM, templates), without the
        # database server's work or time spent waiting for a CPU on a busy machine.
        "cpu_median_ms": round(statistics.median(cpu_ms), 2),
        "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
        "max_ms": round(max(times_ms), 2),
        "queries": len(captured.captured_queries),
        "bytes": size,
        "matches": matches,
        "target_ms": TARGETS_MS.get(page["key"]),
        "slowest_queries": [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]} for q in slowest
        ],
    }
    print(
        f"    {row['page']:<16} median {row['median_ms']:8.1f} ms  "
        f"p95 {row['p95_ms']:8.1f} ms  cpu {row['cpu_median_ms']:7.1f} ms  "
        f"{row['queries']:3d} queries",
        flush=True,
    )
    return row


def measure_pages(repeat: int) -> dict:
    load_start = [round(x, 2) for x in os.getloadavg()]
    cpu_start = cpu.reference_ms()
    results = []
    clients: dict[str, Client] = {}
    for page in _pages():
        user = page["user"]
        client = clients.get(user.username) or clients.setdefault(user.username, _client(user))
        path, data = page["path"], page["data"]
        for _ in range(WARMUP):
            _get(client, path, data)
        times_ms, cpu_ms = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            size = _get(client, path, data)
            times_ms.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - cpu_started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            _get(client, path, data)
        matches = _ledger_count(user, data) if path in ("/issues/", "/api/issues/") else None
        url = path + ("?" + urlencode(data) if data else "")
        results.append(_row(page, url, (times_ms, cpu_ms, captured, size), matches))
    results.append(_measure_create(clients, repeat))
    load_end = [round(x, 2) for x in os.getloadavg()]
    return {
        "pages": results,
        "loadavg": {"start": load_start, "end": load_end},
        "cpu_reference_ms": {"start": cpu_start, "end": cpu.reference_ms()},
    }


def _xlsx_rows(path: str) -> int:
    """Data rows in the workbook's first sheet, counted by streaming its XML."""
    with zipfile.ZipFile(path) as book:
        sheet = next(n for n in book.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
        count, tail = 0, b""
        with book.open(sheet) as xml:
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                count += data.count(b"</row>")
                # A tag that straddles two chunks starts in the last 5 bytes (too few to
                # hold one already counted).
                tail = data[-5:]
    return max(0, count - 1)  # the header row


def measure_export() -> dict:
    staff = _user("staff")
    client = _client(staff)
    expected = Issue.objects.visible_to(staff).count()
    # Warm the code path (openpyxl imports, translations) with an export that matches nothing,
    # so that the baseline below is the process as a web worker would be after its first
    # request.
    _get(client, EXPORT_URL, {"q": "no-such-issue-zzzz"})
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    baseline_rss, baseline_peak = _rss_kib(), _peak_rss_kib()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out, connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(EXPORT_URL)
        first_byte = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"measure: GET {EXPORT_URL} answered {response.status_code}")
        size = 0
        for chunk in response.streaming_content:
            out.write(chunk)
            size += len(chunk)
        response.close()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _peak_rss_kib()
        out.flush()
        rows = _xlsx_rows(out.name)
    if rows != expected:
        raise SystemExit(f"measure: the export has {rows} rows, the ledger {expected}")
    return {
        "export": {
            "page": "export_xlsx",
            "url": EXPORT_URL,
            "seconds": round(elapsed, 2),
            "cpu_seconds": round(cpu, 2),
            "first_byte_seconds": round(first_byte, 2),
            "rows": rows,
            "bytes": size,
            "queries": queries,
            "baseline_rss_mib": round(baseline_rss / 1024, 1),
            "peak_rss_mib": round(peak / 1024, 1),
            "peak_rss_delta_mib": round((peak - max(baseline_rss, 0)) / 1024, 1),
            "baseline_peak_mib": round(baseline_peak / 1024, 1),
            "target_s": EXPORT_TARGET_S,
        },
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["count", "pages", "export", "data"])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--base", type=int, default=0, help="data: issues of the base set")
    args = parser.parse_args()
    if args.mode == "count":
        result = {"issues": Issue.objects.count()}
    elif args.mode == "data":
        from bench import datastats

        profiles = datastats.split(args.base) if args.base else {}
        result = {"profiles": {"all issues": datastats.profile(), **profiles}}
        result["totals"] = datastats.totals()
    elif args.mode == "pages":
        result = measure_pages(args.repeat)
    else:
        result = measure_export()
    result["vendor"] = connection.vendor
    result["cpus"] = os.cpu_count()
    result["measured_at"] = timezone.now().isoformat()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""The load test's users (bench/loadtest/locustfile.py) ask for pages that exist, in the
proportions of issue 15, with the demo's logins: a renamed URL or login fails here, not in
the middle of a load run.

Every task runs once against a recording client that answers with a page holding what the
tasks look for; Django's URL resolver then checks each path it was asked for. Locust patches
the standard library with gevent on import, so the locustfile runs in a process of its own.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "loadtest" / "locustfile.py"
SPLIT = {"Liaison": 30, "Staff": 12, "Chair": 5, "Reader": 3}

# What the tasks read from a page: tokens, links to follow, a form's choices.
FAKE_PAGE = """
<input type="hidden" name="csrfmiddlewaretoken" value="csrf-token">
<input type="hidden" name="submission_token" value="submission-token">
<a href="/issues/7/">an issue</a> <a href="/issues/?status=in_progress&amp;lead=2">12</a>
<a href="/meetings/3/">a meeting</a> <a href="/enterprises/5/">an enterprise</a>
<select name="enterprise" required id="id_enterprise"><option value="">---</option>
<option value="5">an enterprise</option></select>
<select name="category" id="id_category"><option value="1">Land use</option></select>
<select name="lead_department" id="id_lead_department"><option value="2">PNR</option></select>
<select id="department-select" name="department"><option value="2" selected>PNR</option></select>
<input type="date" name="raised_on" value="2026-12-07">
<form method="post" action="/issues/7/progress/"></form>
<form method="post" action="/issues/7/assignments/11/accept/"></form>
<a href="/jobs/9/download" download>Download</a>
"""


def _dry_run() -> dict:
    """Run every task of every user class a few times against a recording client (in the
    subprocess); return the requests, the failures and the locustfile's constants."""
    import importlib.util
    import random

    from locust.env import Environment

    spec = importlib.util.spec_from_file_location("locustfile", LOCUSTFILE)
    locustfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(locustfile)
    requests, failures = [], []

    class Answer:
        def __init__(self, url, *, redirected):
            self.url, self.text, self.ok = f"http://loadtest{url}", FAKE_PAGE, True
            self.status_code, self.headers = (302, {"Location": "/"}) if redirected else (200, {})
            self.history = []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def failure(self, why):
            failures.append(str(why))

        def success(self):
            pass

    class Client:
        def get(self, url, *, name=None, params=None, **kwargs):
            requests.append({"method": "GET", "path": url.split("?")[0], "name": name})
            return Answer(url, redirected=False)

        def post(self, url, *, name=None, data=None, allow_redirects=True, **kwargs):
            requests.append({"method": "POST", "path": url, "name": name, "data": data})
            if not allow_redirects:
                return Answer(url, redirected=True)
            # A large export's POST starts a job and lands on its page.
            landing = "/jobs/9/" if url.endswith("export.xlsx") else "/issues/7/"
            answer = Answer(landing, redirected=False)
            answer.history = [url]
            return answer

    classes = [getattr(locustfile, name) for name in (*SPLIT, "FullExporter")]
    env = Environment(user_classes=classes, host="http://loadtest")
    env.events.request.add_listener(
        lambda exception=None, name=None, **kw: (
            exception and failures.append(f"{name}: {exception}")
        )
    )
    random.seed(15)
    for cls in classes:
        cls.host = "http://loadtest"
        user = cls(env)
        user.client = Client()
        user.on_start()
        for _ in range(6):
            for task in dict.fromkeys(cls.tasks):
                task(user)
    # The order in which Locust's dispatcher starts weighted users (a private function of
    # locust.dispatch: the test pins what 50 users become with the pinned Locust).
    from collections import Counter
    from itertools import islice

    from locust.dispatch import _kl_generator

    weights = [(cls.__name__, cls.weight) for cls in classes[:-1]]
    return {
        "spawned_of_50": Counter(islice(_kl_generator(weights), 50)),
        "requests": requests,
        "failures": failures,
        "pages": locustfile.PAGES,
        "weights": {cls.__name__: cls.weight for cls in classes[:-1]},
        "logins": {
            "liaisons": locustfile.LIAISONS,
            "staff": locustfile.STAFF,
            "chairs": locustfile.CHAIRS,
        },
        "password": locustfile.PASSWORD,
    }


@pytest.fixture(scope="module")
def run() -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, tests.test_loadtest as t; print(json.dumps(t._dry_run()))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, LOADTEST_EXPORTS="1"),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_page_the_load_test_requests_resolves_to_the_view_it_names(run):
    assert not run["failures"], run["failures"]
    asked = set()
    for request in run["requests"]:
        url_name, _path = run["pages"][request["name"]]
        match = resolve(request["path"])
        assert match.view_name == url_name, (request, match.view_name)
        asked.add(request["name"])
    # Every page type is requested by some task, and every form is posted with its token.
    assert asked == set(run["pages"])
    posts = [r for r in run["requests"] if r["method"] == "POST"]
    assert posts and all(r["data"]["csrfmiddlewaretoken"] == "csrf-token" for r in posts)


def test_the_users_come_in_issue_15s_proportions_and_sign_in_with_the_demo_logins(run):
    from roundtable.accounts.models import Role
    from roundtable.dashboard import demo

    assert run["weights"] == SPLIT
    # Locust spreads users by weight: 50 users (the default) are exactly 30/12/5/3.
    assert run["spawned_of_50"] == SPLIT
    assert run["password"] == demo.DEMO_PASSWORD
    liaisons = {liaison[0] for *_rest, liaison in demo.DEPARTMENTS}
    assert set(run["logins"]["liaisons"]) == liaisons
    roles = {username: groups for username, _name, _title, groups, _lang in demo.PEOPLE}
    assert all(roles[u] == [Role.COMMERCE_STAFF] for u in run["logins"]["staff"])
    assert all(roles[u] == [Role.CHAIR] for u in run["logins"]["chairs"])


def _runner():
    import importlib.util

    spec = importlib.util.spec_from_file_location("loadtest_run", LOCUSTFILE.with_name("run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "option",
    [
        "--database-url=postgres://postgres@127.0.0.1:5432/roundtable",
        "--redis-url=redis://10.0.0.7:6379/9",
        "--time=5 minutes",
    ],
)
def test_the_load_test_refuses_a_database_it_does_not_own_and_bad_options(option):
    # Its database is dropped and built again when it does not hold the requested size.
    with pytest.raises(SystemExit):
        _runner().parse_args([option])


def test_the_load_test_reports_every_page_type_from_locusts_figures(tmp_path):
    runner = _runner()
    header = (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
    )
    figures = "10,1,120,130.5,80,300.2,1000,0.5,0,120,130,140,150,200,250,290,300,300,300,300"
    (tmp_path / "locust_stats.csv").write_text(
        f"{header}\nGET,issue page,{figures}\n,Aggregated,{figures}\n"
    )
    pages, total = runner.read_stats(tmp_path)
    assert pages == [
        {
            "page": "issue page",
            "method": "GET",
            "requests": 10,
            "failures": 1,
            "p50_ms": 120.0,
            "p95_ms": 250.0,
            "p99_ms": 300.0,
            "max_ms": 300.2,
            "rps": 0.5,
        }
    ]
    assert total["requests"] == 10 and total["failures"] == 1


def test_the_steady_state_leaves_out_the_ramp_and_judges_each_kind_against_its_target(
    tmp_path,
):
    """requests.csv (one line per request, written by the locustfile): the requests of the
    ramp and the settling time after it are left out; the 95th percentile of each kind is
    held against issue 15's target."""
    runner = _runner()
    lines = ["1000.000,GET,sign-in,900.0,0"]  # the first request: time 0
    lines += [f"{1005 + i / 10:.3f},GET,issue page,2000.0,0" for i in range(50)]  # the ramp
    start = 1000 + 60 + runner.SETTLE_S
    lines += [f"{start + i / 10:.3f},GET,issue page,{100 + i},0" for i in range(100)]
    lines += [f"{start + i:.3f},GET,dashboard,{150 + 10 * i},0" for i in range(20)]
    lines += [f"{start + i:.3f},POST,progress post,120.0,{int(i == 3)}" for i in range(10)]
    lines += [f"{start + i:.3f},GET,export xlsx filtered,3000.0,0" for i in range(5)]
    path = tmp_path / "requests.csv"
    path.write_text("\n".join(lines) + "\n")
    steady = runner.steady_state(path, 60)
    assert steady["requests"] == 135  # none of the ramp's
    kinds = {k["page"]: k for k in steady["kinds"]}
    assert set(kinds) == {"list or detail page", "dashboard", "write"}  # no export, no sign-in
    assert kinds["list or detail page"]["p95_ms"] == 194.0  # 95th of 100..199
    assert kinds["list or detail page"]["meets"] is True
    assert kinds["dashboard"]["p95_ms"] == 330.0 and kinds["dashboard"]["meets"] is False
    assert kinds["write"]["failures"] == 1 and kinds["write"]["meets"] is True
    pages = {p["page"]: p for p in steady["pages"]}
    assert pages["export xlsx filtered"]["target_p95_ms"] is None
    assert "## Steady state" in runner.report_md(
        {
            "meta": {
                "started": "2026-12-07 18:00",
                "users": 50,
                "split": "",
                "time": "5m",
                "ramp_s": 60,
                "with_exports": 0,
                "issues": 100000,
                "gunicorn_workers": 5,
                "cpus": 2,
            },
            "total": {},
            "pages": [],
            "steady": steady,
            "failures": [],
            "resources": {
                "wall_s": 300,
                "processes": {},
                "web_worker_peak_rss_mib": [],
            },
            "loadavg": {"before_servers": 1, "before": 1, "during_mean": 2, "during_max": 3},
            "readyz": {"before": {}, "after": {}},
            "worker_tasks": {"succeeded": 0, "failed_or_retried": 0},
            "locust": {"users_spawned": {}, "cpu_s": 1, "exit_code": 0},
        }
    )

"""Roundtable's load test: the people of one district at work, as Locust users.

Run by bench/loadtest/run.py (`make loadtest`), which starts gunicorn, the worker and the
database first. Four kinds of user, in the proportions of issue 15 (30/12/5/3 of 50):

- ``Liaison``: My department and its tabs, their issues, progress posts;
- ``Staff`` (the secretariat): the ledger with filters and searches in Chinese and English,
  issue pages, logging and assigning issues, filtered exports;
- ``Chair``: the overview dashboard, a department's figures, and the ledger behind a figure;
- ``Reader``: meetings and enterprises.

``FullExporter`` (``--with-exports N``: N of them, no think time) downloads the whole
ledger as .xlsx again and again.

Every user signs in through the sign-in form with a demo login (roundtable/dashboard/demo/,
password ``roundtable-demo``) and posts the real forms with the CSRF token of the page they
were read from. Each request is named after its page type (``PAGES``), which is what the
report groups by; tests/test_loadtest.py checks that every path here resolves to the view
``PAGES`` names, so a renamed URL fails that test rather than the load run.
"""

import itertools
import os
import random
import re
import time

from locust import HttpUser, between, constant, events, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "roundtable-demo")

# Every request, one line each (run.py reads it for the steady state's percentiles): when it
# started (epoch seconds), its method and page type, its time in ms, and whether it failed.
_REQUESTS_CSV = os.environ.get("LOADTEST_REQUESTS_CSV")
_requests_log = open(_REQUESTS_CSV, "a", buffering=1) if _REQUESTS_CSV else None  # noqa: SIM115


@events.request.add_listener
def _log_request(request_type, name, response_time, exception=None, start_time=None, **kw):
    if _requests_log is not None:
        started = start_time if start_time is not None else time.time() - response_time / 1000
        _requests_log.write(
            f"{started:.3f},{request_type},{name},{response_time:.1f},{int(bool(exception))}\n"
        )


# Page type → (the URL name it must resolve to, its path). Paths take ``{pk}``.
PAGES = {
    "sign-in": ("accounts:login", "/accounts/login/"),
    "home": ("dashboard:home", "/"),
    "my department": ("issues:my_department", "/issues/my-department/"),
    "issue page": ("issues:detail", "/issues/{pk}/"),
    "progress post": ("issues:progress", "/issues/{pk}/progress/"),
    "accept post": ("issues:accept", "/issues/{pk}/assignments/{assignment}/accept/"),
    "ledger": ("issues:ledger", "/issues/"),
    "ledger filtered": ("issues:ledger", "/issues/"),
    "ledger search zh": ("issues:ledger", "/issues/"),
    "ledger search en": ("issues:ledger", "/issues/"),
    "ledger page 2+": ("issues:ledger", "/issues/"),
    "new issue form": ("issues:new", "/issues/new/"),
    "new issue post": ("issues:new", "/issues/new/"),
    "assign form": ("issues:assign", "/issues/{pk}/assign/"),
    "assign post": ("issues:assign", "/issues/{pk}/assign/"),
    "export xlsx filtered": ("issues:export_xlsx", "/issues/export.xlsx"),
    "export csv filtered": ("issues:export_csv", "/issues/export.csv"),
    "dashboard": ("dashboard:overview", "/dashboard/"),
    "department figures": ("dashboard:department", "/dashboard/department/"),
    "ledger from dashboard": ("issues:ledger", "/issues/"),
    "roundtable": ("meetings:roundtable", "/roundtable/"),
    "meetings": ("meetings:list", "/meetings/"),
    "meeting page": ("meetings:detail", "/meetings/{pk}/"),
    "enterprises": ("enterprises:list", "/enterprises/"),
    "enterprise page": ("enterprises:detail", "/enterprises/{pk}/"),
    "full export": ("issues:export_xlsx", "/issues/export.xlsx"),
    "full export start": ("issues:export_xlsx", "/issues/export.xlsx"),
    "full export job": ("jobs:progress", "/jobs/{pk}/progress"),
    "full export download": ("jobs:download", "/jobs/{pk}/download"),
}

# The demo's logins (roundtable/dashboard/demo/content/institution.toml). Several simulated
# users may share one login, as colleagues on two computers do.
LIAISONS = (
    "liaison",
    "liaison_drc",
    "liaison_edu",
    "liaison_stb",
    "liaison_eic",
    "liaison_fin",
    "liaison_hrss",
    "liaison_eco",
    "liaison_com",
    "liaison_fao",
    "liaison_amr",
    "liaison_stats",
    "liaison_fo",
    "liaison_tax",
    "liaison_fic",
)
STAFF = ("staff", "staff2", "staff3", "staff4")
CHAIRS = ("chair", "deputy")

SEARCHES_ZH = ("用地", "审批", "签证", "税费", "融资", "环保", "重庆")
SEARCHES_EN = ("permit", "land", "visa", "customs", "tax", "Chongqing", "GmbH")
STATUSES = ("logged", "assigned", "in_progress", "concluded", "closed")
MY_DEPARTMENT_TABS = ("awaiting", "overdue", "due_soon", "in_progress")

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_SELECT = re.compile(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="([^"]+)"')
_LEDGER_LINK = re.compile(r'href="(/issues/\?[^"]+)"')


def path(page: str, **kwargs) -> str:
    return PAGES[page][1].format(**kwargs)


def ids(html: str, prefix: str) -> list[int]:
    """The ids of the ``prefix<id>/`` links in a page (``/issues/``, ``/meetings/``…)."""
    found = re.findall(rf'href="{re.escape(prefix)}(\d+)/"', html)
    return list(dict.fromkeys(int(pk) for pk in found))


def options(html: str, name: str) -> list[str]:
    """The non-empty values of the select ``name``."""
    for select, body in _SELECT.findall(html):
        if select == name:
            return _OPTION.findall(body)
    return []


def hidden(html: str) -> dict[str, str]:
    """The hidden fields of the page's forms (the CSRF token, a create form's token)."""
    return dict(_HIDDEN.findall(html))


def csrf(html: str) -> str:
    match = _CSRF.search(html)
    return match[1] if match else ""


class PortalUser(HttpUser):
    """A signed-in user of the portal, thinking 1 to 5 seconds between pages."""

    abstract = True
    wait_time = between(1, 5)
    logins: tuple[str, ...] = ()

    def on_start(self):
        self.issue_ids: list[int] = []
        self.sign_in()

    def sign_in(self):
        # Round-robin over the class's logins, so the load spreads over departments.
        counter = type(self).__dict__.get("_counter")
        if counter is None:
            counter = itertools.count()
            type(self)._counter = counter
        self.username = self.logins[next(counter) % len(self.logins)]
        form = self.client.get(path("sign-in"), name="sign-in")
        data = {
            "csrfmiddlewaretoken": csrf(form.text),
            "username": self.username,
            "password": PASSWORD,
            "next": "/",
        }
        with self.client.post(
            path("sign-in"), data=data, name="sign-in", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302 or "/accounts/login" in answer.headers.get("Location", ""):
                answer.failure(f"{self.username} was not signed in ({answer.status_code})")
        self.page("home")

    def page(self, page: str, *, params=None, **kwargs):
        """GET a page; a 200 that is the sign-in page (a lost session) is a failure too."""
        with self.client.get(
            path(page, **kwargs), params=params, name=page, catch_response=True
        ) as answer:
            if answer.ok and "/accounts/login/" in answer.url:
                answer.failure("sent to sign in")
        return answer

    def send(self, page: str, data: dict, *, form_html: str, files=None, raced=False, **kwargs):
        """POST a form read from ``form_html``; the redirect after it is followed. ``files``
        makes it multipart, as the browser sends a form with a file field. ``raced``: another
        user may have done the same step first (two liaisons of one department accepting one
        assignment), and the portal's answer to the second, 409 with the issue page saying
        so, is what it should answer, not a failure."""
        data = {"csrfmiddlewaretoken": csrf(form_html), **data}
        with self.client.post(
            path(page, **kwargs), data=data, files=files, name=page, catch_response=True
        ) as answer:
            if raced and answer.status_code == 409:
                answer.success()
            elif answer.ok and answer.history and "/accounts/login/" in answer.url:
                answer.failure("sent to sign in")
            elif answer.ok and not answer.history:
                # A form re-rendered with its errors answers 200 without a redirect.
                answer.failure("the form was not accepted")
        return answer

    def missing(self, page: str, what: str) -> None:
        """A page without what the task needs from it (a renamed field): a failure in the
        report, not a task that quietly does nothing."""
        self.environment.events.request.fire(
            request_type="CHECK",
            name=page,
            response_time=0,
            response_length=0,
            response=None,
            context={},
            exception=AssertionError(f"{what} not found"),
        )

    def an_issue(self) -> int | None:
        return random.choice(self.issue_ids) if self.issue_ids else None

    def remember(self, html: str) -> None:
        found = ids(html, "/issues/")
        if found:
            self.issue_ids = found[:50]


class Liaison(PortalUser):
    weight = 30
    logins = LIAISONS

    @task(4)
    def my_department(self):
        tab = random.choice(MY_DEPARTMENT_TABS + (None,))
        answer = self.page("my department", params={"section": tab} if tab else None)
        self.remember(answer.text)

    @task(4)
    def issue_page(self):
        pk = self.an_issue()
        if pk:
            self.page("issue page", pk=pk)

    @task(2)
    def post_progress(self):
        listing = self.page("my department", params={"section": "in_progress"})
        candidates = ids(listing.text, "/issues/")
        if not candidates:
            return
        pk = random.choice(candidates[:20])
        issue = self.page("issue page", pk=pk)
        if f'action="{path("progress post", pk=pk)}"' not in issue.text:
            return  # not this department's to update (a co-handler not yet accepted…)
        body = f"Load test: called the enterprise, next step agreed ({random.randint(1, 999)})."
        no_file = {"file": ("", b"", "application/octet-stream")}  # the empty file field
        self.send("progress post", {"body": body}, form_html=issue.text, files=no_file, pk=pk)

    @task(1)
    def accept(self):
        """Accept an assignment awaiting the department (staff keep assigning new ones)."""
        listing = self.page("my department", params={"section": "awaiting"})
        candidates = ids(listing.text, "/issues/")
        if not candidates:
            return
        pk = random.choice(candidates[:20])
        issue = self.page("issue page", pk=pk)
        action = re.escape(path("accept post", pk=pk, assignment=0)).replace("/0/", r"/(\d+)/")
        found = re.search(f'action="{action}"', issue.text)
        if found:
            self.send(
                "accept post", {}, form_html=issue.text, raced=True, pk=pk, assignment=found[1]
            )

    @task(1)
    def home(self):
        self.page("home")


class Staff(PortalUser):
    weight = 12
    logins = STAFF

    @task(3)
    def ledger(self):
        self.remember(self.page("ledger").text)

    @task(1)
    def ledger_next_page(self):
        self.page("ledger page 2+", params={"page": random.randint(2, 20)})

    @task(3)
    def ledger_filtered(self):
        params = {"status": random.sample(STATUSES, 2)}
        if random.random() < 0.5:
            params["overdue"] = "on"
        else:
            params["sort"] = random.choice(("deadline", "-raised_on"))
        self.remember(self.page("ledger filtered", params=params).text)

    @task(2)
    def search_chinese(self):
        self.remember(self.page("ledger search zh", params={"q": random.choice(SEARCHES_ZH)}).text)

    @task(2)
    def search_english(self):
        self.remember(self.page("ledger search en", params={"q": random.choice(SEARCHES_EN)}).text)

    @task(4)
    def issue_page(self):
        pk = self.an_issue()
        if pk:
            self.page("issue page", pk=pk)

    @task(1)
    def log_and_assign(self):
        form = self.page("new issue form")
        choice = {name: options(form.text, name) for name in ("enterprise", "category")}
        if not all(choice.values()):
            self.missing("new issue form", "the enterprise and category choices")
            return
        today = re.search(r'name="raised_on" value="([\d-]+)"', form.text)
        data = {
            **{k: v for k, v in hidden(form.text).items() if k == "submission_token"},
            "title": f"Load test issue {random.randint(1, 10**6)}",
            "description": "Raised on a service visit: the permit renewal is waiting.",
            "enterprise": random.choice(choice["enterprise"]),
            "category": random.choice(choice["category"]),
            "source": "visit",
            "raised_on": today[1] if today else "",  # missing: the post fails, visibly
            "priority": "normal",
        }
        created = self.send("new issue post", data, form_html=form.text)
        match = re.search(r"/issues/(\d+)/$", created.url or "")
        if not match:
            return  # the post's failure is reported already
        pk = int(match[1])
        assign = self.page("assign form", pk=pk)
        departments = options(assign.text, "lead_department")
        if not departments:
            self.missing("assign form", "the lead department choices")
            return
        data = {"lead_department": random.choice(departments), "deadline_working_days": "15"}
        self.send("assign post", data, form_html=assign.text, pk=pk)

    @task(1)
    def export(self):
        # A department's open issues, as staff export them for a meeting: not the whole ledger.
        params = {"status": ["assigned", "in_progress"], "q": random.choice(SEARCHES_ZH)}
        page = "export xlsx filtered" if random.random() < 0.5 else "export csv filtered"
        self.page(page, params=params)


class Chair(PortalUser):
    weight = 5
    logins = CHAIRS

    @task(3)
    def dashboard(self):
        params = {"sort": random.choice(("name", "-overdue", "-open"))}
        answer = self.page("dashboard", params=params)
        self.ledger_links = _LEDGER_LINK.findall(answer.text)

    @task(3)
    def department(self):
        first = self.page("department figures")
        departments = options(first.text, "department")
        if not departments:
            self.missing("department figures", "the department choices")
            return
        self.page("department figures", params={"department": random.choice(departments)})

    @task(2)
    def ledger_behind_a_figure(self):
        links = getattr(self, "ledger_links", None)
        if links:
            link = random.choice(links).replace("&amp;", "&")
            with self.client.get(link, name="ledger from dashboard", catch_response=True) as r:
                if r.ok and "/accounts/login/" in r.url:
                    r.failure("sent to sign in")

    @task(1)
    def home(self):
        self.page("home")


class Reader(PortalUser):
    """Someone reading up before a meeting: the meetings, the roundtable, the enterprises."""

    weight = 3
    logins = STAFF[1:] + CHAIRS[1:]

    @task(2)
    def meetings(self):
        answer = self.page("meetings")
        self.meeting_ids = ids(answer.text, "/meetings/")

    @task(3)
    def meeting(self):
        pk = random.choice(getattr(self, "meeting_ids", None) or [None])
        if pk:
            self.page("meeting page", pk=pk)

    @task(1)
    def roundtable(self):
        self.page("roundtable")

    @task(2)
    def enterprises(self):
        params = {"q": random.choice(SEARCHES_EN + SEARCHES_ZH)} if random.random() < 0.5 else None
        answer = self.page("enterprises", params=params)
        self.enterprise_ids = ids(answer.text, "/enterprises/")

    @task(3)
    def enterprise(self):
        pk = random.choice(getattr(self, "enterprise_ids", None) or [None])
        if pk:
            self.page("enterprise page", pk=pk)


class FullExporter(PortalUser):
    """One of ``--with-exports N``: the whole ledger as .xlsx, one after the other without a
    pause. Over ``EXPORT_IMMEDIATE_MAX_ROWS`` rows it is a background job (roundtable/jobs/):
    the offer page, its form's POST, the job's progress polled every 2 s as the page does,
    then the download to the last byte. A refusal at the job limits (429) is what the portal
    is meant to answer, not a failure; the exporter waits and tries again."""

    fixed_count = int(os.environ.get("LOADTEST_EXPORTS", "0") or 0)
    wait_time = constant(0)
    logins = STAFF
    POLL_SECONDS, POLL_LIMIT = 2, 900

    @task
    def full_export(self):
        offer = self.page("full export")
        if "csrfmiddlewaretoken" not in offer.text:
            return  # small enough to be downloaded at once: done
        with self.client.post(
            path("full export start"),
            data={"csrfmiddlewaretoken": csrf(offer.text)},
            name="full export start",
            catch_response=True,
        ) as started:
            if started.status_code == 429:
                started.success()
                time.sleep(5)
                return
            job = re.search(r"/jobs/(\d+)/", started.url or "")
            if not job:
                started.failure("no job page after starting the export")
                return
        pk = int(job[1])
        for _ in range(self.POLL_LIMIT):
            progress = self.page("full export job", pk=pk)
            if "/download" in progress.text:
                self.page("full export download", pk=pk)
                return
            if "hx-trigger" not in progress.text:
                self.missing("full export job", "a finished job's download link")
                return
            time.sleep(self.POLL_SECONDS)

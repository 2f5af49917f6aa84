"""Issue 12, point 4: any input on any URL gets a 4xx (or a form error), never a 5xx.

The walk visits every URL pattern of the resolver, the Django admin's included, as every
persona of the access matrix, with GET and with POST. It learns which parameters each view
reads by recording the keys looked up in ``request.GET`` and ``request.POST`` (a recording
QueryDict put in place by a middleware), then asks again with each of those keys set to each
hostile value, and repeats while new keys show up. URL arguments get real ids from the matrix's
world, then the hostile values their converter lets through. Any 5xx, or any exception that
escapes a view, is a failure.

One world is built for the whole module and each request runs in a savepoint that is rolled
back, so a POST that succeeds (a logout, a closed issue) changes nothing for the next one.

About 11,000 requests, 60–100 s per database on a shared two-core machine (issue 12 gives the
walk 60–90 s of each CI run), because:

- on our own pages, the persona that reads the most keys gets them one at a time, the rest of
  the request being the matrix's valid data, so that a value reaches the code behind a form's
  other checks; every other persona that reads any key gets all of them hostile at once;
- the Django admin's pages (135 of the 205) get all keys at once, with one value of each kind,
  since its forms clean each field on its own; one at a time would cost minutes.

A key that a view only reads by iterating over the query string (an admin change list's
lookups) is found from the page's own links to itself; any other such key is not tried.
"""

import html
import logging
import re
from contextlib import contextmanager
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse

from departments.models import DepartmentMembership
from issues.models import Issue
from tests import factories
from tests.conftest import _member
from tests.security.test_access_matrix import MATRIX, PDF, PERSONAS, _fill, _world

# The values of issue 12 and SECURITY.md §2: a NUL byte; digits that str.isdigit() accepts
# and int() refuses (²) or accepts (٣, Arabic-Indic three); a negative and a float-looking
# number; one past the largest 64-bit integer (SQLite raises OverflowError on it); a long string.
OVERFLOW = str(2**63)
HOSTILE = ["a\x00b", "²", "٣", "-1", "1e9", OVERFLOW, "x" * 5000]
# The same key given twice: a view that expects one value gets a list.
ARRAY = "array"
# In a URL: an <int:> argument only takes ASCII digits, so only the size is hostile there;
# <str:> and <path:> arguments (the admin's object ids) take anything.
HOSTILE_INT_ARG = [OVERFLOW]
HOSTILE_TEXT_ARG = HOSTILE
ADMIN = "admin/"
# The admin's 135 pages are Django's code over our models: one value of each kind that fails
# differently (a NUL, a digit int() refuses, an overflow, a long string, a list), and only the
# administrator and anonymous get hostile URLs, since the admin checks its permission before
# it reads an object id (roundtable/urls.py), so every other persona gets the same redirect.
ADMIN_HOSTILE = ["a\x00b", "²", OVERFLOW, "x" * 5000, ARRAY]
ADMIN_HOSTILE_ARG = ["a\x00b", "²", "-1", OVERFLOW, "x" * 5000]
ADMIN_PATH_PERSONAS = {"An", "Ad"}


# --- The URL patterns ---------------------------------------------------------------------


def _patterns(resolver=None, prefix="", namespace=""):
    """(route, name, pattern) of every URL pattern, with namespaced includes; ``route`` is what
    ``resolve(path).route`` gives for a path that matches it."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = URLResolver._join_route(prefix, str(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}" if entry.name else "", entry


PATTERNS = list(_patterns())
ROUTES = [route for route, _name, _pattern in PATTERNS]
_NAMES = {route: name for route, name, _pattern in PATTERNS}
# The routes whose walk reached them (test_the_walk_covered_every_url_pattern_of_the_resolver).
COVERED: set[str] = set()


# --- Recording what a view reads ----------------------------------------------------------

READS: set[tuple[str, str]] = set()
# A formset's forms past the second read the same fields again (a hostile TOTAL_FORMS makes
# a thousand of them): the first two stand for the rest.
LATER_FORMSET_FORM = re.compile(r"-([2-9]|[1-9][0-9]+)-")


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes every key looked up in it, in READS, as ("GET"|"POST", key)."""

    source = ""

    def _note(self, key):
        if isinstance(key, str) and not LATER_FORMSET_FORM.search(key):
            READS.add((self.source, key))

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.source = self.source
        return result

    @classmethod
    def wrap(cls, data: QueryDict, source: str) -> "RecordingQueryDict":
        recording = cls(mutable=True, encoding=data.encoding)
        for key, values in data.lists():
            recording.setlist(key, values)
        recording._mutable = data._mutable
        recording.source = source
        return recording


class RecordReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = RecordingQueryDict.wrap(request.GET, "GET")
        if request.method == "POST":
            request.POST = RecordingQueryDict.wrap(request.POST, "POST")
        return self.get_response(request)


# --- The world ----------------------------------------------------------------------------


def _build_world():
    """The access matrix's world (tests/security/test_access_matrix.py), with an extension
    request pending so that every id of the matrix exists."""
    from django.contrib.auth.models import Group

    from roundtable.accounts.models import Role

    for name in Role.values:
        Group.objects.get_or_create(name=name)
    dept_a = factories.DepartmentFactory(code="dept-a", name_en="Department A", name_zh="甲局")
    dept_b = factories.DepartmentFactory(code="dept-b", name_en="Department B", name_zh="乙局")
    dept_c = factories.DepartmentFactory(code="dept-c", name_en="Department C", name_zh="丙局")
    liaison, head = DepartmentMembership.Role.LIAISON, DepartmentMembership.Role.HEAD
    personas = {
        "LA": _member("liaison_a", dept_a, liaison),
        "LB": _member("liaison_b", dept_b, liaison),
        "LC": _member("liaison_c", dept_c, liaison),
        "HA": _member("head_a", dept_a, head),
        "Mo": factories.UserFactory(username="monitor"),
        "St": factories.UserFactory(username="staff", roles=["commerce_staff"]),
        "Ch": factories.UserFactory(username="chair", roles=["chair"]),
        "Ad": factories.UserFactory(username="admin", roles=["administrator"], is_staff=True),
    }
    enterprise_1 = factories.EnterpriseFactory(name_en="Enterprise One", name_zh="第一企业有限公司")
    enterprise_2 = factories.EnterpriseFactory(name_en="Enterprise Two", name_zh="第二企业有限公司")
    # The enterprise side's contacts (matrix_portal.yaml): of E1, and of E2 only.
    personas["C1"] = factories.make_contact(enterprise_1, username="contact_1")
    personas["C2"] = factories.make_contact(enterprise_2, username="contact_2")
    ids = _world("extension_pending", personas, dept_a, dept_b, enterprise_1)
    sessions = {}
    for persona, user in personas.items():
        client = Client()
        client.force_login(user)
        sessions[persona] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return ids, sessions


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; every test of the module runs in a savepoint inside this transaction."""
    media = tmp_path_factory.mktemp("media")
    overrides = override_settings(
        CELERY_TASK_ALWAYS_EAGER=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MEDIA_ROOT=media,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Last, so that it wraps what the view reads, after the other middleware read theirs.
        MIDDLEWARE=[*django_settings.MIDDLEWARE, f"{__name__}.RecordReadsMiddleware"],
    )
    with (
        time_machine.travel("2026-09-29 10:00 +0800", tick=False),
        overrides,
        _quiet_request_log(),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        from roundtable.workdays.models import CalendarDay, CalendarYear
        from roundtable.workdays.seed import seed_from_package

        if not CalendarYear.objects.exists():
            seed_from_package(CalendarYear, CalendarDay)
        ids, sessions = _build_world()
        # One client for the module: a new one would load the middleware again, and
        # WhiteNoise's scan of the static files would then be most of the walk's time.
        yield {"ids": ids, "sessions": sessions, "media": media, "client": Client()}
        transaction.set_rollback(True)


@contextmanager
def _quiet_request_log():
    """Thousands of expected 403s and 404s: their warnings, with tracebacks, only cost time.
    A 5xx is still logged (ERROR)."""
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


# --- Seeds: a valid request for each pattern ----------------------------------------------


def _admin_args(route, pattern, ids):
    """Real values for an admin page's URL arguments: an object of the page's model (and one
    of its history rows), as (args, kwargs)."""
    parts = route.split("/")
    obj = None
    if len(parts) > 3:
        try:
            model = apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):  # admin/r/…, admin/password_change/done/
            model = None
        obj = model._default_manager.order_by("pk").first() if model else None
    values = {
        "object_id": str(obj.pk) if obj else "1",
        "content_type_id": str(ContentType.objects.get_for_model(Issue).pk),
        "id": str(ids["u_St"]),
        "app_label": "issues",
        "url": "no-such-page/",
    }
    if route.startswith(ADMIN + "r/"):  # view_on_site: r/<content_type_id>/<object_id>/
        values["object_id"] = str(ids["X"])
    regex = pattern.pattern.regex
    if regex.groups > len(regex.groupindex):  # simple_history: (object id)/history/(history id)
        history = obj.history.order_by("history_id").first() if obj else None
        return [values["object_id"], str(history.history_id) if history else "1"], {}
    keys = {*regex.groupindex, *pattern.pattern.converters}
    return [], {key: values[key] for key in keys}


def _path(route, pattern, args, kwargs):
    """The path of ``route`` with these URL arguments, for patterns with or without a name."""
    name = _NAMES[route]
    if name:
        return reverse(name, args=args) if args else reverse(name, kwargs=kwargs)
    if "(?P<url>" in route:  # the admin's catch-all
        return "/" + ADMIN + kwargs["url"]
    text = route
    for key, value in kwargs.items():
        text = re.sub(rf"<(\w+:)?{key}>", lambda _m, value=value: quote(value), text)
    return "/" + text


def _seeds(route, pattern, ids):
    """{method: (path, query, data)} from the matrix rows of the pattern (their ids, query
    strings and valid POST data), or for the admin's pages from its models."""
    name = _NAMES[route]
    rows = [row for row in MATRIX if row["name"] == name] if name else []
    if rows:
        gets = [row for row in rows if row["method"] == "GET"] or rows
        posts = [row for row in rows if row["method"] == "POST"] or gets
        base = urlsplit(_fill(gets[0]["path"], ids)).path
        query = {}
        for row in gets:
            parts = urlsplit(_fill(row["path"], ids))
            if parts.path == base:
                query.update(parse_qsl(parts.query))
        post_parts = urlsplit(_fill(posts[0]["path"], ids))
        data = {k: _fill(v, ids) for k, v in (posts[0].get("data") or {}).items()}
        return {
            "GET": (base, query, {}),
            "POST": (post_parts.path, dict(parse_qsl(post_parts.query)), data),
        }
    assert route.startswith(ADMIN), f"{route}: no row in tests/security/matrix*.yaml"
    path = _path(route, pattern, *_admin_args(route, pattern, ids))
    return {"GET": (path, {}, {}), "POST": (path, {}, {})}


def _hostile_paths(route, pattern, path, admin_page):
    """Paths of the same pattern with one URL argument replaced by a hostile value that its
    converter (or regular expression) lets through."""
    match = resolve(path)
    converters = pattern.pattern.converters
    slots = [(i, v) for i, v in enumerate(match.args)] + list(match.kwargs.items())
    for slot, value in slots:
        converter = converters.get(slot) if isinstance(slot, str) else None
        if isinstance(value, int):
            candidates = HOSTILE_INT_ARG
        else:
            candidates = ADMIN_HOSTILE_ARG if admin_page else HOSTILE_TEXT_ARG
        for hostile in candidates:
            if converter is not None and not _converter_accepts(converter, hostile):
                continue
            args = [str(v) for v in match.args]
            kwargs = {k: str(v) for k, v in match.kwargs.items()}
            if isinstance(slot, int):
                args[slot] = hostile
            else:
                kwargs[slot] = hostile
            try:
                candidate = _path(route, pattern, args, kwargs)
            except NoReverseMatch:  # the pattern's regular expression refuses the value
                continue
            if resolve(urlsplit(candidate).path).route == route:
                yield slot, hostile, candidate


def _converter_accepts(converter, value):
    return re.fullmatch(converter.regex, value) is not None


# --- Asking -------------------------------------------------------------------------------


class Walk:
    """Asks one URL pattern and collects every 5xx."""

    def __init__(self, route, world):
        self.route = route
        self.sessions = world["sessions"]
        self.client = world["client"]
        self.failures = []
        self.resolved = False
        self.last_response = None

    def ask(self, persona, method, path, query, data, what):
        """One request in a savepoint; returns its status and the keys the view read."""
        client = self.client
        client.cookies = SimpleCookie()
        if persona != "An":
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        READS.clear()
        payload = dict(data)
        if payload.get("file") == "@pdf":
            payload["file"] = SimpleUploadedFile("report.pdf", PDF)
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = client.get(path, query)
            else:
                response = client.post(path + ("?" + _encode(query) if query else ""), payload)
        except Exception as exc:  # noqa: BLE001 - the failure this walk looks for
            self.failures.append(f"{persona} {method} {path} {what}: {type(exc).__name__}: {exc}")
            return 500, set()
        finally:
            transaction.savepoint_rollback(savepoint)
        if response.status_code >= 500:
            self.failures.append(f"{persona} {method} {path} {what}: {response.status_code}")
        if response.resolver_match is not None and response.resolver_match.route == self.route:
            self.resolved = True
        self.last_response = response
        return response.status_code, {key for key in READS if key[1] != DUMMY_KEY}

    def baseline(self, persona, method, seed):
        """The seed, with a dummy key so that a form bound to ``request.GET or None`` is
        bound and reads its fields; returns the keys read."""
        path, query, data = seed
        if method == "GET":
            query = {**query, DUMMY_KEY: "1"}
        else:
            data = {**data, DUMMY_KEY: "1"}
        reads = self.ask(persona, method, path, query, data, "as is")[1]
        return reads | _linked_keys(self.last_response, path)

    def one_key_at_a_time(self, persona, method, seed, keys, values):
        path, query, data = seed
        found = set()
        for source, key in sorted(keys):
            for value in values:
                q = _with(query, key, value) if source == "GET" else query
                d = _with(data, key, value) if source == "POST" else data
                what = f"{source}[{key!r}]={_short(value)}"
                found |= self.ask(persona, method, path, q, d, what)[1]
        return found

    def all_keys_at_once(self, persona, method, seed, keys, values):
        """Every key hostile in one request per value. The admin refuses a bad control key
        (``_to_field``…) before it reads the form: then the request is made again with the
        control keys left as they were (unless a NUL in the query string, which every page
        refuses, would be refused again)."""
        found = set()
        plain = {(source, key) for source, key in keys if not key.startswith("_")}
        for value in values:
            status, more = self._all(persona, method, seed, keys, value)
            found |= more
            refused_again = "\x00" in value and any(source == "GET" for source, _k in plain)
            if 400 <= status < 500 and plain and plain != set(keys) and not refused_again:
                found |= self._all(persona, method, seed, plain, value)[1]
        return found

    def _all(self, persona, method, seed, keys, value):
        path, query, data = seed
        if value == OVERFLOW:
            # A formset builds as many forms as TOTAL_FORMS says, up to Django's cap of 2,000:
            # seconds of rendering and nothing the other values do not check.
            keys = {(source, key) for source, key in keys if not key.endswith("-TOTAL_FORMS")}
        for source, key in keys:
            if source == "GET":
                query = _with(query, key, value)
            else:
                data = _with(data, key, value)
        what = f"[{','.join(sorted(k for _s, k in keys))}]={_short(value)}"
        return self.ask(persona, method, path, query, data, what)


DUMMY_KEY = "_walk"
HREF = re.compile(r'href="([^"]*)"')


def _linked_keys(response, path):
    """The query keys of the page's links to itself: an admin change list's filters and date
    hierarchy, which it reads by iterating over the query string rather than by name."""
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return set()
    keys = set()
    for href in HREF.findall(response.content.decode(errors="replace")):
        parts = urlsplit(html.unescape(href))
        if parts.query and parts.path in ("", path):
            keys |= {("GET", key) for key, _v in parse_qsl(parts.query, keep_blank_values=True)}
    return keys


def _encode(query):
    q = QueryDict(mutable=True)
    for key, value in query.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q.urlencode()


def _with(params, key, value):
    changed = dict(params)
    if value == ARRAY:
        first = params.get(key)
        changed[key] = [first if isinstance(first, str) and first else "1", "2"]
    else:
        changed[key] = value
    return changed


def _short(value):
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(value)} chars)"


def _hostile_parameters(walk, persona, method, seed, keys, *, one_at_a_time, values):
    """Hostile values in every key read, then in the keys those requests read in turn."""
    tried = set()
    todo = set(keys)
    while todo:
        tried |= todo
        if one_at_a_time:
            found = walk.one_key_at_a_time(persona, method, seed, todo, values)
        else:
            found = walk.all_keys_at_once(persona, method, seed, todo, values)
        todo = found - tried


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=re.sub(r"<(\w+:)?(\w+)>", r"\2", r) or "/") for r in ROUTES]
)
def test_hostile_input_never_gives_a_5xx(route, world, settings, db):
    settings.MEDIA_ROOT = world["media"]
    pattern = next(p for r, _n, p in PATTERNS if r == route)
    walk = Walk(route, world)
    admin_page = route.startswith(ADMIN)
    for method, seed in _seeds(route, pattern, world["ids"]).items():
        path, query, data = seed
        assert resolve(path).route == route, f"the seed {path} is not {route}"
        readers = {}
        for persona in (*PERSONAS, "C1"):
            keys = walk.baseline(persona, method, seed)
            if keys:
                readers[persona] = keys
            if admin_page and (persona not in ADMIN_PATH_PERSONAS or method != "GET"):
                continue
            for slot, value, hostile_path in _hostile_paths(route, pattern, path, admin_page):
                walk.ask(persona, method, hostile_path, query, data, f"<{slot}>={_short(value)}")
        # Our views: the persona that reads the most keys gets them one at a time, the others
        # all at once. The admin's pages: all at once, with fewer values.
        widest = max(readers, key=lambda p: len(readers[p]), default=None)
        for persona, keys in readers.items():
            _hostile_parameters(
                walk,
                persona,
                method,
                seed,
                keys,
                one_at_a_time=persona == widest and not admin_page,
                values=ADMIN_HOSTILE if admin_page else [*HOSTILE, ARRAY],
            )
    assert walk.resolved, f"no request reached {route}"
    COVERED.add(route)
    if walk.failures:
        pytest.fail("\n".join([f"{len(walk.failures)} 5xx:", *walk.failures]), pytrace=False)


def test_the_walk_covered_every_url_pattern_of_the_resolver(request):
    walked = [item for item in request.session.items if "test_hostile_input_never" in item.name]
    if len(walked) < len(ROUTES):
        pytest.skip("only part of the walk was selected (-k), so coverage cannot be counted")
    assert len(COVERED) == len(set(ROUTES)) == len(PATTERNS), sorted(set(ROUTES) - COVERED)

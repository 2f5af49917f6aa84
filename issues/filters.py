"""The ledger's filters. They live in the URL's query string, so a filtered ledger can be
bookmarked and shared, and every dashboard figure can link to the issues behind it."""

import time
from datetime import date

from django import forms
from django.conf import settings
from django.db import connections, transaction
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from departments.models import Department
from issues import kpi_selectors as kpis
from issues.models import Assignment, Category, Issue
from issues.querysets import lifecycle_position
from roundtable.enterprises.models import Enterprise
from roundtable.lib import cached, ordering
from roundtable.lib.forms import ModelChoiceField
from roundtable.lib.i18n import label_value
from roundtable.lib.periods import Period
from roundtable.lib.widgets import PlainSelect
from roundtable.workdays import services as workdays

# Statuses sort in the order an issue moves through them, not by their codes, which read as
# no order at all in Chinese; index issue_lifecycle serves both directions.
LIFECYCLE = lifecycle_position()

SORTS = {
    "reference": ("year", "sequence"),
    "-reference": ("-year", "-sequence"),
    "deadline": ("deadline", "-id"),
    "-deadline": ("-deadline", "-id"),
    "raised": ("raised_on", "id"),
    "-raised": ("-raised_on", "-id"),
    "status": (LIFECYCLE.asc(), "-id"),
    "-status": (LIFECYCLE.desc(), "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "-raised"
# Words of a search (each one is a lookup of enterprises, then a condition).
SEARCH_WORDS = 5
# The largest id a filter accepts, as issues.access does: SQLite cannot even bind 2**63.
ID_MAX = 2**62


# The filter's selects offer the departments, the categories and the enterprises' countries:
# read from the cache (3 queries and 5 ms of every ledger page otherwise), dropped when one
# of those rows is saved or deleted (``forget_choices``, connected in issues/apps.py), and
# read again after CHOICES_SECONDS at the latest (rows written in bulk send no signal).
CHOICES_SECONDS = 300
CHOICES_WHAT = "the ledger filter's choices"


def _cached(name: str, build):
    key = cached.site_key(f"ledger-filter-choices:{name}")
    return cached.read_through(key, build, CHOICES_SECONDS, CHOICES_WHAT)


def _enterprise_countries() -> list[str]:
    return sorted(
        Enterprise.objects.exclude(country="")
        .order_by()  # the default ordering would make each enterprise a distinct row
        .values_list("country", flat=True)
        .distinct()
    )


def forget_choices(**kwargs) -> None:
    """Drop the cached choices of the filter's selects (a receiver of post_save and
    post_delete of departments, categories and enterprises)."""
    names = ["countries"]
    for code, _name in settings.LANGUAGES:
        names += [f"departments:{code}", f"categories:{code}"]
    keys = [cached.site_key(f"ledger-filter-choices:{name}") for name in names]
    cached.forget(keys, CHOICES_WHAT)


def connect_choice_signals() -> None:
    for model in (Department, Category, Enterprise):
        for signal in (post_save, post_delete):
            signal.connect(forget_choices, sender=model, dispatch_uid=f"forget-choices-{model}")


class LedgerFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.MultipleChoiceField(
        required=False,
        choices=Issue.Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
    )
    lead = ModelChoiceField(
        required=False,
        queryset=Department.objects.all(),
        label=_("Lead department"),
        widget=PlainSelect,
    )
    department = ModelChoiceField(
        required=False,
        queryset=Department.objects.all(),
        label=_("Any department"),
        widget=PlainSelect,
    )
    category = ModelChoiceField(
        required=False, queryset=Category.objects.all(), label=_("Category"), widget=PlainSelect
    )
    source = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *Issue.Source.choices],
        label=_("Source"),
        widget=PlainSelect,
    )
    meeting = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    enterprise = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    special_study = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    country = forms.ChoiceField(
        required=False, choices=[("", "—")], label=_("Country or region"), widget=PlainSelect
    )
    monitor = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    due_within = forms.IntegerField(
        required=False, min_value=0, max_value=60, label=_("Due within (working days)")
    )
    raised_from = forms.DateField(
        required=False, label=_("Raised from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    raised_to = forms.DateField(
        required=False, label=_("Raised to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    concluded_from = forms.DateField(required=False, widget=forms.HiddenInput)
    concluded_to = forms.DateField(required=False, widget=forms.HiddenInput)
    # What the dashboard's figures link with (issues/kpi_selectors.py defines each).
    on_time = forms.ChoiceField(
        required=False, choices=[("", ""), ("1", "1"), ("0", "0")], widget=forms.HiddenInput
    )
    satisfaction = forms.MultipleChoiceField(
        required=False, choices=Issue.Satisfaction.choices, widget=forms.MultipleHiddenInput
    )
    rated_from = forms.DateField(required=False, widget=forms.HiddenInput)
    rated_to = forms.DateField(required=False, widget=forms.HiddenInput)
    rated_by = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("enterprise", "enterprise"), ("staff", "staff")],
        widget=forms.HiddenInput,
    )
    reopened_from = forms.DateField(required=False, widget=forms.HiddenInput)
    reopened_to = forms.DateField(required=False, widget=forms.HiddenInput)
    assigned_from = forms.DateField(required=False, widget=forms.HiddenInput)
    assigned_to = forms.DateField(required=False, widget=forms.HiddenInput)
    response = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("due", "due"), ("in_time", "in_time")],
        widget=forms.HiddenInput,
    )
    escalated = forms.BooleanField(required=False, widget=forms.HiddenInput)
    instruction_pending = forms.BooleanField(required=False, widget=forms.HiddenInput)
    industry = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Country names in the language of this request, not of the process's first import.
        self.fields["country"].choices = [("", "—"), *countries]
        active = Department.objects.active()
        self.fields["lead"].queryset = active
        self.fields["department"].queryset = active
        # What the selects offer is read when the form is rendered, once for both department
        # selects: Django's own choices query again for each select (a server-side cursor on
        # PostgreSQL, three round trips), and an export, which renders nothing, needs none.
        # Cached: a select reads its choices twice (Select.use_required_attribute).
        self.fields["lead"].widget.choices = lambda: self._department_choices
        self.fields["department"].widget.choices = lambda: self._department_choices
        self.fields["category"].widget.choices = lambda: self._category_choices
        self.fields["country"].widget.choices = lambda: self._country_choices

    @cached_property
    def _department_choices(self) -> list:
        return _cached(f"departments:{get_language()}", lambda: self._model_choices("lead"))

    @cached_property
    def _category_choices(self) -> list:
        return _cached(f"categories:{get_language()}", lambda: self._model_choices("category"))

    def _model_choices(self, name: str) -> list:
        field = self.fields[name]
        return ordering.for_reader(
            [
                ("", str(field.empty_label)),
                *((o.pk, field.label_from_instance(o)) for o in field.queryset),
            ]
        )

    @cached_property
    def _country_choices(self) -> list:
        # Only the countries of some enterprise (and the one asked for, if another):
        # rendering all ~250 took 8 ms of every ledger page. Validation still accepts any
        # country, so a shared link keeps working.
        offered = set(_cached("countries", _enterprise_countries))
        offered.add(self.data.get("country", "") if self.is_bound else "")
        return ordering.for_reader(
            (code, name)
            for code, name in self.fields["country"].choices
            if code in offered or not code
        )

    def clean_q(self):
        text = self.cleaned_data["q"]
        if len(text.split()) > SEARCH_WORDS:
            raise forms.ValidationError(
                ngettext(
                    "Search with at most %(n)d word; it must appear.",
                    "Search with at most %(n)d words; each of them must appear.",
                    SEARCH_WORDS,
                )
                % {"n": SEARCH_WORDS}
            )
        return text

    def clean(self):
        data = super().clean()
        # Date pairs the dashboard sends whole; a response filter needs its assignment dates
        # (its per-day acceptance deadlines are computed for those days only).
        for name in ("rated", "reopened", "assigned"):
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if bool(start) != bool(end) or (start and end and end < start):
                raise forms.ValidationError(_("Give both dates of a date range, in order."))
        if data.get("rated_by") and not data.get("rated_from"):
            raise forms.ValidationError(_("Give both dates of a date range, in order."))
        start, end = data.get("assigned_from"), data.get("assigned_to")
        if data.get("response") and not (start and end and (end - start).days <= 400):
            raise forms.ValidationError(
                _("A response filter needs assignment dates at most 400 days apart.")
            )
        return data

    def sort_in_force(self) -> str:
        """The sort asked for when the filter is valid, else the default (as apply_filters)."""
        valid = self.is_bound and self.is_valid()
        return (self.cleaned_data.get("sort") if valid else "") or DEFAULT_SORT

    def is_filtered(self) -> bool:
        return any(
            v not in (None, "", [], False)
            for k, v in getattr(self, "cleaned_data", {}).items()
            if k != "sort"
        )

    def summary(self) -> list[str]:
        """The filters in force, one short phrase each ("Lead department: …"), for the
        one-line summary of the collapsed filter bar; the conditions a dashboard figure
        links with, which the form does not show, are counted in one phrase."""
        if not (self.is_bound and self.is_valid()):
            return []
        data, phrases, hidden = self.cleaned_data, [], 0
        for name, field in self.fields.items():
            value = data.get(name)
            if name == "sort" or value in (None, "", [], False):
                continue
            if field.widget.is_hidden:
                hidden += 1
            elif isinstance(field, forms.BooleanField):
                phrases.append(str(field.label))
            else:
                phrases.append(label_value(field.label, self._shown(field, value)))
        if hidden:
            phrases.append(
                ngettext("%(n)d condition from a link", "%(n)d conditions from a link", hidden)
                % {"n": hidden}
            )
        return phrases

    @staticmethod
    def _shown(field, value) -> str:
        if isinstance(field, forms.ModelChoiceField):
            return field.label_from_instance(value)
        if isinstance(field, forms.ChoiceField):
            names = dict(field.choices)
            values = value if isinstance(value, list) else [value]
            return ", ".join(str(names.get(v, v)) for v in values)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


# A search matching at most this many issues is resolved to their ids first.
RARE_MATCHES = 500

# A term matching more enterprises than this is matched by a subquery instead of a list of ids.
ENTERPRISE_IDS_MAX = 1000


# Terms of at most this many characters are found through the grams column (migration 0019).
GRAMS_MAX = 2


class HasGram(Func):
    """PostgreSQL only: the issue's reference, title or description contains ``term`` (at
    most GRAMS_MAX characters), letter case ignored: column issues_issue.search_grams holds
    every character and every pair of adjacent characters of UPPER(reference), UPPER(title)
    and UPPER(description), kept by a trigger and indexed with GIN (migration 0019). Exact
    for such a term: a column contains it exactly when the column's grams hold it, both
    under UPPER(); the search still checks its LIKE on the candidates, so the answer cannot
    drift from it."""

    output_field = BooleanField()

    def __init__(self, term: str):
        # The primary key stands for the issue table, so that the column is qualified with
        # the table's alias in this query, whatever it becomes in a subquery.
        super().__init__(F("pk"), Value(term))

    def as_sql(self, compiler, connection, **extra):
        pk, term = self.get_source_expressions()
        value, params = compiler.compile(term)
        table = compiler.quote_name_unless_alias(pk.alias)
        return f"{table}.search_grams @> ARRAY[UPPER({value})]", params


# A term in at least this share of the issues is common: reading the ledger in its order and
# checking the LIKE on each row finds a page (or the capped count's rows) at once, while the
# grams column, large and stored apart from the row, costs more to read on each row than the
# LIKE; so a common term is matched by its LIKE alone.
COMMON_SHARE = 0.2
# Seconds the statistics of the grams (ANALYZE's) are kept in memory.
GRAM_STATS_SECONDS = 600
_gram_stats: dict[str, tuple[float, dict[str, float]]] = {}


def gram_shares(alias: str) -> dict[str, float]:
    """The share of the issues whose grams hold each of PostgreSQL's most common grams (the
    statistics ANALYZE keeps of column search_grams); empty before the first ANALYZE."""
    expires, shares = _gram_stats.get(alias, (0.0, {}))
    if time.monotonic() < expires:
        return shares
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = 'issues_issue' "
            "AND attname = 'search_grams'"
        )
        row = cursor.fetchone()
    shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    _gram_stats[alias] = (time.monotonic() + GRAM_STATS_SECONDS, shares)
    return shares


def _rare_gram(qs, term: str) -> bool:
    """Whether ``term`` (at most GRAMS_MAX characters) is best found through the grams."""
    return gram_shares(qs.db).get(term.upper(), 0.0) < COMMON_SHARE


def search(qs, text: str):
    """Substring search over reference, title, description and the enterprise's names.
    A substring match finds Chinese words inside titles (用地 in 项目用地审批) as well as
    English.

    Fast on PostgreSQL: trigram indexes on UPPER(reference/title/description) serve any term
    of three characters or more (migration 0005), and the enterprises whose names match are
    looked up first so that every condition is on the issue table and the planner can OR the
    indexes together. A shorter term (税, 用地) cannot use a trigram index: its candidates come
    from the index of characters and pairs of characters (migration 0019, ``HasGram``) and the
    same LIKE is checked on them only, so the answer is the substring match's; unless the
    term is common (COMMON_SHARE), when the LIKE alone finds a page at once. A short term
    without letter case is matched with a plain LIKE, a third of the cost of UPPER() LIKE
    UPPER(). On SQLite every term is a plain LIKE."""
    text = text.strip()
    if not text:
        return qs
    matches = matching(qs, text)
    # A rare term: ordered by date, the page query would walk the date index through the
    # whole table looking for a handful of matches. Fetch the matches first (one scan, or the
    # trigram indexes), then count and order that short list by primary key lookups.
    ids = _first_matches(qs.db, text, matches.order_by().values_list("pk", flat=True))
    if len(ids) <= RARE_MATCHES:
        return qs.filter(pk__in=ids)
    return matches


def _first_matches(alias: str, text: str, ids) -> list[int]:
    """Up to RARE_MATCHES + 1 of the ``ids`` that match. With a term of three characters or
    more on PostgreSQL, always through the trigram indexes: under a LIMIT the planner prices
    a scan of the table that stops at the 501st match, and it prices LIKE on an 800-character
    description as cheap as on a title, so as ANALYZE's sample moves its estimate it flips to
    a scan that read 27,000 rows for "permit" (197 ms, 1,772 matches) instead of the indexes
    (17 ms). Scans stay off for this one query only (RESET, whatever the transaction)."""
    first = ids[: RARE_MATCHES + 1]
    connection = connections[alias]
    indexed = any(len(term) >= 3 for term in text.split()[:SEARCH_WORDS])
    if connection.vendor != "postgresql" or not indexed:
        return list(first)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return list(first)
        finally:
            cursor.execute("RESET enable_seqscan")


def matching(qs, text: str):
    """The issues of ``qs`` that contain every word of ``text`` (see ``search``)."""
    condition = Q()
    for term in text.split()[:SEARCH_WORDS]:
        lookup = "icontains" if len(term) >= 3 or term.lower() != term.upper() else "contains"
        enterprises = Enterprise.objects.filter(
            Q(**{f"name_zh__{lookup}": term}) | Q(**{f"name_en__{lookup}": term})
        ).values_list("pk", flat=True)
        ids = list(enterprises[: ENTERPRISE_IDS_MAX + 1])
        by_enterprise = (
            Q(enterprise_id__in=ids)
            if len(ids) <= ENTERPRISE_IDS_MAX
            else Q(enterprise__in=enterprises)
        )
        in_text = (
            Q(**{f"reference__{lookup}": term})
            | Q(**{f"title__{lookup}": term})
            | Q(**{f"description__{lookup}": term})
        )
        short = len(term) <= GRAMS_MAX and connections[qs.db].vendor == "postgresql"
        # A term in the names of that many enterprises is common whatever its grams say.
        if short and len(ids) <= ENTERPRISE_IDS_MAX and _rare_gram(qs, term):
            in_text = Q(HasGram(term)) & in_text
        condition &= in_text | by_enterprise
    return qs.filter(condition)


def filtered(qs, params) -> tuple[LedgerFilterForm, object]:
    """The filter form bound to ``params`` (a request's GET) and the issues of ``qs`` it
    selects. None while the filter has an error: a list, a count or an export that ignored
    the filter would look like its answer."""
    form = LedgerFilterForm(params or None)
    if not form.is_bound:
        return form, apply_filters(qs, {})
    if not form.is_valid():
        return form, qs.none()
    return form, apply_filters(qs, form.cleaned_data)


# The ledger's own filters, in the order they narrow the issues: (name, how). Each applies
# when its value is given (``due_within`` also when it is 0).
LEDGER_FILTERS = (
    ("q", lambda qs, v, today: search(qs, v)),
    ("status", lambda qs, v, today: qs.filter(status__in=v)),
    ("lead", lambda qs, v, today: qs.for_department(v.pk, role=Assignment.Role.LEAD)),
    ("department", lambda qs, v, today: qs.for_department(v.pk)),
    ("category", lambda qs, v, today: qs.filter(category=v)),
    ("source", lambda qs, v, today: qs.filter(source=v)),
    ("meeting", lambda qs, v, today: qs.filter(meeting_id=v)),
    ("enterprise", lambda qs, v, today: qs.of_enterprise(v)),
    ("special_study", lambda qs, v, today: qs.filter(special_study_id=v)),
    ("country", lambda qs, v, today: qs.filter(enterprise__country=v)),
    ("monitor", lambda qs, v, today: qs.filter(monitor_id=v)),
    ("overdue", lambda qs, v, today: qs.overdue(on=today)),
    (
        "due_within",
        lambda qs, v, today: qs.due_between(today, workdays.add_working_days(today, v)),
    ),
    ("raised_from", lambda qs, v, today: qs.filter(raised_on__gte=v)),
    ("raised_to", lambda qs, v, today: qs.filter(raised_on__lte=v)),
    ("concluded_from", lambda qs, v, today: qs.filter(concluded_on__gte=v)),
    ("concluded_to", lambda qs, v, today: qs.filter(concluded_on__lte=v)),
)


def apply_filters(qs, data: dict, *, today: date | None = None):
    """Narrow ``qs`` (already limited to what the user may see) by cleaned filter data."""
    today = today or timezone.localdate()
    for name, narrow in LEDGER_FILTERS:
        value = data.get(name)
        if value or (name == "due_within" and value is not None):
            qs = narrow(qs, value, today)
    qs = _apply_dashboard_filters(qs, data, today)
    return qs.order_by(*SORTS[data.get("sort") or DEFAULT_SORT])


def _apply_dashboard_filters(qs, data: dict, today: date):
    """The dashboard's figures, each defined once in issues/kpi_selectors.py."""
    if data.get("on_time") == "1":
        qs = qs.filter(kpis.ON_TIME)
    elif data.get("on_time") == "0":
        qs = qs.filter(kpis.LATE)
    if data.get("satisfaction"):
        qs = qs.filter(satisfaction__in=data["satisfaction"])
    if data.get("rated_from"):
        rated = {
            "enterprise": kpis.rated_by_enterprise_in,
            "staff": kpis.rated_by_staff_in,
        }.get(data.get("rated_by"), kpis.rated_in)
        qs = qs.filter(rated(Period(data["rated_from"], data["rated_to"])))
    if data.get("reopened_from"):
        qs = qs.filter(kpis.reopened_in(Period(data["reopened_from"], data["reopened_to"])))
    if data.get("assigned_from"):
        period = Period(data["assigned_from"], data["assigned_to"])
        if data.get("response"):
            qs = qs.filter(kpis.response_issues(period, data["response"], today))
        else:
            qs = qs.filter(Exists(kpis.lead_assignments(period).filter(issue=OuterRef("pk"))))
    if data.get("escalated"):
        qs = qs.filter(kpis.escalated_now())
    if data.get("instruction_pending"):
        qs = qs.filter(kpis.instruction_pending())
    if data.get("industry"):
        qs = qs.filter(enterprise__industry=data["industry"])
    return qs

"""The portal's admin site: ids in the admin's URLs and forms are parsed before any query.

Django's admin parses an object id itself on its change, delete and history pages, but these
pass a raw value to a query, where "²" raises ValueError and a number past 2**63 - 1 raises
OverflowError on SQLite (a 500):

- django-simple-history's history pages (the object id, the version id);
- the ticked ids of a bulk action;
- every many-to-many field (``pk__in`` in Django's ModelMultipleChoiceField);
- the autocomplete select, which looks up the posted values to show them again;
- a change list's lookups from the query string: ``raised_on__year=99999999999999999999``
  (date_hierarchy) and ``id__in=9223372036854775808`` raise OverflowError, which the change
  list does not count among its "incorrect lookup parameters".

The site mixes the fixes into every model admin registered with it and into their inlines,
ours and the packages' (auth groups, Celery beat, axes), so that none is left out.
"""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import BadRequest, ValidationError
from django.db import models
from django.http import Http404
from django.utils.decorators import method_decorator
from simple_history.admin import SimpleHistoryAdmin

from roundtable.lib import params
from roundtable.lib.forms import ModelMultipleChoiceField


def is_valid_key(field, raw) -> bool:
    """Whether ``raw`` (text from a URL or a form) can be a value of the key ``field`` (a
    primary key, or the target of a foreign key)."""
    raw = str(raw)
    if params.has_nul(raw):
        return False
    if isinstance(field, models.IntegerField):
        return params.parse_id(raw) is not None
    try:
        field.to_python(raw)
    except ValidationError:
        return False
    return True


class _ValidSelectedValues:
    """An autocomplete select shows the selected rows again by looking them up: only values
    that can be keys are looked up (the form's field reports the others)."""

    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        key = opts.get_field(getattr(self.field.remote_field, "field_name", None) or opts.pk.name)
        value = [v for v in value if v in (None, "") or is_valid_key(key, v)]
        return super().optgroups(name, value, attr)


class IdSafeAutocompleteSelect(_ValidSelectedValues, AutocompleteSelect):
    pass


class IdSafeAutocompleteSelectMultiple(_ValidSelectedValues, AutocompleteSelectMultiple):
    pass


class IdSafeFieldsMixin:
    """Related-row fields that refuse impossible ids: for model admins and their inlines."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdSafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdSafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class IdSafeAdminMixin(IdSafeFieldsMixin):
    """404 for an object's history page with an impossible id, 400 for a bulk action on
    impossible ids, the change list's usual "?e=1" for a lookup that overflows, and the fields
    above."""

    def get_changelist_instance(self, request):
        # Builds the query from the lookups and counts its rows: an overflow comes from one.
        try:
            return super().get_changelist_instance(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def response_action(self, request, queryset):
        pk = self.model._meta.pk
        for raw in request.POST.getlist(ACTION_CHECKBOX_NAME):
            if not is_valid_key(pk, raw):
                raise BadRequest("A ticked row's id is not an id.")
        return super().response_action(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        self._require_pk(object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history's page of one past version (only SimpleHistoryAdmin routes it).
        self._require_pk(object_id)
        if params.parse_id(version_id) is None:
            raise Http404
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    def _require_pk(self, object_id):
        if not is_valid_key(self.model._meta.pk, unquote(object_id)):
            raise Http404


def _with_mixin(mixin, cls, **attrs):
    if issubclass(cls, mixin):
        return cls
    attrs.update(__module__=cls.__module__, __doc__=cls.__doc__)
    return type(cls.__name__, (mixin, cls), attrs)


class AdminSite(admin.AdminSite):
    """Django's admin site; every model admin registered gets IdSafeAdminMixin, and each of
    its inlines IdSafeFieldsMixin."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        inlines = [_with_mixin(IdSafeFieldsMixin, inline) for inline in admin_class.inlines]
        admin_class = _with_mixin(IdSafeAdminMixin, admin_class, inlines=inlines)
        super().register(model_or_iterable, admin_class, **options)


# django-simple-history's history page writes <p class="paginator" style="border-top: 0">,
# the one inline style of the admin pages we use. Rather than a copy of its template, that
# page alone lets exactly this style attribute through, by its hash ('unsafe-hashes' lets a
# hash match an attribute; nothing else inline is allowed there either).
PAGINATOR_STYLE_HASH = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"  # border-top: 0


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin under the portal's Content-Security-Policy."""

    @method_decorator(csp_update({"style-src": ["'unsafe-hashes'", PAGINATOR_STYLE_HASH]}))
    def history_view(self, request, object_id, extra_context=None):
        return super().history_view(request, object_id, extra_context=extra_context)

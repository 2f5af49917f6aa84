"""The portal's own administration of users (administrators only): list, create and invite,
edit details and roles, department seats, deactivate and reactivate, reset a second factor.
Every change goes through ``accounts/services.py`` and is kept in the user's history."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import DepartmentMembership
from roundtable.accounts import roles, services
from roundtable.accounts.forms import (
    MembershipEndForm,
    MembershipForm,
    UserFilterForm,
    UserForm,
)
from roundtable.accounts.history import user_history
from roundtable.accounts.models import Role, User

PAGE_SIZE = 50


def administrator_required(view):
    """Signed in (else the login redirect) and an administrator (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_administrator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# The largest id looked up, as issues.access does: SQLite cannot even bind 2**63.
ID_MAX = 2**62


def _user_or_404(pk) -> User:
    if not 0 < pk <= ID_MAX:
        raise Http404
    return get_object_or_404(User, pk=pk)


def _refusal_to_form(form, exc: services.AccountRefused) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


@administrator_required
@require_http_methods(["GET"])
def user_list(request):
    """Everyone with an account: filter by name, status and role."""
    form = UserFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = User.objects.all()
    status = data.get("status", "")
    if status == "":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    if data.get("q"):
        text = data["q"].strip()
        qs = qs.filter(
            Q(username__icontains=text) | Q(full_name__icontains=text) | Q(email__icontains=text)
        )
    role = data.get("role")
    current = DepartmentMembership.objects.current().filter(user=OuterRef("pk"))
    if role in Role.values:
        qs = qs.filter(groups__name=role)
    elif role in DepartmentMembership.Role.values:
        qs = qs.filter(Exists(current.filter(role=role)))
    qs = qs.prefetch_related("groups").order_by("full_name", "username")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    seats = {}
    for membership in (
        DepartmentMembership.objects.current()
        .filter(user__in=[u.pk for u in page.object_list])
        .select_related("department")
    ):
        seats.setdefault(membership.user_id, []).append(membership)
    labels = dict(Role.choices)
    for user in page.object_list:
        user.role_labels = [str(labels[g.name]) for g in user.groups.all() if g.name in labels]
        user.seats = seats.get(user.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/admin/user_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    """A new account with roles, and an invitation to set its password."""
    form = UserForm(request.POST or None, initial={"preferred_language": "zh-hans"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                full_name=data["full_name"],
                title=data["title"],
                office_phone=data["office_phone"],
                mobile=data["mobile"],
                preferred_language=data["preferred_language"],
                role_names=data["roles"],
                invite=data["invite"],
            )
        except services.AccountRefused as exc:
            _refusal_to_form(form, exc)
        else:
            if data["invite"]:
                messages.success(
                    request, _("Account created. The invitation is on its way by e-mail.")
                )
            else:
                messages.success(request, _("Account created."))
            return redirect("accounts:user_detail", user.pk)
    return render(
        request,
        "accounts/admin/user_form.html",
        {"form": form, "title": _("New account"), "submit": _("Create the account")},
    )


@administrator_required
@require_http_methods(["GET"])
def user_detail(request, pk):
    """One account: details, roles, department seats, second factor, actions, history."""
    user = _user_or_404(pk)
    today = timezone.localdate()
    memberships = list(
        DepartmentMembership.objects.filter(user=user)
        .select_related("department")
        .order_by("-started_on", "pk")
    )
    for membership in memberships:
        membership.is_current = membership.started_on <= today and (
            membership.ended_on is None or membership.ended_on >= today
        )
    return render(
        request,
        "accounts/admin/user_detail.html",
        {
            "subject": user,
            "role_labels": [str(dict(Role.choices)[n]) for n in sorted(services.roles_of(user))],
            "memberships": memberships,
            "membership_form": MembershipForm(initial={"started_on": today}),
            "end_form": MembershipEndForm(initial={"ended_on": today}),
            "second_factor": services.second_factor_enabled(user),
            "has_password": user.has_usable_password(),
            "history": user_history(user),
            "is_self": user.pk == request.user.pk,
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    user = _user_or_404(pk)
    initial = {name: getattr(user, name) for name in services.PROFILE_FIELDS}
    initial["roles"] = sorted(services.roles_of(user))
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=user,
                role_names=data["roles"],
                **{name: data[name] for name in services.PROFILE_FIELDS},
            )
        except services.AccountRefused as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_detail", user.pk)
    return render(
        request,
        "accounts/admin/user_form.html",
        {
            "form": form,
            "subject": user,
            "title": _("Edit %(name)s") % {"name": user.display_name},
            "submit": _("Save"),
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def membership_add(request, pk):
    """Give the person a seat (head or liaison) in a department, with dates."""
    user = _user_or_404(pk)
    form = MembershipForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(
                actor=request.user,
                user=user,
                department=data["department"],
                role=data["role"],
                started_on=data["started_on"],
                ended_on=data["ended_on"],
            )
        except services.AccountRefused as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, _("Department seat added."))
            return redirect("accounts:user_detail", user.pk)
    return render(
        request,
        "accounts/admin/membership_form.html",
        {"form": form, "subject": user},
        status=400 if form.is_bound else 200,
    )


@administrator_required
@require_POST
def membership_end(request, pk, membership_pk):
    user = _user_or_404(pk)
    if not 0 < membership_pk <= ID_MAX:
        raise Http404
    membership = get_object_or_404(DepartmentMembership, pk=membership_pk, user=user)
    form = MembershipEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last day as a date."))
    else:
        try:
            services.membership_end(
                actor=request.user, membership=membership, ended_on=form.cleaned_data["ended_on"]
            )
        except services.AccountRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Department seat ended."))
    return redirect("accounts:user_detail", user.pk)


def _action(service, done_message):
    """A POST-only button on the user's page that calls ``service(actor=, user=)``."""

    @administrator_required
    @require_POST
    def view(request, pk):
        user = _user_or_404(pk)
        try:
            service(actor=request.user, user=user)
        except services.AccountRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done_message())
        return redirect("accounts:user_detail", user.pk)

    return view


user_deactivate = _action(
    services.user_deactivate, lambda: _("Account deactivated; its sessions have ended.")
)
user_reactivate = _action(services.user_reactivate, lambda: _("Account reactivated."))
user_invite = _action(services.user_invite, lambda: _("The invitation is on its way by e-mail."))
user_reset_second_factor = _action(
    services.second_factor_reset,
    lambda: _(
        "Second factor removed. The person signs in with the password and may set it up again."
    ),
)

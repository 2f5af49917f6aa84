"""Special studies: common problems several enterprises share, studied for a policy change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from issues import access, studies
from issues.forms import SpecialStudyForm
from issues.models import Issue, SpecialStudy
from roundtable.accounts import roles, submissions
from roundtable.enterprises.models import Enterprise
from roundtable.lib import params


@login_required
@require_GET
def study_list(request):
    access.require_case_user(request.user)
    studies = list(SpecialStudy.objects.select_related("lead_department"))
    # Only the issues the reader may see: the figure matches the study's page and the ledger.
    counts = (
        Issue.objects.visible_to(request.user)
        .filter(special_study__in=[s.pk for s in studies])
        .count_by("special_study")
    )
    for study in studies:
        study.issue_count = counts.get(study.pk, 0)
    return render(
        request,
        "issues/study_list.html",
        {"studies": studies, "can_create": roles.is_commerce_staff(request.user)},
    )


def _candidates(request, study=None):
    # ?issue= (a recurring group's issues, from the dashboard) must be ids; a posted value
    # that is not one is left to the form's field, which reports it.
    ids = params.get_ids(request.GET, "issue")
    ids += [pk for pk in map(params.parse_id, request.POST.getlist("issues")) if pk]
    qs = Issue.objects.filter(pk__in=ids)
    if study is not None:
        qs = qs | study.issues.all()
    return qs.select_related("enterprise")


@login_required
@require_http_methods(["GET", "POST"])
def study_new(request):
    access.check(roles.is_commerce_staff(request.user))
    if request.method == "POST":
        earlier = submissions.already_created(request, SpecialStudy)
        if earlier is not None:
            messages.info(request, submissions.ALREADY_SUBMITTED)
            return redirect("issues:study_detail", pk=earlier.pk)
    candidates = _candidates(request)
    form = SpecialStudyForm(
        request.POST or None,
        candidate_issues=candidates,
        initial={"issues": list(candidates.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create():
            return studies.special_study_create(
                actor=request.user,
                issues=data.get("issues") or [],
                **{name: data[name] for name in studies.STUDY_FIELDS},
            )

        study, created = submissions.create_once(request, SpecialStudy, create)
        if created:
            messages.success(request, _("Special study created."))
        else:
            messages.info(request, submissions.ALREADY_SUBMITTED)
        return redirect("issues:study_detail", pk=study.pk)
    return render(request, "issues/study_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def study_edit(request, pk):
    access.check(roles.is_commerce_staff(request.user))
    study = get_object_or_404(SpecialStudy, pk=pk)
    form = SpecialStudyForm(
        request.POST or None,
        instance=study,
        candidate_issues=_candidates(request, study),
        initial={"issues": list(study.issues.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        studies.special_study_update(
            actor=request.user,
            study=study,
            issues=data.get("issues") or [],
            **{name: data[name] for name in studies.STUDY_FIELDS},
        )
        messages.success(request, _("Saved."))
        return redirect("issues:study_detail", pk=study.pk)
    return render(request, "issues/study_form.html", {"form": form, "study": study})


@login_required
@require_GET
def study_detail(request, pk):
    access.require_case_user(request.user)
    study = get_object_or_404(SpecialStudy.objects.select_related("lead_department"), pk=pk)
    issues = (
        Issue.objects.visible_to(request.user)
        .filter(special_study=study)
        .select_related("enterprise", "category")
        .order_by("raised_on")
    )
    # The enterprises that raised its issues and those the issues also concern.
    enterprises = Enterprise.objects.filter(
        Q(issues__in=issues) | Q(pk__in=issues.values("other_enterprises"))
    ).distinct()
    return render(
        request,
        "issues/study_detail.html",
        {
            "study": study,
            "issues": issues,
            "enterprises": enterprises,
            "can_edit": roles.is_commerce_staff(request.user),
        },
    )

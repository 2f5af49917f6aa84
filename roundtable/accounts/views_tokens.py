"""Personal API tokens on one's account page: make one (its key shown once, on the answer to
the POST, never stored or shown again) and revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roundtable.accounts import api_tokens, roles, services
from roundtable.accounts.forms import ApiTokenForm
from roundtable.lib import params


def account_context(user, *, token_form=None, new_key="", new_token=None) -> dict:
    return {
        "labels": roles.role_labels(user),
        "second_factor": services.second_factor_enabled(user),
        "second_factor_required": services.second_factor_required(user),
        "api_tokens": list(api_tokens.tokens_of(user)),
        "token_form": token_form or ApiTokenForm(),
        "new_key": new_key,
        "new_token": new_token,
    }


@login_required
@require_POST
def api_token_create(request):
    form = ApiTokenForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            token, key = api_tokens.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                last_day=form.cleaned_data["last_day"],
            )
        except api_tokens.TokenRefused as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            # The key is on this answer only (never cached: NoStoreForAuthenticatedMiddleware).
            context = account_context(request.user, new_key=key, new_token=token)
            return render(request, "accounts/account.html", context, status=201)
    context = account_context(request.user, token_form=form)
    return render(request, "accounts/account.html", context, status=status)


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = api_tokens.token_revoke(user=request.user, token_id=params.parse_id(str(pk)) or 0)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:account")

"""The API tokens page: a user's own tokens for the REST API, to list, make and revoke.

For every role that can use the API (clinicians, patients, service managers); administrators
work in the admin site instead.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patients.models import User
from ssm_outcomes.digits import whole_number
from ssm_outcomes.forms import posted

from ..forms import ApiTokenForm
from ..selectors import api_tokens_live
from ..services import api_token_create, api_token_revoke


def _api_user(request) -> User:
    if request.user.role == User.Role.ADMIN:
        raise PermissionDenied("API tokens are for clinicians, patients and service managers.")
    return request.user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's tokens that still work, and a form for a new one (its key shown only once)."""
    user = _api_user(request)
    form = ApiTokenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            token, key = api_token_create(user=user, name=form.cleaned_data["name"])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            return render(request, "account/api_token_created.html", {"token": token, "key": key})
    return render(
        request,
        "account/api_tokens.html",
        {
            "form": form,
            "tokens": api_tokens_live(user=user),
            "days": settings.API_TOKEN_DAYS,
        },
    )


@never_cache
@login_required
@require_POST
def api_token_revoke_page(request):
    """Revoke one of the user's own tokens; anyone else's is not found."""
    user = _api_user(request)
    token_id = whole_number(request.POST.get("token", ""))
    token = api_token_revoke(user=user, token_id=token_id) if token_id is not None else None
    if token is None:
        raise Http404("No such token")
    messages.success(
        request,
        _("The token “%(name)s” is revoked: nothing can use it to sign in any more.")
        % {"name": token.name},
    )
    return redirect("api_tokens")

import secrets

from allauth.core.internal import ratelimit
from allauth.core.internal.httpkit import get_client_ip
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts.access import posted, public, signed_in
from centres.branding import centre_brand
from centres.services import ServiceError
from portfolios.access import get_evidence_for

from .forms import WitnessRequestForm, WitnessStatementForm
from .models import WitnessRequest
from .services import (
    STATEMENT_DECLARATION,
    LinkUnusable,
    criteria_to_offer,
    ensure_link_usable,
    ensure_may_ask,
    link_days,
    request_for_token,
    requester_kind,
    witness_request_create,
    witness_request_opened,
    witness_request_revoke,
    witness_statement_submit,
)

# Posts of the witness form per client IP (the sign-in limiter's mechanism and its reading of the client IP:
# ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER say which proxies to believe).
RATE_LIMITS = {"statement": "10/m/ip,30/h/ip"}


@signed_in
def witness_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk)
    if requester_kind(evidence=evidence, actor=request.user) is None:
        raise Http404
    try:
        ensure_may_ask(evidence=evidence, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("evidence_detail", pk=evidence.pk)
    offered = criteria_to_offer(evidence)
    claimed = list(evidence.claims.values_list("criterion_id", flat=True))
    form = WitnessRequestForm(posted(request), criteria=offered,
                              initial={"criteria": claimed, "form_token": secrets.token_urlsafe(24)})
    if request.method == "POST" and form.is_valid():
        try:
            made = witness_request_create(evidence=evidence, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            said = (_("This request was already sent to %(name)s: nothing more was sent.") if made.repeated
                    else _("%(name)s has been emailed a link to write their statement."))
            messages.success(request, said % {"name": made.name})
            return redirect("evidence_detail", pk=evidence.pk)
    return render(request, "community/witness/request_new.html", {"evidence": evidence, "form": form,
                                                                   "days": link_days()})


@signed_in
@require_POST
def witness_request_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    witness_request = WitnessRequest.objects.filter(pk=pk).only("evidence_id").first()
    if witness_request is None:
        raise Http404
    evidence = get_evidence_for(request, witness_request.evidence_id)
    witness_request = WitnessRequest.objects.select_related("evidence__enrolment").get(pk=pk)
    try:
        witness_request_revoke(witness_request=witness_request, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The link sent to %(name)s no longer works.") % {"name": witness_request.name})
    return redirect("evidence_detail", pk=evidence.pk)


@public
@ensure_csrf_cookie
def witness_statement(request: HttpRequest, token: str) -> HttpResponse:
    """The witness's page: no account, none of LEAP's navigation, the centre's branding; the link works once."""
    witness_request = request_for_token(token)
    if witness_request is None:
        return _unusable(request, None, "unknown", status=404)
    try:
        ensure_link_usable(witness_request)
    except LinkUnusable as refused:
        return _unusable(request, witness_request, refused.reason)
    witness_request_opened(witness_request=witness_request)
    form = WitnessStatementForm(posted(request), witness_request=witness_request)
    if request.method == "POST":
        if not ratelimit.consume(request, app="witness", action="statement", config=RATE_LIMITS):
            return _page(request, witness_request, "community/witness/statement.html",
                         {"form": form, "limited": True}, status=429)
        if form.is_valid():
            try:
                witness_statement_submit(witness_request=witness_request, ip_address=get_client_ip(request),
                                         user_agent=request.headers.get("User-Agent", ""), **form.cleaned_data)
            except LinkUnusable as refused:
                return _unusable(request, witness_request, refused.reason)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                return _page(request, witness_request, "community/witness/thanks.html", {})
    return _page(request, witness_request, "community/witness/statement.html", {"form": form})


def _page(request: HttpRequest, witness_request: WitnessRequest | None, template: str, context: dict,
          status: int = 200) -> HttpResponse:
    centre = witness_request.centre if witness_request else None
    return render(request, template, {"witness_request": witness_request, "brand": centre_brand(centre),
                                      "centre": centre, "declaration": STATEMENT_DECLARATION, **context},
                  status=status)


def _unusable(request: HttpRequest, witness_request: WitnessRequest | None, reason: str,
              status: int = 410) -> HttpResponse:
    # Nothing about the learner or the evidence: only why the link does not open, under the centre's name.
    return _page(request, witness_request, "community/witness/link_unusable.html", {"reason": reason},
                 status=status)

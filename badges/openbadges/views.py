"""Open Badges 3.0, hosted: the credentials, the issuer (profile and controller document), its keys and status
lists. Public by design: each document is served at its own id, for verifiers anywhere to fetch."""

from uuid import UUID

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from accounts.access import public
from badges.models import Award, IssuerKey
from badges.openbadges import keys, ob3, status_lists
from badges.openbadges.crypto.contexts import OB_V3P0, VC_V2
from centres.models import Centre

LD_CONTENT_TYPE = "application/ld+json"


def _json(data: dict, content_type: str, max_age: int = 300) -> JsonResponse:
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return _public(response, max_age)


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in the browser fetch these
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _issuer_or_404(pk: int) -> Centre:
    """A centre that issues badges (or has keys to): others are not issuers, and are not shown."""
    centre = (Centre.objects.filter(pk=pk).filter(Q(badge_classes__isnull=False) | Q(issuer_keys__isnull=False))
              .distinct().first())
    if centre is None:
        raise Http404
    return centre


def _award_or_404(uuid: UUID) -> Award:
    award = Award.objects.select_related("badge_class__centre").filter(uuid=uuid).first()
    if award is None:
        raise Http404
    return award


def issuer_document(centre: Centre) -> dict:
    """The OB 3.0 issuer Profile and the controller document of its Ed25519 keys, in one JSON-LD document."""
    controller = keys.controller_document(centre)
    contexts = [VC_V2, OB_V3P0, *controller["@context"]]
    return {**ob3.issuer_profile(centre), **controller, "@context": contexts}


@public
@require_safe
def ob3_credential(request: HttpRequest, uuid: UUID) -> JsonResponse:
    # A revoked credential is still served: its status is what the revocation list says.
    return _json(ob3.signed_credential(_award_or_404(uuid)), ob3.CONTENT_TYPE, max_age=3600)


@public
@require_safe
def ob3_credential_jwt(request: HttpRequest, uuid: UUID) -> HttpResponse:
    response = HttpResponse(ob3.signed_jwt(_award_or_404(uuid)), content_type=ob3.JWT_CONTENT_TYPE)
    return _public(response, 3600)


@public
@require_safe
def ob3_issuer(request: HttpRequest, pk: int) -> JsonResponse:
    return _json(issuer_document(_issuer_or_404(pk)), LD_CONTENT_TYPE)


@public
@require_safe
def ob3_issuer_key(request: HttpRequest, pk: int, key_pk: int) -> JsonResponse:
    key = IssuerKey.objects.filter(pk=key_pk, centre_id=pk).first()
    if key is None:
        raise Http404
    if key.algorithm == IssuerKey.Algorithm.ED25519:
        return _json(keys.multikey_document(key), LD_CONTENT_TYPE, max_age=86400)
    return _json(keys.jwk(key), "application/jwk+json", max_age=86400)


@public
@require_safe
def ob3_issuer_jwks(request: HttpRequest, pk: int) -> JsonResponse:
    return _json(keys.jwks(_issuer_or_404(pk)), "application/jwk-set+json")


@public
@require_safe
def ob3_revocation_list(request: HttpRequest, pk: int) -> JsonResponse:
    return _json(status_lists.revocation_list(_issuer_or_404(pk)), status_lists.CONTENT_TYPE, max_age=60)


@public
@require_safe
def ob3_status_list(request: HttpRequest, pk: int) -> JsonResponse:
    credential = status_lists.status_list_credential(_issuer_or_404(pk))
    return _json(credential, status_lists.STATUS_LIST_CONTENT_TYPE, max_age=60)


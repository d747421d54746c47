"""Sample pack pages: asked for on the grant's page (centre admin) or the EQA's packs page, a plain status page
("being built, reload"), and the download. A pack is for the person who asked for it only: anyone else, and
anyone once it has expired, gets 404 (the middleware records it as refused for an external moderator)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError
from moderation.models import EqaGrant, SamplePack

from . import selectors, services
from .builder import pack_file_name, storage_open

# --- Access -----------------------------------------------------------------------------------------------

def get_admin_grant_for(request: HttpRequest, pk: int) -> EqaGrant:
    grant = EqaGrant.objects.filter(pk=pk, centre=request.leap.centre).select_related("centre").first()
    if grant is None:
        raise Http404
    return grant


def get_pack_for(request: HttpRequest, pk: int, *, mine: bool) -> SamplePack:
    """The person's own pack: of the current centre for its admin, of the grant in effect for the EQA."""
    packs = SamplePack.objects.filter(pk=pk, requested_by=request.user).select_related("grant__centre")
    packs = packs.filter(grant=request.leap.grant) if mine else packs.filter(grant__centre=request.leap.centre)
    pack = packs.first()
    if pack is None or (mine and request.leap.grant is None):
        raise Http404
    return pack


# --- The centre admin --------------------------------------------------------------------------------------

@role_required(Role.CENTRE_ADMIN)
@require_POST
def eqa_pack_request(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_admin_grant_for(request, pk)
    try:
        pack = services.sample_pack_request(grant=grant, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("eqa_grant_detail", grant.pk)
    return redirect("eqa_pack", pack.pk)


@role_required(Role.CENTRE_ADMIN)
@require_safe
def eqa_pack(request: HttpRequest, pk: int) -> HttpResponse:
    pack = get_pack_for(request, pk, mine=False)
    return render(request, "moderation/eqa/pack_detail.html", _pack_context(pack, mine=False))


@role_required(Role.CENTRE_ADMIN)
@require_safe
def eqa_pack_download(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, get_pack_for(request, pk, mine=False))


# --- The external moderator ---------------------------------------------------------------------------------

@role_required(Role.EXTERNAL_MODERATOR)
@require_safe
def eqa_mine_packs(request: HttpRequest) -> HttpResponse:
    grant = request.leap.grant
    if grant is None:
        raise Http404
    return render(request, "moderation/eqa/pack_mine.html", {
        "grant": grant, "packs": selectors.packs_of(grant=grant, user=request.user)})


@role_required(Role.EXTERNAL_MODERATOR)
@require_POST
def eqa_mine_pack_request(request: HttpRequest) -> HttpResponse:
    grant = request.leap.grant
    if grant is None:
        raise Http404
    try:
        pack = services.sample_pack_request(grant=grant, actor=request.user)
    except (ServiceError, PermissionDenied):
        raise Http404 from None
    return redirect("eqa_mine_pack", pack.pk)


@role_required(Role.EXTERNAL_MODERATOR)
@require_safe
def eqa_mine_pack(request: HttpRequest, pk: int) -> HttpResponse:
    pack = get_pack_for(request, pk, mine=True)
    return render(request, "moderation/eqa/pack_detail.html", _pack_context(pack, mine=True))


@role_required(Role.EXTERNAL_MODERATOR)
@require_safe
def eqa_mine_pack_download(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, get_pack_for(request, pk, mine=True))


# --- Shared --------------------------------------------------------------------------------------------------

def _pack_context(pack: SamplePack, *, mine: bool) -> dict:
    prefix = "eqa_mine_" if mine else "eqa_"
    return {"pack": pack, "grant": pack.grant, "mine": mine, "download_url": prefix + "pack_download",
            "downloadable": pack.status == SamplePack.Status.READY and not pack.is_expired and bool(pack.file)}


def _download(request: HttpRequest, pack: SamplePack) -> FileResponse:
    if not pack.file:
        raise Http404
    try:
        services.sample_pack_downloaded(pack=pack, actor=request.user)
    except (ServiceError, PermissionDenied):
        raise Http404 from None
    response = FileResponse(storage_open(pack.file), as_attachment=True,
                            filename=pack_file_name(pack.grant, pack.finished_at or pack.created_at),
                            content_type="application/zip")
    response["Content-Length"] = str(pack.size)
    response["Cache-Control"] = "private, no-store"
    return response


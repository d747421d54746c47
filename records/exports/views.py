"""Portfolio export pages: the learner asks on their profile (or staff on the learner's page), downloads from their
profile or through the emailed link, asks for a new link; the wallet's "download all my badges". An export is
only ever for the person it is for: anyone else's id or link is 404."""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import signed_in
from centres.access import get_learner_for, role_required
from centres.models import Role
from centres.zip_stream import storage_open

from . import selectors, services
from .badges_zip import write_badges_zip
from .models import LINK_DAYS, ExportRequest


@signed_in
@require_POST
def portfolio_export_request(request: HttpRequest) -> HttpResponse:
    if not selectors.has_portfolio(request.user, request.leap.all_memberships):
        messages.info(request, _("You have no portfolio to export yet: it starts when you are enrolled."))
        return redirect(services.profile_exports_url())
    asked_at = timezone.now()
    export = services.export_request(learner=request.user, actor=request.user)
    if export.created_at < asked_at:
        messages.info(request, _("Your portfolio is already being prepared. We will email you when it is ready."))
    else:
        messages.success(request, _("We are preparing your portfolio. We will email you a download link when it is "
                                    "ready, usually within a few minutes."))
    return redirect(services.profile_exports_url())


@role_required(Role.ASSESSOR, Role.CENTRE_ADMIN)
@require_POST
def portfolio_export_request_for(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_learner_for(request, pk, write=True)
    asked_at = timezone.now()
    try:
        export = services.export_request(learner=membership.user, actor=request.user, centre=request.leap.centre,
                                         purpose=ExportRequest.Purpose.STAFF)
    except PermissionDenied:
        raise Http404 from None
    name = membership.user.display_name
    if export.created_at < asked_at:
        messages.info(request, _("%(name)s's portfolio export is already being prepared.") % {"name": name})
    else:
        messages.success(request, _("%(name)s's portfolio export is being prepared. We will email them the link "
                                    "and tell you here when it is ready.") % {"name": name})
    return redirect("learner_detail", membership.pk)


@signed_in
@require_safe
def portfolio_export_file(request: HttpRequest, pk: int) -> HttpResponse:
    """From the learner's profile (or, for a subject-access export, the admin's request page)."""
    export = selectors.export_for(request.user, pk)
    try:
        services.export_downloaded(export=export, actor=request.user)
    except services.ExportUnavailable as refusal:
        return _link_refused(request, refusal.reason)
    return _zip_response(export)


@signed_in
@require_POST
def portfolio_export_new_link(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.export_for(request.user, pk)
    try:
        services.export_new_link(export=export, actor=request.user)
    except services.ExportUnavailable as refusal:
        messages.error(request, str(refusal))
        return redirect(services.profile_exports_url())
    messages.success(request, _("We have emailed you a new download link. Any earlier link no longer works."))
    return redirect(services.profile_exports_url())


@signed_in
@require_safe
def portfolio_export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: works once, until the export expires, and only for the person signed in it is for (a
    forwarded email gives nobody else anything)."""
    export = selectors.export_for_token(token)
    if export is None:
        return _link_refused(request, "unknown")
    try:
        services.export_downloaded(export=export, actor=request.user, token=token)
    except PermissionDenied:  # someone else's: as if it did not exist
        return _link_refused(request, "unknown")
    except services.ExportUnavailable as refusal:
        return _link_refused(request, refusal.reason)
    return _zip_response(export)


@signed_in
@require_safe
def wallet_badges_zip(request: HttpRequest) -> FileResponse:
    """Every badge of the learner's, baked images and a list, as one ZIP (written to a temporary file, streamed)."""
    out = tempfile.TemporaryFile(prefix="leap-badges-")  # noqa: SIM115 - FileResponse closes it when sent
    write_badges_zip(user=request.user, out=out)
    size = out.tell()
    out.seek(0)
    response = FileResponse(out, as_attachment=True, content_type="application/zip",
                            filename=f"badges-{timezone.localdate():%Y%m%d}.zip")
    response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Shared ----------------------------------------------------------------------------------------------------

def _zip_response(export: ExportRequest) -> FileResponse:
    name = slugify(export.learner.display_name) or "learner"
    response = FileResponse(storage_open(export.file), as_attachment=True, content_type="application/zip",
                            filename=f"portfolio-{name}-{timezone.localtime(export.finished_at):%Y%m%d}.zip")
    response["Content-Length"] = str(export.size)
    response["Cache-Control"] = "private, no-store"
    return response


def _link_refused(request: HttpRequest, reason: str) -> HttpResponse:
    """A clear page: what happened to the link, and how to get the portfolio another way."""
    return render(request, "records/exports/link_refused.html", {
        "reason": reason, "days": LINK_DAYS, "profile_url": services.profile_exports_url()},
        status=404 if reason == "unknown" else 410)

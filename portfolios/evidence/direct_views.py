"""Direct uploads to S3 (static/js/evidence.js, uploadDirect): grant a presigned POST, then confirm the object.

Both answer JSON only, errors included, since the page's script reads every answer as JSON.
"""

import functools
from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import signed_in
from centres.services import ServiceError
from portfolios.access import get_evidence_for
from portfolios.evidence import files as evidence_files
from portfolios.evidence.direct import (
    TooManyUploads,
    UploadMissing,
    pending_upload_for,
    size_limit_message,
    upload_confirm,
    upload_grant,
)
from portfolios.evidence.files import FileRefused
from portfolios.evidence.views import direct_uploads


class UploadGrantForm(forms.Form):
    name = forms.CharField(max_length=255)
    size = forms.IntegerField(min_value=1)

    def clean_size(self) -> int:
        size = self.cleaned_data["size"]
        if size > evidence_files.MAX_ANY_UPLOAD_BYTES:
            raise forms.ValidationError(size_limit_message())
        return size


def json_errors(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """404 and 403 as JSON, with nothing else in the body."""
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": _("Not found.")}, status=404)
        except PermissionDenied:
            return JsonResponse({"error": _("You cannot add files to this evidence.")}, status=403)
    return wrapped


def _refused(name: str, error: Exception, status: int) -> JsonResponse:
    return JsonResponse({"files": [{"ok": False, "name": name, "error": str(error)}]}, status=status)


@signed_in
@require_POST
@json_errors
def evidence_upload_presign(request: HttpRequest, pk: int) -> JsonResponse:
    evidence = get_evidence_for(request, pk, write=True)
    if not direct_uploads():
        raise Http404
    form = UploadGrantForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(e for errors in form.errors.values() for e in errors)}, status=400)
    try:
        grant = upload_grant(evidence=evidence, name=form.cleaned_data["name"], size=form.cleaned_data["size"],
                             actor=request.user)
    except ServiceError as error:
        return JsonResponse({"error": str(error)}, status=429 if isinstance(error, TooManyUploads) else 409)
    return JsonResponse({"url": grant.url, "fields": grant.fields,
                         "confirm_url": reverse("evidence_upload_confirm", args=[evidence.pk, grant.pending.pk])})


@signed_in
@require_POST
@json_errors
def evidence_upload_confirm(request: HttpRequest, pk: int, upload_pk: int) -> JsonResponse:
    evidence = get_evidence_for(request, pk, write=True)
    pending = pending_upload_for(evidence, upload_pk) if direct_uploads() else None
    if pending is None:
        return _refused("", _("This upload has expired or was already added. Reload the page."), 404)
    try:
        attached = upload_confirm(pending=pending, actor=request.user)
    except UploadMissing as error:
        return _refused(pending.original_name, error, 422)
    except FileRefused as error:
        return _refused(error.name, error, 422)
    except ServiceError as error:
        return _refused(pending.original_name, error, 409)
    return JsonResponse({"files": [{"ok": True, "id": attached.pk, "name": attached.original_name,
                                    "kind": attached.get_kind_display()}]})

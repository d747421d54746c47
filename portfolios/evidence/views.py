import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.access import posted, signed_in
from accounts.models import User
from accounts.pseudonyms import current_masking
from accounts.request_cache import page_cache, read_through
from centres.models import Role
from centres.services import ServiceError
from portfolios.access import get_enrolment_for, get_evidence_file_for, get_evidence_for
from portfolios.evidence import selectors
from portfolios.evidence.files import MAX_ANY_UPLOAD_BYTES, FileRefused
from portfolios.evidence.files.formats import served_as
from portfolios.evidence.forms import EvidenceDraftForm, EvidenceSubmitForm, criteria_sections
from portfolios.evidence.services import (
    claimable_criteria,
    ensure_may_add_evidence,
    evidence_create,
    evidence_delete_draft,
    evidence_file_attach,
    evidence_file_remove,
    evidence_save_draft,
    evidence_submit,
    evidence_withdraw,
)
from portfolios.evidence.upload_handler import streamed_sha256, use_evidence_upload_handler
from portfolios.models import Enrolment, Evidence, EvidenceFile

INLINE_KINDS = {EvidenceFile.Kind.IMAGE, EvidenceFile.Kind.VIDEO, EvidenceFile.Kind.AUDIO, EvidenceFile.Kind.PDF}


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def direct_uploads() -> bool:
    """In production files go straight from the browser to S3; the web processes never carry the bytes."""
    return bool(settings.S3_BUCKET)


@signed_in
def my_portfolio(request: HttpRequest) -> HttpResponse:
    enrolments = list(Enrolment.objects.filter(learner=request.user, centre=request.leap.centre)
                      .exclude(status=Enrolment.Status.WITHDRAWN).select_related("version"))
    if len(enrolments) == 1:
        return redirect("portfolio", pk=enrolments[0].pk)
    return render(request, "portfolios/portfolio_choose.html", {"enrolments": enrolments})


@signed_in
def portfolio(request: HttpRequest, pk: int) -> HttpResponse:
    if request.leap.centre is None:
        raise Http404
    kept = None
    if not current_masking():
        name = f"portfolio:{request.leap.centre.pk}:{pk}:{get_language()}"
        kept = read_through(name, request.user.pk, lambda: _portfolio_page(request, pk, to_keep=True),
                            fetched=page_cache(request, reads=[(name, request.user.pk, ())]))
    return render(request, "portfolios/portfolio.html", kept or _portfolio_page(request, pk, to_keep=False))


def _portfolio_page(request: HttpRequest, pk: int, *, to_keep: bool) -> dict | None:
    """What the portfolio page shows: the enrolment (if the viewer may see it, else 404), its units with their
    criteria and the evidence claiming each (rendered), and the learner's own drafts ("saved ... ago" is drawn on
    each visit). Kept under the viewer's generation only where every change of it replaces that generation: for the
    enrolment's learner, assessor and moderator (`portfolios.freshness`; a change of their roles or of who the
    enrolment's people are replaces it too). For anyone else (a centre admin) `to_keep` gives None, kept as "read
    afresh"; under a grant's masking (an external moderator) nothing is kept."""
    enrolment = get_enrolment_for(request, pk, related=("learner", "version"))
    if to_keep and request.user.pk not in (enrolment.learner_id, enrolment.assessor_id, enrolment.moderator_id):
        return None
    own = enrolment.learner_id == request.user.pk
    units = render_to_string("portfolios/includes/portfolio_units.html", {
        "enrolment": enrolment, "own": own,
        "units": selectors.portfolio_by_criterion(enrolment=enrolment, include_drafts=own)})
    drafts = list(selectors.drafts_of(enrolment).values("pk", "title", "updated_at")) if own else []
    return {"enrolment": enrolment, "own": own, "units_html": units, "drafts": drafts}


@signed_in
@csrf_exempt
def evidence_new(request: HttpRequest, pk: int) -> HttpResponse:
    """"Add evidence": an empty form; nothing is stored until the first save (the form, the first autosave, or
    a file sent from this page), which creates the draft. The page's token makes a repeated first save find it."""
    use_evidence_upload_handler(request)  # before CSRF checking reads the body
    return _evidence_new(request, pk)


@csrf_protect
def _evidence_new(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk)
    try:
        ensure_may_add_evidence(enrolment=enrolment, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("portfolio", pk=enrolment.pk)
    form = EvidenceDraftForm(posted(request), claimable=claimable_criteria(enrolment),
                             initial={"revision": 1, "draft_token": secrets.token_urlsafe(24)})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["draft_token"]:
        evidence = evidence_create(enrolment=enrolment, actor=request.user,
                                   draft_token=form.cleaned_data["draft_token"])
        try:
            evidence = _save(form, evidence, request.user)
        except ServiceError as error:
            if evidence.revision == form.cleaned_data["revision"]:  # not a repeat of a save that was made
                form.add_error(None, str(error))
        if not form.errors:
            return _first_saved(request, evidence)
    if wants_json(request):
        return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
    return render(request, "portfolios/evidence_edit.html", {
        "enrolment": enrolment, "evidence": None, "form": form, "files": [], **_form_page(form),
    })


def _form_page(form: EvidenceDraftForm, feedback: selectors.Feedback | None = None) -> dict:
    return {"direct_uploads": direct_uploads(), "max_upload_mb": MAX_ANY_UPLOAD_BYTES // (1024 * 1024),
            "sections": criteria_sections(form, not_met=feedback.not_met_ids if feedback else ()),
            "feedback": feedback, "script_strings": _script_strings()}


def _script_strings() -> dict:
    """What evidence.js says, translated here (plural forms included: the script cannot choose them)."""
    return {
        "saving": _("Saving…"), "saved_now": _("Draft saved just now"),
        "saved_minutes": [ngettext("Draft saved %(minutes)d minute ago", "Draft saved %(minutes)d minutes ago", m)
                          % {"minutes": m} for m in range(1, 60)],
        "saved_at": _("Draft saved at %(time)s"),
        "offline": _("Not saved: no connection. Your text is kept on this device and saved when you are back online."),
        "conflict": _("Changed in another window or tab. Reload to see it; your text here is kept on this device."),
        "uploaded": _("uploaded"), "failed": _("failed — try again"), "recording": _("Recording"),
        "restored": _("Unsaved text from this device has been restored."),
        "upload_at_once": _("Each file uploads as soon as you choose it."),
    }


def _first_saved(request: HttpRequest, evidence: Evidence) -> HttpResponse:
    if request.FILES:
        _attach_uploads(request, evidence)
    if wants_json(request):
        return JsonResponse({"ok": True, "pk": evidence.pk, "revision": evidence.revision,
                             "saved_at": evidence.updated_at.isoformat(),
                             "edit_url": reverse("evidence_edit", args=[evidence.pk]),
                             "autosave_url": reverse("evidence_autosave", args=[evidence.pk]),
                             "upload_url": reverse("evidence_upload", args=[evidence.pk]),
                             "presign_url": reverse("evidence_upload_presign", args=[evidence.pk])})
    messages.success(request, _("Draft saved."))
    return redirect("evidence_edit", pk=evidence.pk)


@signed_in
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    if evidence.status != Evidence.Status.DRAFT:  # submitted work stays in the record
        return redirect("evidence_detail", pk=evidence.pk)
    if request.method == "POST":
        try:
            evidence_delete_draft(evidence=evidence, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("evidence_edit", pk=evidence.pk)
        messages.success(request, _("Draft deleted."))
        return redirect("portfolio", pk=evidence.enrolment_id)
    return render(request, "portfolios/evidence_delete.html", {"evidence": evidence, "files": evidence.files.all()})


def _draft_form(request: HttpRequest, evidence: Evidence) -> EvidenceDraftForm:
    return EvidenceDraftForm(posted(request), claimable=claimable_criteria(evidence.enrolment), initial={
        "title": evidence.title, "reflection": evidence.reflection, "method": evidence.method,
        "activity_date": evidence.activity_date, "activity_place": evidence.activity_place,
        "criteria": [c.criterion_id for c in evidence.claims.all()], "revision": evidence.revision})


def _save(form: EvidenceDraftForm, evidence: Evidence, actor: User) -> Evidence:
    data = form.cleaned_data
    return evidence_save_draft(evidence=evidence, actor=actor, revision=data["revision"], criteria=data["criteria"],
                               **{k: data[k] for k in ("title", "reflection", "method", "activity_date",
                                                       "activity_place")})


@signed_in
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    if not evidence.is_editable:
        return redirect("evidence_detail", pk=evidence.pk)
    form = _draft_form(request, evidence)
    if request.method == "POST" and form.is_valid():
        try:
            _save(form, evidence, request.user)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Draft saved."))
            return redirect("evidence_edit", pk=evidence.pk)
    history = selectors.submissions_with_reviews(evidence)
    feedback = selectors.latest_feedback(history) if evidence.status == Evidence.Status.RETURNED else None
    return render(request, "portfolios/evidence_edit.html", {
        "evidence": evidence, "form": form, "files": evidence.files.all(),
        "submit_form": EvidenceSubmitForm(initial={"revision": evidence.revision}),
        "deletable": evidence.status == Evidence.Status.DRAFT and not history, **_form_page(form, feedback),
    })


@signed_in
@require_POST
def evidence_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    evidence = get_evidence_for(request, pk, write=True)
    form = _draft_form(request, evidence)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
    try:
        evidence = _save(form, evidence, request.user)
    except ServiceError as error:
        return JsonResponse({"ok": False, "error": str(error)}, status=409)
    return JsonResponse({"ok": True, "revision": evidence.revision, "saved_at": evidence.updated_at.isoformat()})


class CappedUploadHandler(FileUploadHandler):
    """Stops a request as soon as a file streams past the largest size we would ever accept."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_ANY_UPLOAD_BYTES:
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@signed_in
@csrf_exempt
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    # The handler (size cap, hashing) must be in place before the body is read, and CSRF checking reads it: so
    # CSRF comes after.
    use_evidence_upload_handler(request)
    return _evidence_upload(request, pk)


@csrf_protect
@require_POST
def _evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    results = _attach_uploads(request, evidence)
    if not results:
        results.append({"name": "", "ok": False, "error": _("The upload did not arrive complete. Try again.")})
    if wants_json(request):
        return JsonResponse({"files": results}, status=200 if all(r["ok"] for r in results) else 422)
    for r in results:
        if r["ok"]:
            messages.success(request, _("“%(name)s” added.") % {"name": r["name"]})
        else:
            messages.error(request, r["error"])
    return redirect("evidence_edit", pk=evidence.pk)


def _attach_uploads(request: HttpRequest, evidence: Evidence) -> list[dict]:
    results = []
    for upload in request.FILES.getlist("files"):
        try:
            attached = evidence_file_attach(evidence=evidence, upload=upload, name=upload.name, size=upload.size,
                                            sha256=streamed_sha256(upload), actor=request.user)
        except (FileRefused, ServiceError) as error:
            results.append({"name": upload.name, "ok": False, "error": str(error)})
        else:
            results.append({"name": attached.original_name, "ok": True, "id": attached.pk,
                            "kind": attached.get_kind_display()})
    return results


@signed_in
@require_POST
def evidence_file_remove_view(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    attached = evidence.files.filter(pk=file_pk).first()
    if attached is None:
        raise Http404
    try:
        evidence_file_remove(evidence_file=attached, actor=request.user)
        messages.success(request, _("“%(name)s” removed.") % {"name": attached.original_name})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("evidence_edit", pk=evidence.pk)


@signed_in
@require_POST
def evidence_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    form = EvidenceSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("evidence_edit", pk=evidence.pk)
    try:
        evidence_submit(evidence=evidence, revision=form.cleaned_data["revision"],
                        declared=form.cleaned_data["declared"], actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("evidence_edit", pk=evidence.pk)
    messages.success(request, _("Submitted. Your assessor has been told."))
    return redirect("evidence_detail", pk=evidence.pk)


@signed_in
@require_POST
def evidence_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk, write=True)
    try:
        evidence_withdraw(evidence=evidence, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("evidence_detail", pk=evidence.pk)
    messages.success(request, _("Withdrawn: it is a draft again, and your assessor will not review it until you "
                                "submit it again."))
    return redirect("evidence_edit", pk=evidence.pk)


@signed_in
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for(request, pk)
    own = evidence.enrolment.learner_id == request.user.pk
    files = list(evidence.files.all())
    staff = request.leap.has(Role.ASSESSOR, Role.CENTRE_ADMIN, Role.MODERATOR, Role.EXTERNAL_MODERATOR)
    history = selectors.submissions_with_reviews(evidence)
    return render(request, "portfolios/evidence_detail.html", {
        "evidence": evidence, "own": own, "files": files,
        "claims": evidence.claims.select_related("criterion", "unit").order_by("unit__position", "criterion__position"),
        "duplicates": selectors.duplicate_files(files=files, learner=evidence.enrolment.learner) if staff else {},
        "may_withdraw": own and evidence.status == Evidence.Status.SUBMITTED and not evidence.review_started_at,
        "may_review": (evidence.enrolment.assessor_id == request.user.pk
                       and evidence.status == Evidence.Status.SUBMITTED),
        "history": history, "feedback": selectors.latest_feedback(history),
    })


def _requested_range(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range a "Range: bytes=a-b" header asks for, within the file; None for anything else."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not match or size == 0 or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end < size else None


def _read_range(handle, start: int, end: int, chunk: int = 1024 * 1024):
    with handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                return
            left -= len(data)
            yield data


def stored_file_response(field, *, content_type: str, filename: str, inline: bool,
                         range_header: str = "") -> HttpResponse:
    """Send a private stored file once access has been checked: from disk, or by a short-lived link to
    object storage (so the web process never carries the bytes)."""
    content_type, inline = served_as(content_type, inline=inline)
    disposition = content_disposition_header(as_attachment=not inline, filename=filename)
    if direct_uploads():
        # S3 cannot add X-Content-Type-Options or Content-Security-Policy per request: the signed link fixes the
        # type and disposition (and objects carry them too, see direct.py); serve the bucket with nosniff and a
        # sandbox CSP from its CDN or proxy where there is one.
        return redirect(field.storage.url(field.name, expire=300, parameters={
            "ResponseContentType": content_type, "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, max-age=300"}))
    handle = field.open("rb")
    byte_range = _requested_range(range_header, field.size) if range_header else None
    if byte_range is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        # Safari plays video only from servers that answer byte ranges (S3 does; so must the laptop mode).
        start, end = byte_range
        response = StreamingHttpResponse(_read_range(handle, start, end), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{field.size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
    return response


@signed_in
def evidence_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    attached = get_evidence_file_for(request, pk)
    thumbnail = request.GET.get("size") == "thumb"
    field = attached.thumbnail if thumbnail else attached.file
    if not field:
        raise Http404
    return stored_file_response(field, content_type="image/jpeg" if thumbnail else attached.content_type,
                                filename=attached.original_name, inline=thumbnail or attached.kind in INLINE_KINDS,
                                range_header=request.headers.get("Range", ""))

"""Data-subject requests: recorded by a centre admin, answered within a month, every act audited.

Access: the person's portfolio export (records.exports, built by a worker) and `account.json` (the account and
audit data held about them), handed over by the admin, who marks the request done with what was provided.
Erasure: see `erasure` for what goes and what stays; confirming writes the letter (with the name held at the
time), then runs the steps.
"""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role
from centres.services import ServiceError, ensure_role
from centres.workflow import check_move, move_status
from records.exports.services import export_request

from . import erasure
from .account_data import account_json
from .models import DataRequest, due_date
from .pdf import letter_pdf_bytes


def _locked(request: DataRequest, actor: User) -> DataRequest:
    ensure_role(actor, request.centre, Role.CENTRE_ADMIN)
    locked = DataRequest.objects.select_for_update().select_related("centre", "subject").get(pk=request.pk)
    check_move(locked, DataRequest.Status.DONE, refusal=_("This request has already been answered."))
    return locked


def data_request_record(*, centre: Centre, subject: User, kind: str, received_on: datetime.date, notes: str,
                        actor: User) -> tuple[DataRequest, bool]:
    """Record a request received on `received_on`, due one calendar month later. The same open request recorded
    again (a form posted twice) gives the first one: returns (request, created)."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if received_on > timezone.localdate():
        raise ServiceError(_("The date received cannot be in the future."))
    if not Membership.objects.filter(user=subject, centre=centre).exists():
        raise ServiceError(_("Nobody with this email address has a membership of this centre."))
    with transaction.atomic():
        existing = DataRequest.objects.filter(centre=centre, subject=subject, kind=kind, received_on=received_on,
                                              status=DataRequest.Status.OPEN).first()
        if existing is not None:
            return existing, False
        request = DataRequest.objects.create(centre=centre, subject=subject, kind=kind, received_on=received_on,
                                             due_on=due_date(received_on), notes=notes, recorded_by=actor)
        audit_record(action="data_request.recorded", actor=actor, centre=centre, target=request, subject=subject,
                     data={"kind": kind, "received_on": received_on.isoformat(),
                           "due_on": request.due_on.isoformat()})
    return request, True


def data_request_refuse(*, request: DataRequest, reason: str, actor: User) -> DataRequest:
    """Refuse a request (manifestly unfounded or excessive, identity not proven...): the reason is required."""
    if not reason.strip():
        raise ServiceError(_("Give the reason for refusing the request: the person must be told it."))
    with transaction.atomic():
        locked = _locked(request, actor)
        move_status(locked, DataRequest.Status.REFUSED)
        locked.refusal_reason, locked.done_at, locked.done_by = reason.strip(), timezone.now(), actor
        locked.save(update_fields=["status", "refusal_reason", "done_at", "done_by"])
        audit_record(action="data_request.refused", actor=actor, centre=locked.centre, target=locked,
                     subject=locked.subject, data={"kind": locked.kind})
    return locked


# --- Subject access ----------------------------------------------------------------------------------------

def data_request_prepare_access(*, request: DataRequest, actor: User) -> DataRequest:
    """Queue the person's portfolio export (for this centre, handed over by the admin) and write account.json.
    Preparing again (a later state of the record) replaces account.json and queues a new export."""
    if request.kind != DataRequest.Kind.ACCESS:
        raise ServiceError(_("Only a subject-access request is answered with an export."))
    with transaction.atomic():
        locked = _locked(request, actor)
        try:
            export = export_request(learner=locked.subject, actor=actor, centre=locked.centre,
                                    purpose="subject_access")
        except PermissionDenied:  # never a learner here (a member of staff): no portfolio, the account data only
            export = None
        body = account_json(person=locked.subject, centre=locked.centre)
        if locked.account_file:
            locked.account_file.delete(save=False)
        locked.account_file.save(f"account-{locked.pk}-{timezone.now():%Y%m%d%H%M%S}.json", ContentFile(body),
                                 save=False)
        locked.account_sha256, locked.export = hashlib.sha256(body).hexdigest(), export
        locked.save(update_fields=["account_file", "account_sha256", "export"])
        audit_record(action="data_request.access_prepared", actor=actor, centre=locked.centre, target=locked,
                     subject=locked.subject, data={"export": export.pk if export else None,
                                                   "account_sha256": locked.account_sha256})
    return locked


def data_request_file_downloaded(*, request: DataRequest, actor: User, what: str) -> None:
    ensure_role(actor, request.centre, Role.CENTRE_ADMIN)
    audit_record(action="data_request.file_downloaded", actor=actor, centre=request.centre, target=request,
                 data={"file": what})


def data_request_complete_access(*, request: DataRequest, actor: User, handed_over: str) -> DataRequest:
    """Mark a subject-access request answered, recording what was provided (file hashes) and how."""
    with transaction.atomic():
        locked = _locked(request, actor)
        if locked.kind != DataRequest.Kind.ACCESS:
            raise ServiceError(_("An erasure request is answered by confirming the erasure."))
        export = locked.export
        if not locked.account_file or (export is not None and export.status != "ready"):
            raise ServiceError(_("Prepare the export and the account data first, and wait until the export is "
                                 "ready."))
        locked.provided = {"account_sha256": locked.account_sha256, "handed_over": handed_over.strip()}
        if export is not None:
            locked.provided.update(export=export.pk, export_sha256=export.sha256, export_size=export.size)
        move_status(locked, DataRequest.Status.DONE)
        locked.done_at, locked.done_by = timezone.now(), actor
        locked.save(update_fields=["provided", "status", "done_at", "done_by"])
        audit_record(action="data_request.done", actor=actor, centre=locked.centre, target=locked,
                     subject=locked.subject, data={k: v for k, v in locked.provided.items() if k != "handed_over"})
    return locked


# --- Erasure -----------------------------------------------------------------------------------------------

def data_request_erase(*, request: DataRequest, actor: User) -> DataRequest:
    """Carry out an erasure request: the letter first (it alone keeps the name held now), then each step in its
    own transaction, then the request is done. Confirming again after a failure carries on where it stopped."""
    if request.kind != DataRequest.Kind.ERASURE:
        raise ServiceError(_("Only an erasure request can be carried out as an erasure."))
    with transaction.atomic():
        locked = _locked(request, actor)
        if "plan" not in locked.erasure:
            plan = erasure.erasure_plan(locked)
            if plan.ongoing:
                raise ServiceError(_("The person is still enrolled here: withdraw their enrolments (reason: "
                                     "erasure request) first, so that what must be kept is known."))
            _write_letter(locked, plan, actor)
    request.refresh_from_db()
    for code, step in erasure.erasure_steps_for(request):
        erasure.run_step(request, actor, code, step)
    with transaction.atomic():
        locked = DataRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == DataRequest.Status.DONE:
            return locked
        move_status(locked, DataRequest.Status.DONE)
        locked.done_at, locked.done_by = timezone.now(), actor
        locked.save(update_fields=["status", "done_at", "done_by"])
        audit_record(action="data_request.erased", actor=actor, centre=locked.centre, target=locked,
                     data={"steps": sorted(locked.erasure.get("steps", {})), "letter_sha256": locked.letter_sha256})
    return locked


def _write_letter(request: DataRequest, plan: "erasure.ErasurePlan", actor: User) -> None:
    record = erasure.plan_record(plan)
    with translation.override(request.subject.language):  # the letter's reasons in the person's language
        rows = erasure.erasure_plan(request).rows
    body = letter_pdf_bytes(request=request, rows=rows, name=request.subject.get_full_name()
                            or request.subject.email, handled_by=actor, on=timezone.localdate())
    request.letter.save(f"letter-{request.pk}.pdf", ContentFile(body), save=False)
    request.letter_sha256 = hashlib.sha256(body).hexdigest()
    request.erasure = {"plan": record, "steps": {}}
    request.save(update_fields=["letter", "letter_sha256", "erasure"])
    audit_record(action="data_request.erasure_confirmed", actor=actor, centre=request.centre, target=request,
                 subject=request.subject, data={"letter_sha256": request.letter_sha256,
                                                "erased": [r.key for r in plan.erased],
                                                "kept": [r.key for r in plan.kept]})

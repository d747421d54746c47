"""Evidence: drafts saved as the learner goes, files checked and processed, declaration and submission."""

import datetime
from collections.abc import Iterable
from typing import IO

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from centres.services import ServiceError
from centres.workflow import move_status
from notifications.services import notify
from portfolios.enrolments.services import enrolment_touch
from portfolios.evidence.files import CheckedFile, FileRefused, check_upload
from portfolios.evidence.processing import evidence_file_process  # noqa: F401 (part of this module's interface)
from portfolios.models import Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile, EvidenceSubmission
from portfolios.tasks import process_evidence_file
from qualifications.models import AssessmentCriterion

DECLARATION = gettext_lazy(
    "I declare that this evidence is my own work, that I carried out the activity it shows, and that the "
    "files I submit are the ones listed here.")
STALE = gettext_lazy("This evidence was changed in another window or tab after you opened it. "
                     "Reload to see the latest version; your text is kept on this page.")


class EvidenceError(ServiceError):
    pass


def _ensure_learner(evidence_or_enrolment, actor: User) -> Enrolment:
    enrolment = getattr(evidence_or_enrolment, "enrolment", evidence_or_enrolment)
    if enrolment.learner_id != actor.pk:
        raise PermissionDenied
    return enrolment


def _ensure_editable(evidence: Evidence, actor: User | None = None) -> None:
    if evidence_is_locked(evidence):
        record_lock_refusal(actor=actor, enrolment=evidence.enrolment, target=evidence, attempt="change evidence")
        raise EvidenceError(_("This evidence belongs to a signed-off unit and is locked."))
    if not evidence.is_editable:
        raise EvidenceError(_("This evidence has been submitted and can no longer be changed. "
                              "Withdraw it first if your assessor has not started reviewing it."))


def record_lock_refusal(*, actor: User, enrolment: Enrolment, target, attempt: str) -> None:
    """An attempt to change a locked unit's record is refused and leaves a trace in the audit trail."""
    with transaction.atomic():
        audit_record(action="lock.refused", actor=actor, centre=enrolment.centre, target=target, subject=enrolment,
                     data={"attempt": attempt})


def ensure_learner_may_change(evidence: Evidence, actor: User) -> Enrolment:
    """The evidence is the actor's own, not submitted, and not part of a signed-off unit."""
    enrolment = _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    return enrolment


def evidence_is_locked(evidence: Evidence) -> bool:
    """Evidence that counts towards a signed-off unit can no longer change in any way."""
    return EvidenceCriterion.objects.filter(
        evidence=evidence, unit__enrolment_units__enrolment_id=evidence.enrolment_id,
        unit__enrolment_units__locked_at__isnull=False).exists()


def _claim_revision(evidence: Evidence, revision: int) -> None:
    """Compare-and-set: a save based on an older revision (another tab, a replayed request) changes nothing."""
    if not Evidence.objects.filter(pk=evidence.pk, revision=revision).update(revision=F("revision") + 1):
        raise EvidenceError(str(STALE))
    evidence.revision = revision + 1


def claimable_criteria(enrolment: Enrolment):
    """Criteria of the enrolment's chosen units that are not locked by a sign-off."""
    open_units = EnrolmentUnit.objects.filter(enrolment=enrolment, locked_at__isnull=True).values("unit")
    return AssessmentCriterion.objects.filter(unit__in=open_units)


def ensure_may_add_evidence(*, enrolment: Enrolment, actor: User) -> None:
    _ensure_learner(enrolment, actor)
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise EvidenceError(_("Evidence can be added only while the enrolment is active."))


def evidence_create(*, enrolment: Enrolment, actor: User, draft_token: str = "") -> Evidence:
    """A new draft. With the token of the "Add evidence" page, a repeated first save (a double tap, a retried
    request) returns the draft that token already made."""
    ensure_may_add_evidence(enrolment=enrolment, actor=actor)
    made = Evidence.objects.filter(enrolment=enrolment, draft_token=draft_token).first() if draft_token else None
    if made is not None:
        return made
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(enrolment=enrolment, draft_token=draft_token)
            audit_record(action="evidence.created", actor=actor, centre=enrolment.centre, target=evidence,
                         subject=enrolment)
    except IntegrityError:  # the same first save, sent twice at once: the other request made it
        return Evidence.objects.get(enrolment=enrolment, draft_token=draft_token)
    return evidence


def evidence_delete_draft(*, evidence: Evidence, actor: User) -> None:
    """The learner throws away a draft that was never submitted: its claims, files and stored bytes go (the bytes
    once committed); the audit trail keeps what it was."""
    enrolment = _ensure_learner(evidence, actor)
    with transaction.atomic():
        fresh = Evidence.objects.select_for_update().get(pk=evidence.pk)
        _ensure_editable(fresh, actor)
        if fresh.status != Evidence.Status.DRAFT or fresh.submissions.exists():
            raise EvidenceError(_("Only a draft that was never submitted can be deleted."))
        files = list(fresh.files.all())
        audit_record(action="evidence.draft_deleted", actor=actor, centre=enrolment.centre, target=fresh,
                     subject=enrolment, data={"title": fresh.title, "files": [
                         {"id": f.pk, "name": f.original_name, "sha256": f.sha256, "size": f.size} for f in files]})
        storage = EvidenceFile._meta.get_field("file").storage
        stored = [name for f in files for name in (f.file.name, f.thumbnail.name) if name]
        stored += list(fresh.pending_uploads.values_list("key", flat=True))  # sent to S3, never confirmed
        fresh.pending_uploads.all().delete()
        EvidenceFile.objects.filter(evidence=fresh).delete()
        fresh.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in stored])


def evidence_save_draft(
    *,
    evidence: Evidence,
    revision: int,
    actor: User,
    title: str,
    reflection: str,
    method: str,
    activity_date: datetime.date | None,
    activity_place: str,
    criteria: Iterable[AssessmentCriterion],
) -> Evidence:
    """Save what the learner has typed so far. Called on every pause in typing, so it writes no audit event."""
    _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    criteria = list(criteria)
    allowed = set(claimable_criteria(evidence.enrolment).filter(pk__in=[c.pk for c in criteria])
                  .values_list("pk", flat=True))
    refused = [c.number for c in criteria if c.pk not in allowed]
    if refused:
        raise EvidenceError(_("These criteria are not part of your open units: %(numbers)s.")
                            % {"numbers": ", ".join(refused)})
    with transaction.atomic():
        _claim_revision(evidence, revision)
        evidence.title, evidence.reflection, evidence.method = title.strip(), reflection, method
        evidence.activity_date, evidence.activity_place = activity_date, activity_place.strip()
        evidence.save(update_fields=["title", "reflection", "method", "activity_date", "activity_place",
                                     "updated_at"])
        wanted = {c.pk: c for c in criteria}
        EvidenceCriterion.objects.filter(evidence=evidence).exclude(criterion_id__in=wanted).delete()
        have = set(EvidenceCriterion.objects.filter(evidence=evidence).values_list("criterion_id", flat=True))
        EvidenceCriterion.objects.bulk_create(
            EvidenceCriterion(evidence=evidence, criterion=c, unit_id=c.unit_id)
            for pk, c in wanted.items() if pk not in have)
    return evidence


def evidence_file_attach(*, evidence: Evidence, upload: IO[bytes], name: str, size: int, actor: User,
                         sha256: str = "") -> EvidenceFile:
    """Check a file by its content and attach it. A refused file raises FileRefused and stores nothing; a failure
    after the bytes were stored removes them again. ``sha256``: the digest taken as the upload arrived, if it was."""
    _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    checked = check_upload(upload, name, size)
    attached = EvidenceFile(evidence=evidence, original_name=checked.clean_name, extension=checked.extension,
                            kind=checked.kind, content_type=checked.content_type, size=size, sha256=sha256)
    committed = []
    try:
        with transaction.atomic():
            _store(attached, upload, checked)
            attached.save()
            Evidence.objects.filter(pk=evidence.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
            audit_record(action="evidence.file_uploaded", actor=actor, centre=evidence.enrolment.centre,
                         target=evidence, subject=evidence.enrolment,
                         data={"file": attached.pk, "name": attached.original_name,
                                                "kind": attached.kind, "size": size})
            transaction.on_commit(lambda: committed.append(True))  # before processing, which may fail on its own
            _queue_processing(attached)
    except BaseException:
        if not committed and attached.file.name:  # the row was never saved: its bytes go too
            attached.file.storage.delete(attached.file.name)
        raise
    return attached


class _CheckedUpload(File):
    """An upload as storage should see it: labelled with the type read from its content (object storage keeps
    that label, never the browser's claim) and, for a file Django streamed to disk, with the path
    FileSystemStorage moves into place instead of copying every byte."""

    def __init__(self, upload: IO[bytes], content_type: str) -> None:
        super().__init__(upload, getattr(upload, "name", None))
        self.content_type = content_type
        if hasattr(upload, "temporary_file_path"):
            self.temporary_file_path = upload.temporary_file_path


def _store(attached: EvidenceFile, upload: IO[bytes], checked: CheckedFile) -> None:
    upload.seek(0)
    attached.file.save(checked.clean_name, _CheckedUpload(upload, checked.content_type), save=False)


def evidence_file_register(*, evidence: Evidence, key: str, checked, size: int, actor: User) -> EvidenceFile:
    """Attach an object already in storage (a direct-to-S3 upload the server has confirmed)."""
    _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    with transaction.atomic():
        attached = EvidenceFile.objects.create(
            evidence=evidence, file=key, original_name=checked.clean_name, extension=checked.extension,
            kind=checked.kind, content_type=checked.content_type, size=size)
        Evidence.objects.filter(pk=evidence.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
        audit_record(action="evidence.file_uploaded", actor=actor, centre=evidence.enrolment.centre,
                     target=evidence, subject=evidence.enrolment,
                     data={"file": attached.pk, "name": attached.original_name,
                                            "kind": attached.kind, "size": size, "direct": True})
        _queue_processing(attached)
    return attached


def _queue_processing(attached: EvidenceFile) -> None:
    transaction.on_commit(lambda: process_evidence_file.delay(attached.pk))


def evidence_file_remove(*, evidence_file: EvidenceFile, actor: User) -> None:
    evidence = evidence_file.evidence
    _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    if any(evidence_file.pk in s.file_ids for s in evidence.submissions.filter(withdrawn_at__isnull=True)):
        raise EvidenceError(_("“%(name)s” was part of a submitted revision and stays in the record. "
                              "Add a new file instead.") % {"name": evidence_file.original_name})
    with transaction.atomic():
        audit_record(action="evidence.file_removed", actor=actor, centre=evidence.enrolment.centre,
                     target=evidence, subject=evidence.enrolment,
                     data={"file": evidence_file.pk, "name": evidence_file.original_name,
                                            "sha256": evidence_file.sha256})
        stored = [f.name for f in (evidence_file.file, evidence_file.thumbnail) if f]
        storage = evidence_file.file.storage
        evidence_file.delete()
        Evidence.objects.filter(pk=evidence.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
        transaction.on_commit(lambda: [storage.delete(name) for name in stored])


def evidence_submit(*, evidence: Evidence, revision: int, declared: bool, actor: User) -> Evidence:
    """The learner declares the work their own and submits it; the assessor is told at once."""
    enrolment = _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    problems = evidence_submit_problems(evidence)
    if not declared:
        problems.append(_("Tick the declaration that this is your own work."))
    if problems:
        raise EvidenceError(" ".join(problems))
    with transaction.atomic():
        _claim_revision(evidence, revision)
        files = list(evidence.files.order_by("pk"))
        now = timezone.now()
        resubmission = move_status(evidence, Evidence.Status.SUBMITTED) == Evidence.Status.RETURNED
        evidence.submitted_at = evidence.declared_at = now
        evidence.review_started_at = None
        evidence.declaration = {
            "statement": str(DECLARATION), "declared_at": now.isoformat(), "by": actor.email,
            "files": [{"id": f.pk, "name": f.original_name, "sha256": f.sha256, "size": f.size} for f in files],
        }
        evidence.save(update_fields=["status", "submitted_at", "declared_at", "declaration", "review_started_at",
                                     "updated_at"])
        claims = list(evidence.claims.select_related("criterion").order_by("unit_id", "criterion__position"))
        criteria = [c.criterion.number for c in claims]
        submission = EvidenceSubmission.objects.create(
            evidence=evidence, number=evidence.submissions.count() + 1, submitted_at=now, title=evidence.title,
            reflection=evidence.reflection, declaration=evidence.declaration,
            claimed=[c.criterion_id for c in claims])
        enrolment_touch(enrolment=enrolment)  # the enrolment row before the audit chain: one lock order everywhere
        audit_record(action="evidence.submitted", actor=actor, centre=enrolment.centre, target=evidence,
                     subject=enrolment,
                     data={"title": evidence.title, "criteria": criteria, "declaration": evidence.declaration,
                           "revision": submission.number, "units": sorted({c.unit_id for c in claims}),
                           "enrolment": enrolment.pk, "resubmission": resubmission})
        notify(recipient=enrolment.assessor, kind="evidence_submitted", digestible=True,
               url=reverse("evidence_detail", args=[evidence.pk]),
               context={"assessor_name": enrolment.assessor.first_name, "learner_name": str(actor),
                        "title": evidence.title, "criteria": ", ".join(criteria), "files": len(files),
                        "qualification": enrolment.version.title, "resubmission": resubmission})
    return evidence


def evidence_submit_problems(evidence: Evidence) -> list[str]:
    problems = []
    if not evidence.title.strip():
        problems.append(_("Give the evidence a title."))
    if not evidence.method:
        problems.append(_("Choose how the evidence was produced (the method)."))
    if not evidence.claims.exists():
        problems.append(_("Tick at least one criterion this evidence meets."))
    files = list(evidence.files.all())
    if not files and not evidence.reflection.strip():
        problems.append(_("Add a file or write about what you did."))
    if any(not f.is_processed for f in files):
        problems.append(_("Your files are still being processed; try again in a moment."))
    return problems


def evidence_withdraw(*, evidence: Evidence, actor: User) -> Evidence:
    """Take back submitted evidence to change it, as long as the assessor has not started reviewing it."""
    enrolment = _ensure_learner(evidence, actor)
    with transaction.atomic():
        fresh = Evidence.objects.select_for_update().get(pk=evidence.pk)
        move_status(fresh, Evidence.Status.DRAFT, refusal=_("Only submitted evidence can be withdrawn."))
        if fresh.review_started_at:
            raise EvidenceError(_("Your assessor has started reviewing this evidence, so it can no longer be "
                                  "withdrawn."))
        fresh.revision += 1
        fresh.save(update_fields=["status", "revision", "updated_at"])
        EvidenceSubmission.objects.filter(evidence=fresh, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        audit_record(action="evidence.withdrawn", actor=actor, centre=enrolment.centre, target=fresh,
                     subject=enrolment)
    return fresh


__all__ = ["FileRefused", "EvidenceError", "DECLARATION"]

"""Evidence: drafts saved as the learner goes, files checked and processed, declaration and submission."""

import datetime
from collections.abc import Iterable
from typing import IO

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from centres.services import ServiceError
from notifications.services import notify
from portfolios.enrolments.services import enrolment_touch
from portfolios.evidence.files import (
    HEIF_CONTENT_TYPES,
    FileRefused,
    check_upload,
    heif_as_jpeg,
    image_capture_time,
    make_thumbnail,
    sha256_of,
    strip_image_location,
    video_poster,
)
from portfolios.models import Enrolment, EnrolmentUnit, Evidence, EvidenceCriterion, EvidenceFile, EvidenceSubmission
from qualifications.models import AssessmentCriterion

DECLARATION = gettext_lazy(
    "I declare that this evidence is my own work, that I carried out the activity it shows, and that the "
    "files I submit are the ones listed here.")
STALE = gettext_lazy("This evidence was changed in another window or tab after you opened it. "
                     "Reload to see the latest version; your text is kept on this page.")


class EvidenceError(ServiceError):
    pass


def _ensure_learner(evidence_or_enrolment, actor) -> Enrolment:
    enrolment = getattr(evidence_or_enrolment, "enrolment", evidence_or_enrolment)
    if enrolment.learner_id != actor.pk:
        raise PermissionDenied
    return enrolment


def _ensure_editable(evidence: Evidence, actor=None) -> None:
    if evidence_is_locked(evidence):
        record_lock_refusal(actor=actor, enrolment=evidence.enrolment, target=evidence, attempt="change evidence")
        raise EvidenceError(_("This evidence belongs to a signed-off unit and is locked."))
    if not evidence.is_editable:
        raise EvidenceError(_("This evidence has been submitted and can no longer be changed. "
                              "Withdraw it first if your assessor has not started reviewing it."))


def record_lock_refusal(*, actor, enrolment: Enrolment, target, attempt: str) -> None:
    """An attempt to change a locked unit's record is refused and leaves a trace in the audit trail."""
    with transaction.atomic():
        audit_record(action="lock.refused", actor=actor, centre=enrolment.centre, target=target, subject=enrolment,
                     data={"attempt": attempt})


def ensure_learner_may_change(evidence: Evidence, actor) -> Enrolment:
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


def evidence_create(*, enrolment: Enrolment, actor) -> Evidence:
    _ensure_learner(enrolment, actor)
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise EvidenceError(_("Evidence can be added only while the enrolment is active."))
    with transaction.atomic():
        evidence = Evidence.objects.create(enrolment=enrolment)
        audit_record(action="evidence.created", actor=actor, centre=enrolment.centre, target=evidence,
                     subject=enrolment)
    return evidence


def evidence_save_draft(
    *,
    evidence: Evidence,
    revision: int,
    actor,
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


def evidence_file_attach(*, evidence: Evidence, upload: IO[bytes], name: str, size: int, actor) -> EvidenceFile:
    """Check a file by its content and attach it. A refused file raises FileRefused and stores nothing."""
    _ensure_learner(evidence, actor)
    _ensure_editable(evidence, actor)
    checked = check_upload(upload, name, size)
    upload.seek(0)
    with transaction.atomic():
        attached = EvidenceFile(evidence=evidence, original_name=checked.clean_name, extension=checked.extension,
                                kind=checked.kind, content_type=checked.content_type, size=size)
        attached.file.save(checked.clean_name, File(upload), save=False)
        attached.save()
        Evidence.objects.filter(pk=evidence.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
        audit_record(action="evidence.file_uploaded", actor=actor, centre=evidence.enrolment.centre,
                     target=evidence, subject=evidence.enrolment,
                     data={"file": attached.pk, "name": attached.original_name,
                                            "kind": attached.kind, "size": size})
        _queue_processing(attached)
    return attached


def evidence_file_register(*, evidence: Evidence, key: str, checked, size: int, actor) -> EvidenceFile:
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
    from portfolios.tasks import process_evidence_file

    transaction.on_commit(lambda: process_evidence_file.delay(attached.pk))


def evidence_file_remove(*, evidence_file: EvidenceFile, actor) -> None:
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


def evidence_file_process(*, file_id: int) -> bool:
    """Hash the file, strip GPS from photos, make a thumbnail or poster. Idempotent: done once only."""
    with transaction.atomic():
        attached = EvidenceFile.objects.select_for_update().filter(pk=file_id).first()
        if attached is None or attached.processed_at:
            return False
        storage = attached.file.storage
        old_name = None
        if attached.kind == EvidenceFile.Kind.IMAGE:
            with attached.file.open("rb") as handle:
                taken = image_capture_time(handle)
                # Cameras write local time without a zone: read it in the centre's zone.
                attached.capture_time = timezone.make_aware(taken) if taken and timezone.is_naive(taken) else taken
                handle.seek(0)
                if attached.content_type in HEIF_CONTENT_TYPES:
                    stripped = heif_as_jpeg(handle)
                    if stripped is not None:
                        _now_jpeg(attached)
                else:
                    stripped = strip_image_location(handle, attached.content_type)
            if stripped is not None:
                old_name = attached.file.name
                attached.file.save(f"x{attached.extension}", ContentFile(stripped), save=False)
                attached.size = len(stripped)
                attached.location_removed = True
            with attached.file.open("rb") as handle:
                thumb = _thumbnail_or_none(handle)
            if thumb:
                attached.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        elif attached.kind == EvidenceFile.Kind.VIDEO:
            poster = _poster_or_none(attached)
            if poster:
                attached.thumbnail.save("poster.jpg", ContentFile(poster), save=False)
        with attached.file.open("rb") as handle:
            attached.sha256 = sha256_of(handle)
        attached.processed_at = timezone.now()
        attached.save()
        if old_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return True


def _now_jpeg(attached: EvidenceFile) -> None:
    """A HEIC photo is kept as the JPEG made from it (browsers cannot show HEIC; its location is gone)."""
    stem = attached.original_name.rsplit(".", 1)[0] if "." in attached.original_name else attached.original_name
    attached.content_type, attached.extension, attached.original_name = "image/jpeg", ".jpg", f"{stem}.jpg"


def _thumbnail_or_none(handle) -> bytes | None:
    try:
        return make_thumbnail(handle)
    except Exception:  # HEIC without a decoder, say: the file stays valid, it just has no preview
        return None


def _poster_or_none(attached: EvidenceFile) -> bytes | None:
    try:
        path = attached.file.path
    except NotImplementedError:  # object storage: posters need a local copy, skipped for now
        return None
    return video_poster(path)


def evidence_submit(*, evidence: Evidence, revision: int, declared: bool, actor) -> Evidence:
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
        resubmission = evidence.status == Evidence.Status.RETURNED
        evidence.status = Evidence.Status.SUBMITTED
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
        audit_record(action="evidence.submitted", actor=actor, centre=enrolment.centre, target=evidence,
                     subject=enrolment,
                     data={"title": evidence.title, "criteria": criteria, "declaration": evidence.declaration,
                           "revision": submission.number, "units": sorted({c.unit_id for c in claims}),
                           "enrolment": enrolment.pk, "resubmission": resubmission})
        enrolment_touch(enrolment=enrolment)
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


def evidence_withdraw(*, evidence: Evidence, actor) -> Evidence:
    """Take back submitted evidence to change it, as long as the assessor has not started reviewing it."""
    enrolment = _ensure_learner(evidence, actor)
    with transaction.atomic():
        fresh = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if fresh.status != Evidence.Status.SUBMITTED:
            raise EvidenceError(_("Only submitted evidence can be withdrawn."))
        if fresh.review_started_at:
            raise EvidenceError(_("Your assessor has started reviewing this evidence, so it can no longer be "
                                  "withdrawn."))
        fresh.status = Evidence.Status.DRAFT
        fresh.revision += 1
        fresh.save(update_fields=["status", "revision", "updated_at"])
        EvidenceSubmission.objects.filter(evidence=fresh, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        audit_record(action="evidence.withdrawn", actor=actor, centre=enrolment.centre, target=fresh,
                     subject=enrolment)
    return fresh


__all__ = ["FileRefused", "EvidenceError", "DECLARATION"]

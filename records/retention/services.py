"""Retention acts: a centre admin edits the rules, places and lifts legal holds, approves a destruction batch;
the nightly task lists what is due. Every act is audited; nothing is destroyed without approval."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Membership, Role
from centres.services import ServiceError, ensure_role
from notifications.services import notify
from portfolios.models import Enrolment

from .destruction import destroy_records
from .kinds import Kind
from .models import DestructionBatch, DestructionItem, LegalHold, RetentionRule, Tombstone
from .schedule import ENDED, learner_ref, retention_schedule

RETENTION_REASON = "retention"


def rule_update(*, centre, kind: str, actor, years_after_end: int, years_after_eqa: int | None,
                keep_until_date: date | None) -> RetentionRule:
    """Set the centre's rule for one kind of record (the first edit saves the default's row)."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if kind not in Kind.values:
        raise ServiceError(_("Unknown kind of record."))
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().filter(centre=centre, kind=kind).first()
        rule = rule or RetentionRule(centre=centre, kind=kind)
        before = {"years_after_end": rule.years_after_end, "years_after_eqa": rule.years_after_eqa,
                  "keep_until_date": rule.keep_until_date.isoformat() if rule.keep_until_date else None}
        rule.years_after_end, rule.years_after_eqa = years_after_end, years_after_eqa
        rule.keep_until_date, rule.updated_by = keep_until_date, actor
        after = {"years_after_end": years_after_end, "years_after_eqa": years_after_eqa,
                 "keep_until_date": keep_until_date.isoformat() if keep_until_date else None}
        if before == after:  # nothing changes (an unsaved default stays a default)
            return rule
        rule.save()
        audit_record(action="retention.rule_changed", actor=actor, centre=centre, target=rule,
                     data={"kind": kind, "before": before, "after": after})
    return rule


def hold_place(*, centre, learner, reason: str, actor) -> LegalHold:
    """Stop all destruction of the learner's records (or, learner None, of the whole centre's) until lifted."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if not reason.strip():
        raise ServiceError(_("Say why the records must be kept."))
    if learner is not None and not Membership.objects.filter(user=learner, centre=centre,
                                                             role=Role.LEARNER).exists():
        raise PermissionDenied
    with transaction.atomic():
        hold = LegalHold.objects.create(centre=centre, learner=learner, reason=reason.strip(), placed_by=actor)
        audit_record(action="retention.hold_placed", actor=actor, centre=centre, target=hold,
                     data={"learner_ref": learner_ref(learner.pk) if learner else None, "centre_wide": not learner})
    return hold


def hold_lift(*, hold: LegalHold, reason: str, actor) -> LegalHold:
    ensure_role(actor, hold.centre, Role.CENTRE_ADMIN)
    if not reason.strip():
        raise ServiceError(_("Say why the hold can be lifted."))
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise ServiceError(_("This hold was already lifted."))
        hold.lifted_at, hold.lifted_by, hold.lift_reason = timezone.now(), actor, reason.strip()
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(action="retention.hold_lifted", actor=actor, centre=hold.centre, target=hold,
                     data={"hold": hold.pk})
    return hold


# --- The nightly list ------------------------------------------------------------------------------------------

def records_due(*, centre, today: date | None = None) -> list[tuple[object, object]]:
    """(learner, ScheduleRow) for every record of the centre due for destruction today and not yet listed or
    destroyed. Only learners with a course that has ended can have anything due."""
    learner_ids = (Enrolment.objects.filter(centre=centre, status__in=ENDED).values_list("learner_id", flat=True)
                   .distinct())
    listed = set(DestructionItem.objects.filter(batch__centre=centre).exclude(status=DestructionItem.Status.NOT_DUE)
                 .values_list("kind", "learner_id", "enrolment_id"))
    destroyed = set(Tombstone.objects.filter(centre=centre).values_list("kind", "learner_ref", "enrolment_id"))
    due = []
    for learner in User.objects.filter(pk__in=learner_ids).order_by("pk"):
        ref = learner_ref(learner.pk)
        for row in retention_schedule(learner=learner, centre=centre, today=today):
            if not row.due or (row.kind, learner.pk, row.enrolment_id) in listed:
                continue
            if (row.kind, ref, row.enrolment_id) in destroyed:
                continue
            due.append((learner, row))
    return due


def batch_list(*, centre, today: date | None = None) -> DestructionBatch | None:
    """List the centre's records due for destruction into a new batch and tell its admins (in the app). None if
    nothing new is due. Run by the nightly task; idempotent (what is listed is never listed again)."""
    with transaction.atomic():
        type(centre).objects.select_for_update().get(pk=centre.pk)  # two runs at once: the second waits
        due = records_due(centre=centre, today=today)
        if not due:
            return None
        batch = DestructionBatch.objects.create(centre=centre, listed_at=timezone.now())
        DestructionItem.objects.bulk_create([
            DestructionItem(batch=batch, kind=row.kind, learner=learner, enrolment_id=row.enrolment_id,
                            due_since=row.keep_until, rule=row.reason[:300]) for learner, row in due])
        audit_record(action="retention.batch_listed", actor=None, centre=centre, target=batch,
                     data={"items": len(due)})
        url = reverse("retention_batch", args=[batch.pk])
        for admin in (Membership.objects.current().filter(centre=centre, role=Role.CENTRE_ADMIN)
                      .select_related("user").order_by("pk")):
            notify(recipient=admin.user, kind="retention_batch_listed", url=url, email=False, centre=centre,
                   context={"count": len(due), "centre_name": centre.name, "admin_name": admin.user.display_name,
                            "url": url})
    return batch


# --- Approval ------------------------------------------------------------------------------------------------

def batch_approve(*, batch: DestructionBatch, actor, kept: dict[int, str]) -> DestructionBatch:
    """Approve the batch: every listed item not in `kept` ({item id: reason}) is destroyed now (if it is still
    due: a hold placed since listing keeps it), each kept item is recorded with its reason. Approving twice is
    refused with a message, and changes nothing."""
    ensure_role(actor, batch.centre, Role.CENTRE_ADMIN)
    missing = [pk for pk, reason in kept.items() if not (reason or "").strip()]
    if missing:
        raise ServiceError(_("Give a reason for each record you keep."))
    with transaction.atomic():
        batch = DestructionBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch.is_open:
            raise ServiceError(_("This list was already approved: nothing was changed."))
        now = timezone.now()
        items = list(batch.items.select_related("learner").order_by("pk"))
        schedules: dict[int, dict] = {}
        destroyed = 0
        for item in items:
            item.decided_by, item.decided_at = actor, now
            if item.pk in kept:
                item.status, item.kept_reason = DestructionItem.Status.KEPT, kept[item.pk].strip()
                continue
            if item.learner_id not in schedules:
                schedules[item.learner_id] = {(row.kind, row.enrolment_id): row for row in
                                              retention_schedule(learner=item.learner, centre=batch.centre)}
            row = schedules[item.learner_id].get((item.kind, item.enrolment_id))
            if row is None or not row.due:
                item.status = DestructionItem.Status.NOT_DUE
                item.kept_reason = row.reason if row is not None else _("no longer due")
                continue
            destroy_records(kind=item.kind, learner=item.learner, centre=batch.centre,
                            enrolment_ids=[item.enrolment_id] if item.enrolment_id else None, actor=actor,
                            reason=RETENTION_REASON,
                            reference={"batch": batch.pk, "item": item.pk, "rule": item.rule})
            item.status = DestructionItem.Status.DESTROYED
            destroyed += 1
        DestructionItem.objects.bulk_update(items, ["status", "kept_reason", "decided_by", "decided_at"])
        batch.status, batch.approved_by, batch.approved_at = DestructionBatch.Status.DESTROYED, actor, now
        batch.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(action="retention.batch_approved", actor=actor, centre=batch.centre, target=batch,
                     data={"destroyed": destroyed, "kept": len(items) - destroyed,
                           "kept_items": sorted(kept)})
    return batch

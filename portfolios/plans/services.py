"""Assessment plans: drafted by the assessor, signed by assessor and learner, versioned once signed.

Every change of a plan's content takes the `revision` the form was rendered with and claims the plan
with one compare-and-set UPDATE, so of two people editing the same version the second is refused and
nothing of theirs is written. Signing checks the revision too, so nobody signs a plan that changed since
they read it; a signature fixes the content for good (a change is a new version, signed again).
"""

import hashlib
import os
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from centres.models import Role
from centres.services import ServiceError, ensure_role, has_role
from centres.workflow import check_move, move_status
from notifications.services import notify
from portfolios.enrolments.services import enrolment_touch
from portfolios.models import AssessmentPlan, Enrolment, Method, PlanItem
from portfolios.plans.selectors import ASSESSOR, LEARNER, plan_party
from qualifications.models import AssessmentCriterion, Unit

Status = AssessmentPlan.Status

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCUMENT_TYPES = {"pdf": "application/pdf",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "odt": "application/vnd.oasis.opendocument.text"}
CLOSED_ENROLMENT = (Enrolment.Status.WITHDRAWN, Enrolment.Status.COMPLETED)

PLAN_SIGNED = gettext_lazy("This plan has been signed; start a new version to change it.")
PLAN_CHANGED = gettext_lazy("Someone else changed this plan after you opened it. "
                            "Reload to see their changes; nothing was saved.")


class PlanError(ServiceError):
    """A refused plan act, naming the form field the problem belongs to (None: the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Checks ------------------------------------------------------------------------------------------

def _ensure_manager(actor: User, enrolment: Enrolment) -> None:
    """The enrolment's assessor or a centre admin manages its plan."""
    if not actor.is_authenticated:
        raise PermissionDenied
    if actor.pk == enrolment.assessor_id and has_role(actor, enrolment.centre, Role.ASSESSOR):
        return
    ensure_role(actor, enrolment.centre, Role.CENTRE_ADMIN)


def _ensure_open(enrolment: Enrolment) -> None:
    if enrolment.status in CLOSED_ENROLMENT:
        raise PlanError(_("This enrolment is %(status)s; its plan can no longer change.")
                        % {"status": enrolment.get_status_display().lower()})


def _ensure_editable(actor: User, plan: AssessmentPlan) -> None:
    _ensure_manager(actor, plan.enrolment)
    _ensure_open(plan.enrolment)
    if not plan.is_editable:
        raise PlanError(str(PLAN_SIGNED))


def _claim(plan: AssessmentPlan, revision: int) -> None:
    """Compare-and-set: take the plan at `revision` for one content change, or refuse with nothing written."""
    claimed = AssessmentPlan.objects.filter(
        pk=plan.pk, revision=revision, status=Status.DRAFT,
        assessor_signed_at__isnull=True, learner_signed_at__isnull=True,
    ).update(revision=F("revision") + 1)
    if not claimed:
        fresh = AssessmentPlan.objects.get(pk=plan.pk)
        raise PlanError(str(PLAN_SIGNED if not fresh.is_editable else PLAN_CHANGED))
    plan.revision = revision + 1


def _checked_coverage(
    *, plan: AssessmentPlan, units: Iterable[Unit], criteria: Iterable[AssessmentCriterion], method: str,
    target_date: date,
) -> tuple[list[Unit], list[AssessmentCriterion]]:
    """An item covers units chosen for the enrolment, and only criteria of those units."""
    enrolment = plan.enrolment
    units, criteria = list(units), list(criteria)
    if not units:
        raise PlanError(_("Choose at least one unit."), field="units")
    chosen = set(enrolment.enrolment_units.values_list("unit_id", flat=True))
    outside = [u for u in units if u.pk not in chosen]
    if outside:
        raise PlanError(_("Not a unit of this enrolment: %(units)s.")
                        % {"units": ", ".join(u.code for u in outside)}, field="units")
    covered = {u.pk for u in units}
    stray = [c for c in criteria if c.unit_id not in covered]
    if stray:
        names = ", ".join(f"{c.number} ({c.unit.code})" for c in stray)
        raise PlanError(_("These criteria are not in the units ticked for this item: %(criteria)s. "
                          "Tick their unit too, or untick them.") % {"criteria": names}, field="criteria")
    if method not in Method.values:
        raise PlanError(_("Choose a method from the list."), field="method")
    if target_date < enrolment.start_date:
        raise PlanError(_("The target date cannot be before the enrolment started (%(date)s).")
                        % {"date": date_format(enrolment.start_date)}, field="target_date")
    return units, criteria


def _item_data(item: PlanItem, units: list[Unit], criteria: list[AssessmentCriterion]) -> dict:
    codes = {u.pk: u.code for u in units}
    return {"item": item.pk, "units": [u.code for u in units],
            "criteria": [f"{codes.get(c.unit_id, c.unit_id)}:{c.number}" for c in criteria],
            "method": item.method, "target_date": item.target_date.isoformat()}


def _audit(action: str, *, plan: AssessmentPlan, actor: User, **data) -> None:
    audit_record(action=action, actor=actor, centre=plan.enrolment.centre, target=plan, subject=plan.enrolment,
                 data={"enrolment": plan.enrolment_id, "version": plan.number, **data})


# --- Versions ----------------------------------------------------------------------------------------

def plan_start(*, enrolment: Enrolment, actor: User) -> AssessmentPlan:
    """Start the enrolment's plan, or its next version (a copy of the latest, to change and agree again).

    An unsigned draft is returned as it is. A version awaiting agreement is superseded by the new one;
    an agreed version stays agreed, and readable, until the new one is agreed.
    """
    _ensure_manager(actor, enrolment)
    _ensure_open(enrolment)
    with transaction.atomic():
        # One new version at a time per enrolment.
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        latest = enrolment.plans.select_for_update().order_by("-number").first()
        if latest is not None and latest.status == Status.DRAFT:
            return latest
        plan = AssessmentPlan.objects.create(
            enrolment=enrolment, number=latest.number + 1 if latest else 1, created_by=actor,
            notes=latest.notes if latest else "",
            document=latest.document.name if latest else "", document_name=latest.document_name if latest else "",
        )
        superseded = False
        if latest is not None:
            _copy_items(latest, plan)
            if latest.status == Status.AWAITING:
                move_status(latest, Status.SUPERSEDED)
                latest.revision += 1
                latest.save(update_fields=["status", "revision"])
                superseded = True
        _audit("plan.started", plan=plan, actor=actor, from_version=latest.number if latest else None,
               superseded=superseded)
    return plan


def _copy_items(source: AssessmentPlan, plan: AssessmentPlan) -> None:
    for item in source.items.prefetch_related("units", "criteria"):
        copy = PlanItem.objects.create(plan=plan, position=item.position, method=item.method,
                                       target_date=item.target_date, notes=item.notes)
        copy.units.set(item.units.all())
        copy.criteria.set(item.criteria.all())


# --- Content -----------------------------------------------------------------------------------------

def plan_item_add(
    *, plan: AssessmentPlan, actor: User, revision: int, units: Iterable[Unit], criteria: Iterable[AssessmentCriterion],
    method: str, target_date: date, notes: str = "",
) -> PlanItem:
    _ensure_editable(actor, plan)
    units, criteria = _checked_coverage(plan=plan, units=units, criteria=criteria, method=method,
                                        target_date=target_date)
    with transaction.atomic():
        _claim(plan, revision)
        last = plan.items.aggregate(last=Max("position"))["last"] or 0
        item = PlanItem.objects.create(plan=plan, position=last + 1, method=method, target_date=target_date,
                                       notes=notes.strip())
        item.units.set(units)
        item.criteria.set(criteria)
        _audit("plan.item_added", plan=plan, actor=actor, **_item_data(item, units, criteria))
    return item


def plan_item_update(
    *, item: PlanItem, actor: User, revision: int, units: Iterable[Unit], criteria: Iterable[AssessmentCriterion],
    method: str, target_date: date, notes: str = "",
) -> PlanItem:
    plan = item.plan
    _ensure_editable(actor, plan)
    units, criteria = _checked_coverage(plan=plan, units=units, criteria=criteria, method=method,
                                        target_date=target_date)
    with transaction.atomic():
        _claim(plan, revision)
        item.method, item.target_date, item.notes = method, target_date, notes.strip()
        item.save(update_fields=["method", "target_date", "notes"])
        item.units.set(units)
        item.criteria.set(criteria)
        _audit("plan.item_updated", plan=plan, actor=actor, **_item_data(item, units, criteria))
    return item


def plan_item_delete(*, item: PlanItem, actor: User, revision: int) -> None:
    plan = item.plan
    _ensure_editable(actor, plan)
    with transaction.atomic():
        _claim(plan, revision)
        _audit("plan.item_deleted", plan=plan, actor=actor, item=item.pk, method=item.method,
               units=list(item.units.values_list("code", flat=True)))
        item.delete()


def plan_update_notes(*, plan: AssessmentPlan, actor: User, revision: int, notes: str) -> AssessmentPlan:
    _ensure_editable(actor, plan)
    with transaction.atomic():
        _claim(plan, revision)
        plan.notes = notes.strip()
        plan.save(update_fields=["notes"])
        _audit("plan.notes_updated", plan=plan, actor=actor, notes=plan.notes)
    return plan


def document_kind(upload) -> str | None:
    """"pdf", "docx" or "odt" judged by the content (never the name or the browser's word), else None."""
    upload.seek(0)
    try:
        head = upload.read(5)
        if head == b"%PDF-":
            return "pdf"
        if head[:4] == b"PK\x03\x04":
            upload.seek(0)
            return _zip_document_kind(upload)
        return None
    finally:
        upload.seek(0)


def _zip_document_kind(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                # A macro-enabled document (.docm) renamed .docx is not a plan document.
                return None if "word/vbaProject.bin" in names else "docx"
            if "mimetype" in names:
                with archive.open("mimetype") as mimetype:
                    return "odt" if mimetype.read(64).strip() == ODT_MIMETYPE else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return None
    return None


def clean_document_name(name: str, kind: str) -> str:
    """The uploader's file name without folders or characters unsafe in a download, ending in `.kind`."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*;').strip(" .")
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() != kind:
        stem = base
    stem = stem.strip(" .") or _("assessment-plan")
    return f"{stem[:190]}.{kind}"


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def plan_attach_document(*, plan: AssessmentPlan, upload: UploadedFile, actor: User, revision: int) -> AssessmentPlan:
    """Attach (or replace) the plan document: a PDF, DOCX or ODT of at most 20 MB, stored under a random name."""
    _ensure_editable(actor, plan)
    if upload.size > MAX_DOCUMENT_BYTES:
        raise PlanError(_("The plan document is larger than 20 MB."), field="document")
    kind = document_kind(upload)
    if kind is None:
        raise PlanError(_("The plan document must be a PDF, a Word document (.docx) or an OpenDocument text "
                          "(.odt)."), field="document")
    name = clean_document_name(upload.name, kind)
    sha256 = _sha256(upload)
    with transaction.atomic():
        _claim(plan, revision)
        plan.document.save(f"{secrets.token_urlsafe(18)}.{kind}", upload, save=False)
        plan.document_name = name
        plan.save(update_fields=["document", "document_name"])
        _audit("plan.document_attached", plan=plan, actor=actor, name=name, kind=kind, size=upload.size,
               sha256=sha256)
    return plan


# --- Agreement ---------------------------------------------------------------------------------------

def _comparable(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def plan_sign(*, plan: AssessmentPlan, typed_name: str, actor: User, revision: int) -> AssessmentPlan:
    """The assessor or the learner signs this version with their typed full name; the time is recorded.

    The first signature fixes the content and asks the other party for theirs; the second agrees the plan.
    """
    enrolment = plan.enrolment
    party = plan_party(plan=plan, user=actor)
    if party is None:
        raise PermissionDenied
    ensure_role(actor, enrolment.centre, Role.ASSESSOR if party == ASSESSOR else Role.LEARNER)
    _ensure_open(enrolment)
    _check_typed_name(actor, typed_name)
    with transaction.atomic():
        fresh = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
        fresh.enrolment = enrolment
        _check_signable(fresh, party, revision)
        now = timezone.now()
        setattr(fresh, f"{party}_signed_name", " ".join(typed_name.split()))
        setattr(fresh, f"{party}_signed_at", now)
        agreed = bool(fresh.assessor_signed_at and fresh.learner_signed_at)
        move_status(fresh, Status.AGREED if agreed else Status.AWAITING)
        fresh.save(update_fields=[f"{party}_signed_name", f"{party}_signed_at", "status"])
        enrolment_touch(enrolment=enrolment)
        _audit("plan.signed", plan=fresh, actor=actor, party=party, name=getattr(fresh, f"{party}_signed_name"),
               signed_at=now.isoformat(), revision=fresh.revision, status=fresh.status)
        if agreed:
            _audit("plan.agreed", plan=fresh, actor=actor, assessor=fresh.assessor_signed_name,
                   learner=fresh.learner_signed_name)
        _notify_other_party(fresh, party=party, signer=actor)
    return fresh


def _check_typed_name(actor: User, typed_name: str) -> None:
    full_name = actor.get_full_name().strip()
    if not full_name:
        raise PlanError(_("Your profile has no name. Add your name on your profile page, then sign."),
                        field="typed_name")
    if _comparable(typed_name) != _comparable(full_name):
        raise PlanError(_("Type your full name as it is on your profile: %(name)s.") % {"name": full_name},
                        field="typed_name")


def _check_signable(plan: AssessmentPlan, party: str, revision: int) -> None:
    if getattr(plan, f"{party}_signed_at"):
        raise PlanError(_("You have already signed version %(number)s.") % {"number": plan.number})
    other = LEARNER if party == ASSESSOR else ASSESSOR
    check_move(plan, Status.AGREED if getattr(plan, f"{other}_signed_at") else Status.AWAITING,
               refusal=_("Version %(number)s can no longer be signed: it is %(status)s.")
               % {"number": plan.number, "status": plan.get_status_display().lower()})
    if party == LEARNER and not plan.assessor_signed_at:
        # The assessor finishes and signs the plan first, so a learner never freezes a half-written one.
        raise PlanError(_("Your assessor has not finished this plan yet. You can sign once they have signed."))
    if plan.revision != revision:
        raise PlanError(str(PLAN_CHANGED))
    if not plan.items.exists():
        raise PlanError(_("A plan with no items cannot be signed."))


def _notify_other_party(plan: AssessmentPlan, *, party: str, signer) -> None:
    enrolment = plan.enrolment
    recipient = enrolment.learner if party == ASSESSOR else enrolment.assessor
    notify(recipient=recipient, kind="plan_agreed" if plan.status == Status.AGREED else "plan_awaiting",
           url=reverse("plan_detail", args=[enrolment.pk]),
           context={"recipient_name": recipient.first_name or str(recipient), "signer_name": str(signer),
                    "learner_name": str(enrolment.learner), "qualification": enrolment.version.title,
                    "centre_name": enrolment.centre.name, "number": plan.number,
                    "for_learner": recipient.pk == enrolment.learner_id})

"""Recognised prior learning: a centre admin imports a learner's export into an enrolment; the receiving assessor
accepts or rejects each criterion it shows as met elsewhere. Only an accepted claim counts: accepting writes the
achievement row assessment writes for a counted decision (`portfolios.AchievedCriterion`), which progress, sign-off
and management information count, and the unit's next sign-off seals the claim's provenance with it
(`sealed_prior_learning`, registered in `assessment.seals.EXTRA_SECTIONS`)."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from assessment.freshness import assessment_changed
from assessment.services import locked_units
from audit.services import audit_record
from centres.models import Membership, Role
from centres.services import ServiceError, has_role
from notifications.services import notify
from portfolios import progress_counts
from portfolios.enrolments.services import enrolment_touch
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit

from .models import PriorLearningClaim, PriorLearningImport
from .reading import Reading, read_export

ACCEPT, REJECT = "accept", "reject"


class TransferError(ServiceError):
    pass


class ImportRefused(TransferError):
    """The file has problems: nothing was created. `problems` names every one."""

    def __init__(self, problems: list[str]):
        super().__init__(ngettext("The file has %(n)s problem; nothing was imported.",
                                  "The file has %(n)s problems; nothing was imported.", len(problems))
                         % {"n": len(problems)})
        self.problems = problems


class NeedsConfirmation(TransferError):
    """The file reads well but its learner may not be this one: the admin must confirm. Nothing was created."""

    def __init__(self, warnings: list[str]):
        super().__init__(_("Check that this file is this learner's, then confirm and upload it again."))
        self.warnings = warnings


class StaleDecision(TransferError):
    """The claims changed since the page was opened (a second post, another decision, a new import)."""


# --- Who decides --------------------------------------------------------------------------------------------

def deciders_of(enrolment: Enrolment) -> QuerySet[User]:
    """The enrolment's assessor while they assess at the centre; else every current assessor of the centre."""
    assessors = Membership.objects.current().filter(centre_id=enrolment.centre_id, role=Role.ASSESSOR)
    if assessors.filter(user_id=enrolment.assessor_id).exists():
        return User.objects.filter(pk=enrolment.assessor_id)
    return User.objects.filter(pk__in=assessors.values("user"))


def may_decide(actor: User, enrolment: Enrolment) -> bool:
    return actor.is_authenticated and deciders_of(enrolment).filter(pk=actor.pk).exists()


# --- Import -------------------------------------------------------------------------------------------------

def prior_learning_import(*, enrolment: Enrolment, raw: bytes, actor: User, confirmed: bool = False
                          ) -> PriorLearningImport:
    """Check the whole of data.json (`raw`), then record one claim per criterion met elsewhere that this enrolment
    has. Raises ImportRefused (every problem; nothing created, the refusal audited), NeedsConfirmation (the
    learner in the file may be someone else; nothing created) or TransferError (this file was imported already)."""
    centre = enrolment.centre
    if not has_role(actor, centre, Role.CENTRE_ADMIN):
        raise PermissionDenied
    sha256 = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        # The enrolment first, as sign-off and decisions take it: one import or decision at a time.
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        earlier = PriorLearningImport.objects.filter(enrolment=enrolment, sha256=sha256).first()
        if earlier is not None:
            raise TransferError(
                _("This file was already imported into this enrolment on %(date)s; nothing was imported again.")
                % {"date": timezone.localtime(earlier.created_at).strftime("%d %b %Y %H:%M")})
        reading = read_export(raw, enrolment=enrolment)
        if reading.problems:
            audit_record(action="prior_learning.import_refused", actor=actor, centre=centre, subject=enrolment,
                         data={"enrolment": enrolment.pk, "sha256": sha256, "problems": len(reading.problems)})
        elif reading.warnings and not confirmed:
            raise NeedsConfirmation(reading.warnings)
        else:
            return _create(enrolment, reading, actor, confirmed)
    raise ImportRefused(reading.problems)


def _create(enrolment: Enrolment, reading: Reading, actor: User, confirmed: bool) -> PriorLearningImport:
    deployment = reading.data.get("deployment") or {}
    record = PriorLearningImport.objects.create(
        centre=enrolment.centre, enrolment=enrolment, uploaded_by=actor, sha256=reading.sha256,
        source_site_name=str(deployment.get("site_name", ""))[:200], source_url=str(deployment.get("url", ""))[:400],
        source_centre_name=reading.source_centres, exported_at=reading.exported_at,
        claims_count=len(reading.matched), not_on_course_count=len(reading.not_on_course),
        already_met_count=len(reading.already_met), not_on_course=reading.not_on_course,
        confirmed_warnings=reading.warnings if confirmed else [])
    PriorLearningClaim.objects.bulk_create(
        PriorLearningClaim(
            prior_import=record, enrolment=enrolment, criterion=m.criterion, unit_id=m.criterion.unit_id,
            source_centre_name=m.achieved.centre[:200], source_qualification_code=m.achieved.qualification[:60],
            source_unit_code=m.achieved.unit[:60], source_unit_title=m.achieved.unit_title[:200],
            assessor_name=m.achieved.assessor_name[:200], assessor_email=m.achieved.assessor_email[:254],
            achieved_at=m.achieved.achieved_at, seal_hash=m.achieved.seal_hash,
            signed_off_at=m.achieved.signed_off_at, evidence_titles=m.achieved.evidence_titles)
        for m in reading.matched)
    assessment_changed(enrolment_ids=[enrolment.pk], centre_ids=[enrolment.centre_id])  # bulk: no signals
    audit_record(action="prior_learning.imported", actor=actor, centre=enrolment.centre, target=record,
                 subject=enrolment, data={"enrolment": enrolment.pk, "sha256": reading.sha256,
                                          "claims": record.claims_count, "not_on_course": record.not_on_course_count,
                                          "already_met": record.already_met_count,
                                          "exported_at": reading.data.get("exported_at"),
                                          "learner_confirmed": bool(record.confirmed_warnings)})
    if record.claims_count:
        url = reverse("prior_learning_enrolment", args=[enrolment.pk])
        for decider in deciders_of(enrolment):
            notify(recipient=decider, kind="prior_learning_to_decide", url=url, centre=enrolment.centre,
                   context={"assessor_name": decider.first_name, "learner_name": str(enrolment.learner),
                            "qualification": enrolment.version.title, "count": record.claims_count,
                            "source": record.source_centre_name})
    return record


# --- Decisions ----------------------------------------------------------------------------------------------

def pending_token(claims) -> str:
    """What the decision page was drawn from: a post made from another state of the claims is refused."""
    ids = ",".join(str(c.pk) for c in sorted(claims, key=lambda c: c.pk))
    return hashlib.sha256(f"prior-learning:{ids}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Decided:
    accepted: int
    rejected: int


def claims_decide(*, enrolment: Enrolment, actor: User, decisions: dict[int, tuple[str, str]], token: str
                  ) -> Decided:
    """The receiving assessor's decisions: claim id -> (ACCEPT or REJECT, reason). A rejection needs a reason.
    Claims left out stay pending. Refused whole (StaleDecision) if the pending claims are not the ones the page
    showed (`token`); refused whole if a claim to accept belongs to a signed-off (locked) unit."""
    if not may_decide(actor, enrolment):
        raise PermissionDenied
    if not decisions:
        raise TransferError(_("Choose Accept or Reject for at least one criterion."))
    if any(choice not in (ACCEPT, REJECT) for choice, _reason in decisions.values()):
        raise TransferError(_("Each decision is Accept or Reject."))
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        pending = list(PriorLearningClaim.objects.select_for_update(of=("self",))
                       .filter(enrolment=enrolment, status=PriorLearningClaim.Status.PENDING)
                       .select_related("criterion", "unit"))
        by_id = {c.pk: c for c in pending}
        if token != pending_token(pending) or not set(decisions) <= set(by_id):
            raise StaleDecision(_("These claims have changed since the page was opened (they may have been "
                                  "decided already); nothing was changed. Check them again below."))
        chosen = [(by_id[pk], choice, reason.strip()) for pk, (choice, reason) in sorted(decisions.items())]
        unreasoned = [c for c, choice, reason in chosen if choice == REJECT and not reason]
        if unreasoned:
            raise TransferError(_("Give the reason for rejecting: %(criteria)s. Nothing was changed.")
                                % {"criteria": ", ".join(_label(c) for c in unreasoned)})
        locked = locked_units(enrolment)
        refused = [c for c, choice, _r in chosen if choice == ACCEPT and c.unit_id in locked]
        if refused:
            raise TransferError(_("These criteria belong to a signed-off (locked) unit: %(criteria)s. It must be "
                                  "unlocked first; nothing was changed.")
                                % {"criteria": ", ".join(_label(c) for c in refused)})
        now = timezone.now()
        for claim, choice, reason in chosen:
            claim.status = (PriorLearningClaim.Status.ACCEPTED if choice == ACCEPT
                            else PriorLearningClaim.Status.REJECTED)
            claim.decided_by, claim.decided_at, claim.reason = actor, now, reason
        PriorLearningClaim.objects.bulk_update([c for c, _ch, _r in chosen],
                                               ["status", "decided_by", "decided_at", "reason"])
        assessment_changed(enrolment_ids=[enrolment.pk], centre_ids=[enrolment.centre_id])  # bulk: no signals
        accepted = [c for c, choice, _r in chosen if choice == ACCEPT]
        AchievedCriterion.objects.bulk_create(
            [AchievedCriterion(enrolment=enrolment, criterion_id=c.criterion_id, unit_id=c.unit_id, achieved_at=now)
             for c in accepted], ignore_conflicts=True)
        progress_counts.refresh([enrolment.pk])  # bulk: no signals
        enrolment_touch(enrolment=enrolment)
        for claim, choice, reason in chosen:
            action = "prior_learning.accepted" if choice == ACCEPT else "prior_learning.rejected"
            audit_record(action=action, actor=actor,
                         centre=enrolment.centre, target=claim, subject=enrolment,
                         data={"unit": claim.unit_id, "units": [claim.unit_id], "unit_code": claim.unit.code,
                               "criterion": claim.criterion.number, "import": claim.prior_import_id,
                               "source_seal_hash": claim.seal_hash, **({"reason": reason} if reason else {})})
    return Decided(accepted=len(accepted), rejected=len(chosen) - len(accepted))


def _label(claim: PriorLearningClaim) -> str:
    return f"{claim.unit.code} {claim.criterion.number}"


# --- What a sign-off seals ----------------------------------------------------------------------------------

def sealed_prior_learning(enrolment_unit: EnrolmentUnit) -> list[dict]:
    """The unit's criteria achieved by accepted recognised prior learning, with their provenance."""
    claims = (PriorLearningClaim.objects.filter(enrolment_id=enrolment_unit.enrolment_id,
                                                unit_id=enrolment_unit.unit_id,
                                                status=PriorLearningClaim.Status.ACCEPTED)
              .select_related("criterion").order_by("criterion__position", "pk"))
    return [{"id": c.pk, "criterion": c.criterion.number, "source_centre": c.source_centre_name,
             "source_qualification": c.source_qualification_code, "source_unit": c.source_unit_code,
             "source_assessor": c.assessor_email, "achieved_at": c.achieved_at.isoformat() if c.achieved_at else None,
             "source_seal_hash": c.seal_hash, "accepted_by": c.decided_by_id,
             "accepted_at": c.decided_at.isoformat() if c.decided_at else None} for c in claims]

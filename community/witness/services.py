"""Witness statements by link: asking, the witness opening and writing, revoking, and links running out.

Who may ask, and when: the learner about their own evidence while it can still be changed (a draft, or returned
for resubmission), and the enrolment's assessor about submitted or returned work; never once the evidence counts
towards a signed-off (locked) unit, and only while the enrolment is active. The requester or the assessor may
withdraw a link that is still waiting. A statement that arrives while the item is submitted is shown to the
assessor as "new since the learner submitted" (its time is after the item's submission); nothing else changes.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from centres.models import hash_token, new_token
from centres.services import ServiceError
from centres.workflow import move_status
from community.sharing.limits import check_rate
from notifications.delivery import SECRET
from notifications.services import notify
from portfolios.evidence.services import claimable_criteria, evidence_is_locked
from portfolios.models import Enrolment, Evidence
from qualifications.models import AssessmentCriterion

from .models import WitnessRequest, WitnessStatement

Status = WitnessRequest.Status
# Stored with each statement in the words the witness saw.
STATEMENT_DECLARATION = gettext_lazy(
    "I confirm that I saw the learner do what I describe, that this statement is true to the best of my "
    "knowledge, and that typing my full name here is my signature.")


class WitnessError(ServiceError):
    pass


class LinkUnusable(WitnessError):
    """The link cannot be used any more: `reason` is used, revoked, expired or locked."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


def link_days() -> int:
    return settings.LEAP_WITNESS_LINK_DAYS


def email_hash(email: str) -> str:
    """What audit events keep of the witness's address: its SHA-256, lower-cased, never the address itself."""
    return hash_token(email.strip().lower())


def witness_path(token: str) -> str:
    return reverse("witness_statement", args=[token])


# --- Who may ask ---------------------------------------------------------------------------------------------

def requester_kind(*, evidence: Evidence, actor: User) -> str | None:
    """The actor's part: "learner" (the evidence is theirs), "assessor" (of the enrolment), else None."""
    enrolment = evidence.enrolment
    if actor.pk == enrolment.learner_id:
        return "learner"
    if actor.pk == enrolment.assessor_id:
        return "assessor"
    return None


def ensure_may_ask(*, evidence: Evidence, actor: User) -> str:
    """Refuse (PermissionDenied for anyone else, WitnessError for the state) unless the actor may ask a witness
    about this evidence now; returns the actor's kind."""
    kind = requester_kind(evidence=evidence, actor=actor)
    if kind is None:
        raise PermissionDenied
    if evidence.enrolment.status != Enrolment.Status.ACTIVE:
        raise WitnessError(_("Witness statements can be asked for only while the enrolment is active."))
    if evidence_is_locked(evidence):
        raise WitnessError(_("This evidence belongs to a signed-off unit and is locked: no new witness "
                             "statements can be asked for."))
    if kind == "learner" and not evidence.is_editable:
        raise WitnessError(_("You can ask a witness while the evidence is a draft or returned to you. Once it is "
                             "submitted, your assessor can ask."))
    if kind == "assessor" and evidence.status not in (Evidence.Status.SUBMITTED, Evidence.Status.RETURNED):
        raise WitnessError(_("A witness can be asked about submitted or returned evidence."))
    return kind


def criteria_to_offer(evidence: Evidence):
    """The criteria a statement may cover: those of the units the item claims, or (claiming none yet) of every
    open unit of the enrolment; never a locked unit's."""
    open_criteria = claimable_criteria(evidence.enrolment)
    units = evidence.claims.values("unit")
    if evidence.claims.exists():
        open_criteria = open_criteria.filter(unit__in=units)
    return open_criteria.select_related("unit").order_by("unit__position", "position")


# --- Asking --------------------------------------------------------------------------------------------------

def witness_request_create(*, evidence: Evidence, actor: User, name: str, email: str, role: str,
                           criteria: Iterable[AssessmentCriterion], message: str = "", form_token: str = ""
                           ) -> WitnessRequest:
    """Email a witness a link to write a statement. The returned request carries the raw token as `token` (kept
    nowhere else but the email, which forgets it once sent). The same form posted again (`form_token`) finds the
    request it made, sends nothing more, and carries `repeated = True`."""
    ensure_may_ask(evidence=evidence, actor=actor)
    made = WitnessRequest.objects.filter(evidence=evidence, form_token=form_token).first() if form_token else None
    if made is not None:
        made.repeated = True
        return made
    criteria = list(criteria)
    offered = set(criteria_to_offer(evidence).values_list("pk", flat=True))
    if not criteria or any(c.pk not in offered for c in criteria):
        raise WitnessError(_("Choose the criteria the statement should cover from this evidence's units."))
    check_rate(user=actor, action="witness_request")
    token = new_token()
    try:
        witness_request = _request_made(evidence=evidence, actor=actor, name=name, email=email, role=role,
                                        criteria=criteria, message=message, form_token=form_token, token=token)
    except IntegrityError:  # the same form, sent twice at once: the other post made it
        if not form_token:
            raise
        made = WitnessRequest.objects.get(evidence=evidence, form_token=form_token)
        made.repeated = True
        return made
    witness_request.token, witness_request.repeated = token, False
    return witness_request


def _request_made(*, evidence: Evidence, actor: User, name: str, email: str, role: str, criteria: list,
                  message: str, form_token: str, token: str) -> WitnessRequest:
    enrolment = evidence.enrolment
    with transaction.atomic():
        witness_request = WitnessRequest.objects.create(
            evidence=evidence, centre=enrolment.centre, name=name.strip(), email=email.strip(), role=role.strip(),
            message=message.strip(), token_hash=hash_token(token), requested_by=actor, form_token=form_token,
            expires_at=timezone.now() + datetime.timedelta(days=link_days()))
        witness_request.criteria.set(criteria)
        audit_record(action="witness.requested", actor=actor, centre=enrolment.centre, target=witness_request,
                     subject=enrolment, data={"evidence": evidence.pk, "request": witness_request.pk,
                                              "criteria": sorted(c.pk for c in criteria),
                                              "witness_email_sha256": email_hash(email), "days": link_days()})
        _email_witness(witness_request, criteria, token)
    return witness_request


def _email_witness(witness_request: WitnessRequest, criteria: list, token: str) -> None:
    evidence, enrolment = witness_request.evidence, witness_request.evidence.enrolment
    expires = timezone.localtime(witness_request.expires_at)
    notify(recipient=witness_request.email, kind="witness_request", centre=enrolment.centre, essential=True,
           context={"witness_name": witness_request.name, "learner_first_name": enrolment.learner.first_name,
                    "requested_by_name": witness_request.requested_by.display_name,
                    "by_assessor": witness_request.requested_by_id == enrolment.assessor_id,
                    "centre_name": enrolment.centre.name, "evidence_title": str(evidence),
                    "criteria": [f"{c.number} {c.text}" for c in criteria], "message": witness_request.message,
                    "days": link_days(), "expires_on": date_format(expires, "j F Y"),
                    "email": witness_request.email,
                    SECRET: {"link": settings.SITE_URL + witness_path(token)}})


# --- The link ------------------------------------------------------------------------------------------------

def request_for_token(token: str) -> WitnessRequest | None:
    return (WitnessRequest.objects.select_related("evidence__enrolment__learner", "centre")
            .filter(token_hash=hash_token(token)).first())


def ensure_link_usable(witness_request: WitnessRequest) -> None:
    """Refuse (LinkUnusable) a link that is used, withdrawn, run out, or whose evidence is now locked. A link
    found run out is recorded as expired there and then."""
    if witness_request.status != Status.PENDING:
        raise LinkUnusable(witness_request.status)
    if not witness_request.is_usable:
        witness_request_expire(witness_request=witness_request)
        raise LinkUnusable(Status.EXPIRED)
    if evidence_is_locked(witness_request.evidence):
        raise LinkUnusable("locked")


def witness_request_opened(*, witness_request: WitnessRequest) -> WitnessRequest:
    """The witness opens the link: the first view is recorded (later views are not)."""
    if witness_request.opened_at is not None:
        return witness_request
    with transaction.atomic():
        if WitnessRequest.objects.filter(pk=witness_request.pk, opened_at__isnull=True).update(
                opened_at=timezone.now()):
            audit_record(action="witness.opened", centre=witness_request.centre, target=witness_request,
                         subject=witness_request.evidence.enrolment, data=_ids(witness_request))
    return witness_request


def _ids(witness_request: WitnessRequest) -> dict:
    return {"evidence": witness_request.evidence_id, "request": witness_request.pk,
            "witness_email_sha256": email_hash(witness_request.email)}


def witness_statement_submit(*, witness_request: WitnessRequest, text: str, criteria: Iterable[AssessmentCriterion],
                             role: str, relationship: str, observed_from: datetime.date,
                             observed_to: datetime.date | None, typed_name: str, declared: bool,
                             ip_address: str | None, user_agent: str) -> WitnessStatement:
    """The witness sends their statement: attached to the evidence, the link used up, the learner and the
    assessor told. Refused (LinkUnusable) if the link was used, withdrawn or ran out meanwhile."""
    if not declared or not typed_name.strip():
        raise WitnessError(_("Sign the statement: type your full name and tick the declaration."))
    criteria = list(criteria)
    with transaction.atomic():
        witness_request = (WitnessRequest.objects.select_for_update(of=("self",))
                           .select_related("evidence__enrolment__learner", "evidence__enrolment__assessor", "centre")
                           .get(pk=witness_request.pk))
        ensure_link_usable(witness_request)
        asked = set(witness_request.criteria.values_list("pk", flat=True))
        if not criteria or any(c.pk not in asked for c in criteria):
            raise WitnessError(_("Tick the criteria your statement covers."))
        now = timezone.now()
        statement = WitnessStatement.objects.create(
            request=witness_request, text=text.strip(), role=role.strip(), relationship=relationship.strip(),
            observed_from=observed_from, observed_to=observed_to, typed_name=typed_name.strip(),
            declaration=str(STATEMENT_DECLARATION), email=witness_request.email, submitted_at=now,
            ip_address=ip_address or None, user_agent=(user_agent or "")[:300])
        statement.criteria.set(criteria)
        move_status(witness_request, Status.USED)
        witness_request.closed_at = now
        witness_request.save(update_fields=["status", "closed_at"])
        evidence = witness_request.evidence
        after_submission = is_new_since_submission(statement, evidence)
        audit_record(action="witness.submitted", centre=witness_request.centre, target=witness_request,
                     subject=evidence.enrolment, data={**_ids(witness_request), "statement": statement.pk,
                                                       "criteria": sorted(c.pk for c in criteria),
                                                       "after_submission": after_submission})
        _tell_statement_arrived(witness_request, after_submission)
    return statement


def is_new_since_submission(statement: WitnessStatement, evidence: Evidence) -> bool:
    """The rule for "new witness statement since submission": the item is submitted and the statement arrived
    after its latest submission."""
    return (evidence.status == Evidence.Status.SUBMITTED and evidence.submitted_at is not None
            and statement.submitted_at > evidence.submitted_at)


def _tell_statement_arrived(witness_request: WitnessRequest, after_submission: bool) -> None:
    evidence = witness_request.evidence
    enrolment = evidence.enrolment
    url = reverse("evidence_detail", args=[evidence.pk])
    context = {"witness_name": witness_request.name, "witness_role": witness_request.role,
               "evidence_title": str(evidence), "learner_name": enrolment.learner.display_name,
               "asked_by_learner": witness_request.requested_by_id == enrolment.learner_id}
    notify(recipient=enrolment.learner, kind="witness_statement_received", url=url, centre=enrolment.centre,
           context={**context, "for_learner": True, "recipient_name": enrolment.learner.display_name})
    # The assessor reviews submitted work; about a draft the learner has not submitted they learn nothing yet.
    if evidence.status != Evidence.Status.DRAFT:
        notify(recipient=enrolment.assessor, kind="witness_statement_received", url=url, centre=enrolment.centre,
               context={**context, "for_learner": False, "after_submission": after_submission,
                        "recipient_name": enrolment.assessor.display_name})


# --- Revoking and running out --------------------------------------------------------------------------------

def may_revoke(*, witness_request: WitnessRequest, actor: User) -> bool:
    return actor.pk in (witness_request.requested_by_id, witness_request.evidence.enrolment.assessor_id)


def witness_request_revoke(*, witness_request: WitnessRequest, actor: User) -> WitnessRequest:
    if not may_revoke(witness_request=witness_request, actor=actor):
        raise PermissionDenied
    with transaction.atomic():
        witness_request = WitnessRequest.objects.select_for_update().get(pk=witness_request.pk)
        if not witness_request.is_usable:
            raise WitnessError(_("This link is no longer waiting for the witness: nothing to withdraw."))
        move_status(witness_request, Status.REVOKED)
        witness_request.closed_at, witness_request.revoked_by = timezone.now(), actor
        witness_request.save(update_fields=["status", "closed_at", "revoked_by"])
        audit_record(action="witness.revoked", actor=actor, centre=witness_request.centre, target=witness_request,
                     subject=witness_request.evidence.enrolment, data=_ids(witness_request))
    return witness_request


def witness_request_expire(*, witness_request: WitnessRequest) -> bool:
    """Record that a pending link ran out (once: a second call, or a link already closed, does nothing)."""
    with transaction.atomic():
        fresh = (WitnessRequest.objects.select_for_update(of=("self",)).select_related("evidence__enrolment")
                 .filter(pk=witness_request.pk, status=Status.PENDING, expires_at__lte=timezone.now()).first())
        if fresh is None:
            return False
        move_status(fresh, Status.EXPIRED)
        fresh.closed_at = timezone.now()
        fresh.save(update_fields=["status", "closed_at"])
        audit_record(action="witness.expired", centre=fresh.centre, target=fresh, subject=fresh.evidence.enrolment,
                     data=_ids(fresh))
    witness_request.status = fresh.status
    return True


def witness_requests_expire(*, limit: int = 500) -> int:
    """The nightly sweep: every pending link past its time is recorded as expired. Safe to run twice."""
    due = WitnessRequest.objects.filter(status=Status.PENDING, expires_at__lte=timezone.now()).order_by("pk")
    return sum(witness_request_expire(witness_request=r) for r in due[:limit])

"""Destruction of one kind of a learner's records at a centre: the content goes, a Tombstone stays.

What each kind destroys (the rows stay as skeletons: ids, dates, states, hashes):

- evidence_files: the stored files and thumbnails of the learner's evidence (the rows keep size and SHA-256, and
  an empty file field: nothing to download); titles, reflections, places, file names and the names in
  declarations, of the evidence and of each submitted revision; the assessment plans' documents and notes and
  the name the learner signed them with; the witness statements on the evidence (what the witness wrote, their
  name, address, role and relationship, where they sent it from) and the requests that asked for them (the
  witness's name, address, role, the message to them).
- decisions: the assessor's written feedback, actions and voice feedback of each review, and the messages of the
  enrolment's conversation (the learner's and their staff's: the text; the voice notes and attachments are deleted,
  their SHA-256 kept on the message's tombstone). The decisions themselves (criterion, met / not yet met, who,
  when) and the messages' rows (who, when, about what) stay: they are the assessment record an awarding body asks
  for, and carry no personal text.
- qa_records: what IQA and EQA wrote about the learner's work: sample feedback and snapshot, sample actions,
  observation notes, EQA judgement notes and comments on the enrolment.
- audit_events: the content (actor label and data) of the events about the learner's enrolments and evidence,
  with audit_erase_content (the chains still verify), and, when the learner has no record left at any other
  centre, of their own account events.
- learner_details: the centre's details of the learner (age band, gender); the name and email address too,
  replaced by a pseudonym, when the learner has no live record at another centre.
- awards: the baked badge images, the stored signed OB 3.0 copies and certificate PDFs; the narrative, public
  evidence links and the name a certificate states. The award itself stays verifiable (issued, by whom, what, to a
  hashed recipient) unless it is revoked: the learner holds the badge, and an employer must still be able to check
  it; its public page and the certificate's say that the centre's record was destroyed under its retention rule.

Sealed (signed-off) units: a sign-off's seal holds the texts and file names above, so destruction clears them in
the stored seal too, and records the change in the audit trail (`assessment.seals.DESTROYED_ACTION`: the sealed
hash before and after, and each destroyed file's SHA-256). `verify_seals` accepts exactly those changes; a file
deleted, or a seal edited, outside destruction is still reported.
"""

import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.pseudonyms import pseudonym
from assessment.models import Review, UnitSignOff
from assessment.seals import DESTROYED_ACTION, seal_hash
from audit.models import AuditEvent, object_type_of, subject_of
from audit.services import audit_erase_content, audit_record
from badges.models import Award, Certificate
from badges.public.selectors import RECORD_DESTROYED_ACTION
from centres.models import Membership
from community.conversations.models import Message, MessageFile
from community.witness.models import WitnessRequest, WitnessStatement
from moderation.external.reports.models import EqaComment, EqaJudgement
from moderation.models import Observation, Sample, SampleAction
from portfolios.freshness import portfolio_changed
from portfolios.models import AssessmentPlan, Enrolment, Evidence, EvidenceFile, EvidenceSubmission, PlanItem

from .kinds import Kind
from .models import Tombstone
from .schedule import learner_ref

log = logging.getLogger(__name__)

ERASED_EMAIL_DOMAIN = "erased.invalid"


@dataclass
class _Run:
    kind: str
    learner: object
    centre: object
    enrolments: list[Enrolment]
    actor: object
    reason: str
    reference: dict
    now: object = field(default_factory=timezone.now)
    tombstones: list[Tombstone] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file id -> sha256 of what was destroyed
    sign_offs: dict[str, dict] = field(default_factory=dict)  # sign-off id -> {"sealed": before, "now": after}
    seals: dict[str, str] = field(default_factory=dict)  # sign-off id -> hash its erased signed_off event held
    stored: list[str] = field(default_factory=list)  # storage keys to delete once committed

    @property
    def enrolment_ids(self) -> list[int]:
        return [e.pk for e in self.enrolments]

    def already(self, object_type: str) -> set[str]:
        return set(Tombstone.objects.filter(kind=self.kind, object_type=object_type, centre=self.centre)
                   .values_list("object_id", flat=True))

    def tombstone(self, obj, *, enrolment_id: int | None = None, sha256s: list[str] | None = None) -> None:
        batch_id = self.reference.get("batch")
        self.tombstones.append(Tombstone(
            kind=self.kind, object_type=object_type_of(obj), object_id=str(obj.pk), centre=self.centre,
            enrolment_id=enrolment_id, learner_ref=learner_ref(self.learner.pk), destroyed_at=self.now,
            destroyed_by=self.actor if getattr(self.actor, "is_authenticated", False) else None,
            reason=self.reason[:40], rule=str(self.reference.get("rule", ""))[:300],
            batch_id=batch_id or None,
            reference={k: v for k, v in self.reference.items() if k != "rule"}, sha256s=sha256s or []))

    def delete_stored(self, *names: str) -> None:
        self.stored.extend(name for name in names if name)


def destroy_records(*, kind: str, learner, centre, enrolment_ids: list[int] | None = None, actor, reason: str,
                    reference: dict | None = None) -> list[Tombstone]:
    """Destroy the content of one kind of record of a learner at a centre (all their enrolments there, or those
    listed), leaving a Tombstone per destroyed object; audit event contents erased with audit_erase_content;
    verify_audit and verify_seals still pass afterwards. Idempotent. Caller checks permission (actor recorded).

    ``reason``: a short code ("retention", "erasure-request"); ``reference``: ids and words that say under what
    (``{"batch": id, "item": id, "rule": "3 years after certification"}``), no personal data. Stored files are
    deleted once the transaction commits. Returns the tombstones written now (none when all was destroyed before).
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown kind of record: {kind!r}")
    enrolments = Enrolment.objects.filter(learner=learner, centre=centre).order_by("pk")
    if enrolment_ids is not None:
        enrolments = enrolments.filter(pk__in=enrolment_ids)
    with transaction.atomic():
        _allow_locked_updates()
        run = _Run(kind=kind, learner=learner, centre=centre, enrolments=list(enrolments), actor=actor,
                   reason=reason, reference=dict(reference or {}))
        DESTROYERS[kind](run)
        if not run.tombstones:
            return []
        Tombstone.objects.bulk_create(run.tombstones)
        portfolio_changed(enrolment_ids=run.enrolment_ids)  # the destroyers' bulk updates fire no signals
        audit_record(action=DESTROYED_ACTION, actor=actor, centre=centre, data={
            "kind": kind, "reason": reason, "learner_ref": learner_ref(learner.pk), "enrolments": run.enrolment_ids,
            "count": len(run.tombstones), "files": run.files, "sign_offs": run.sign_offs, "seals": run.seals,
            "reference": {k: v for k, v in run.reference.items() if k != "rule"},
        })
        keys = list(run.stored)
        transaction.on_commit(lambda: _delete_stored(keys))
    return run.tombstones


def _allow_locked_updates() -> None:
    """On PostgreSQL, let this transaction clear texts of signed-off units (records/retention/migrations/0002);
    the destruction record written before it commits is what verify_seals then checks the changes against."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL leap.retention_destroying = 'on'")


def _delete_stored(keys: list[str]) -> None:
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:  # a file already gone is destroyed; the next run of anything retries nothing
            log.exception("Could not delete stored file %s", key)


# --- Sealed units ---------------------------------------------------------------------------------------------

EVIDENCE_TEXTS = ("title", "reflection", "activity_place")
REVIEW_TEXTS = ("feedback", "actions", "voice_feedback")


def _redact_seals(run: _Run, *, evidence_ids: set[int] = frozenset(), file_ids: set[int] = frozenset(),
                  review_ids: set[int] = frozenset()) -> None:
    """Clear the destroyed texts in the stored seals of the enrolments' sign-offs (current and unlocked)."""
    sign_offs = UnitSignOff.objects.filter(enrolment_unit__enrolment__in=run.enrolment_ids).order_by("pk")
    for sign_off in sign_offs.select_for_update():
        seal = sign_off.seal
        before = seal_hash(seal)
        for item in seal.get("evidence", []):
            if item.get("id") in evidence_ids:
                item.update({key: "" for key in EVIDENCE_TEXTS if key in item})
        for item in seal.get("files", []):
            if item.get("id") in file_ids:
                item.update({key: "" for key in ("name", "key") if key in item})
        for item in seal.get("reviews", []):
            if item.get("id") in review_ids:
                item.update({key: "" for key in REVIEW_TEXTS if key in item})
        after = seal_hash(seal)
        if after != before:
            sign_off.seal = seal
            sign_off.save(update_fields=["seal"])
            run.sign_offs[str(sign_off.pk)] = {"sealed": before, "now": after}


# --- One destroyer per kind ---------------------------------------------------------------------------------

def _evidence_files(run: _Run) -> None:
    done = run.already(object_type_of(Evidence))
    evidence = [e for e in Evidence.objects.filter(enrolment__in=run.enrolment_ids).select_for_update().order_by("pk")
                if str(e.pk) not in done]
    files = list(EvidenceFile.objects.filter(evidence__in=evidence).order_by("pk"))
    by_evidence: dict[int, list[EvidenceFile]] = {}
    for f in files:
        by_evidence.setdefault(f.evidence_id, []).append(f)
        run.delete_stored(f.file.name, f.thumbnail.name)
        run.files[str(f.pk)] = f.sha256
        f.original_name = ""
        f.file = f.thumbnail = ""  # no stored object: downloads answer 404, exports and packs leave it out
        f.capture_time = None
    EvidenceFile.objects.bulk_update(files, ["original_name", "file", "thumbnail", "capture_time"])
    for e in evidence:
        e.title = e.reflection = e.activity_place = ""
        e.declaration = _redacted_declaration(e.declaration)
        e.save(update_fields=["title", "reflection", "activity_place", "declaration"])
        run.tombstone(e, enrolment_id=e.enrolment_id,
                      sha256s=[f.sha256 for f in by_evidence.get(e.pk, [])])
    submissions = list(EvidenceSubmission.objects.filter(evidence__in=evidence))
    for s in submissions:
        s.title, s.reflection, s.declaration = "", "", _redacted_declaration(s.declaration)
    EvidenceSubmission.objects.bulk_update(submissions, ["title", "reflection", "declaration"])
    _redact_seals(run, evidence_ids={e.pk for e in evidence}, file_ids={f.pk for f in files})
    _plans(run)
    _witness_statements(run)


def _witness_statements(run: _Run) -> None:
    """The witness requests on the enrolments' evidence and their statements: every text the witness or the
    requester wrote, and the witness's address and browser; dates, status and criteria stay."""
    done = run.already(object_type_of(WitnessRequest))
    requests = [r for r in WitnessRequest.objects.filter(evidence__enrolment__in=run.enrolment_ids)
                .select_related("evidence").order_by("pk") if str(r.pk) not in done]
    for r in requests:
        r.name = r.email = r.role = r.message = ""
    WitnessRequest.objects.bulk_update(requests, ["name", "email", "role", "message"])
    statements = list(WitnessStatement.objects.filter(request__in=requests))
    for s in statements:
        s.text = s.role = s.relationship = s.typed_name = s.email = s.user_agent = ""
        s.ip_address = None
    WitnessStatement.objects.bulk_update(statements, ["text", "role", "relationship", "typed_name", "email",
                                                      "user_agent", "ip_address"])
    for r in requests:
        run.tombstone(r, enrolment_id=r.evidence.enrolment_id)


def _plans(run: _Run) -> None:
    """The assessment plans' documents and notes, and the name the learner signed with (the time stays)."""
    done = run.already(object_type_of(AssessmentPlan))
    plans = [p for p in AssessmentPlan.objects.filter(enrolment__in=run.enrolment_ids).order_by("pk")
             if str(p.pk) not in done]
    for plan in plans:
        run.delete_stored(plan.document.name)
        plan.document, plan.document_name, plan.notes, plan.learner_signed_name = "", "", "", ""
        plan.save(update_fields=["document", "document_name", "notes", "learner_signed_name"])
        run.tombstone(plan, enrolment_id=plan.enrolment_id)
    PlanItem.objects.filter(plan__in=plans).update(notes="")


def _redacted_declaration(declaration: dict) -> dict:
    """The declaration's skeleton: when, and the hashes it was bound to; not who (an email) nor the file names."""
    if not declaration:
        return declaration
    kept = {k: v for k, v in declaration.items() if k not in ("by", "files")}
    kept["files"] = [{k: v for k, v in f.items() if k != "name"} for f in declaration.get("files", [])]
    return kept


def _decisions(run: _Run) -> None:
    done = run.already(object_type_of(Review))
    reviews = [r for r in Review.objects.filter(submission__evidence__enrolment__in=run.enrolment_ids)
               .select_related("submission__evidence").select_for_update(of=("self",)).order_by("pk")
               if str(r.pk) not in done]
    for r in reviews:
        run.delete_stored(r.voice_feedback.name)
        r.feedback = r.actions = r.voice_feedback_type = ""
        r.voice_feedback = ""
    Review.objects.bulk_update(reviews, ["feedback", "actions", "voice_feedback", "voice_feedback_type"])
    for r in reviews:
        run.tombstone(r, enrolment_id=r.submission.evidence.enrolment_id)
    _redact_seals(run, review_ids={r.pk for r in reviews})
    _messages(run)


def _messages(run: _Run) -> None:
    """The messages of the enrolments' conversations: the text cleared, the voice notes and attachments deleted
    (rows and stored files; their SHA-256 stay on the message's tombstone)."""
    done = run.already(object_type_of(Message))
    messages = [m for m in Message.objects.filter(conversation__enrolment__in=run.enrolment_ids)
                .select_related("conversation").order_by("pk") if str(m.pk) not in done]
    files = list(MessageFile.objects.filter(message__in=messages).order_by("pk"))
    by_message: dict[int, list[str]] = {}
    for f in files:
        by_message.setdefault(f.message_id, []).append(f.sha256)
        run.delete_stored(f.file.name)
    MessageFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(text="")
    for m in messages:
        run.tombstone(m, enrolment_id=m.conversation.enrolment_id, sha256s=by_message.get(m.pk, []))


def _qa_records(run: _Run) -> None:
    ids = run.enrolment_ids
    for model, query, texts in (
        (Sample, Q(enrolment__in=ids), {"feedback": "", "snapshot": {}}),
        (SampleAction, Q(sample__enrolment__in=ids), {"text": "", "done_note": ""}),
        (EqaJudgement, Q(enrolment__in=ids), {"note": ""}),
        (EqaComment, Q(enrolment__in=ids), {"text": ""}),
    ):
        _clear(run, model, query, texts, enrolment=lambda obj: getattr(obj, "enrolment_id", None))
    if run.enrolments and len(run.enrolments) == Enrolment.objects.filter(learner=run.learner,
                                                                         centre=run.centre).count():
        _clear(run, Observation, Q(centre=run.centre, learner=run.learner),
               {"development_points": "", "place": "", "checklist": {}}, enrolment=lambda obj: None)


def _clear(run: _Run, model, query: Q, texts: dict, *, enrolment) -> None:
    done = run.already(object_type_of(model))
    objects = [obj for obj in model.objects.filter(query).order_by("pk") if str(obj.pk) not in done]
    for obj in objects:
        for name, empty in texts.items():
            setattr(obj, name, empty)
        run.tombstone(obj, enrolment_id=enrolment(obj))
    model.objects.bulk_update(objects, list(texts))


def _audit_events(run: _Run) -> None:
    evidence = Evidence.objects.filter(enrolment__in=run.enrolment_ids).values_list("pk", flat=True)
    about = Q(subject__in=[f"{object_type_of(Enrolment)}:{pk}" for pk in run.enrolment_ids])
    about |= Q(object_type=object_type_of(Enrolment), object_id__in=[str(pk) for pk in run.enrolment_ids])
    about |= Q(object_type=object_type_of(Evidence), object_id__in=[str(pk) for pk in evidence])
    events = AuditEvent.objects.filter(about, centre_id=run.centre.pk)
    if not _has_other_live_records(run):
        events = AuditEvent.objects.filter(
            Q(pk__in=events.values("pk")) | Q(chain_key="global", actor=run.learner)
            | Q(chain_key="global", subject=subject_of(run.learner)))
    events = events.filter(erased_at__isnull=True).exclude(content_digest="").exclude(action=DESTROYED_ACTION)
    # A sealed unit's signed_off event is its seal's authoritative copy: before it goes, the destruction record
    # takes over vouching for the seal hash it held (verify_seals reads both).
    sealed = events.filter(action="unit.signed_off", object_type=object_type_of(UnitSignOff))
    run.seals.update(sealed.values_list("object_id", "data__seal_hash"))
    erasable = list(events.order_by("pk"))
    if not erasable:
        return
    audit_erase_content(events=erasable, actor=run.actor, reason=run.reason,
                        data={"kind": run.kind, "learner_ref": learner_ref(run.learner.pk),
                              **{k: v for k, v in run.reference.items() if k != "rule"}})
    for event in erasable:
        run.tombstone(event, enrolment_id=None)


def _has_other_live_records(run: _Run) -> bool:
    """Whether the learner has a record that is not destroyed: an enrolment or a membership at another centre."""
    elsewhere = Q(learner=run.learner) & ~Q(centre=run.centre)
    return (Enrolment.objects.filter(elsewhere).exists()
            or Membership.objects.filter(user=run.learner).exclude(centre=run.centre).exists())


def _learner_details(run: _Run) -> None:
    learner = run.learner
    memberships = [m for m in Membership.objects.filter(user=learner, centre=run.centre).order_by("pk")
                   if str(m.pk) not in run.already(object_type_of(Membership))]
    for m in memberships:
        m.age_band = m.gender = ""
        m.save(update_fields=["age_band", "gender"])
        run.tombstone(m)
    if _has_other_live_records(run):
        return
    if str(learner.pk) in run.already(object_type_of(learner)):
        return
    from django.conf import settings

    code = pseudonym(settings.SECRET_KEY, learner.pk).split()[-1]
    learner.first_name, learner.last_name = str(pseudonym(settings.SECRET_KEY, learner.pk)), ""
    learner.email = f"{code.lower()}-{learner.pk}@{ERASED_EMAIL_DOMAIN}"
    learner.is_active = False
    learner.set_unusable_password()
    learner.save(update_fields=["first_name", "last_name", "email", "is_active", "password"])
    run.tombstone(learner)


def _awards(run: _Run) -> None:
    scope = Q(enrolment__in=run.enrolment_ids)
    everything = len(run.enrolments) == Enrolment.objects.filter(learner=run.learner, centre=run.centre).count()
    if everything:  # the learner's awards at the centre that belong to no enrolment go with the last of them
        scope |= Q(enrolment__isnull=True)
    done = run.already(object_type_of(Award))
    awards = [a for a in Award.objects.filter(scope, recipient=run.learner, badge_class__centre=run.centre)
              .order_by("pk") if str(a.pk) not in done]
    for a in awards:
        run.delete_stored(a.baked_ob2.name, a.baked_ob3.name)
        a.baked_ob2 = a.baked_ob3 = ""
        a.credential_ob3, a.credential_jwt, a.baked_at = {}, "", None
        a.narrative = a.evidence_url = ""
        a.in_showcase = a.show_name_publicly = False
        a.save(update_fields=["baked_ob2", "baked_ob3", "credential_ob3", "credential_jwt", "baked_at", "narrative",
                              "evidence_url", "in_showcase", "show_name_publicly"])
        a.public_evidence.clear()
        run.tombstone(a, enrolment_id=a.enrolment_id)
        _record_award_destroyed(run, a)
    done = run.already(object_type_of(Certificate))
    certificates = [c for c in Certificate.objects.filter(scope, recipient=run.learner, centre=run.centre)
                    .order_by("pk") if str(c.pk) not in done]
    for c in certificates:
        run.delete_stored(c.pdf.name)
        c.pdf = ""
        c.content = {**c.content, "learner_name": ""}  # what else it states (units, hours, date) stays checkable
        c.save(update_fields=["pdf", "content"])
        run.tombstone(c, enrolment_id=c.enrolment_id)
        _record_award_destroyed(run, c)


def _record_award_destroyed(run: _Run, obj) -> None:
    """The public award and certificate pages read this event to say the centre's record was destroyed."""
    audit_record(action=RECORD_DESTROYED_ACTION, actor=run.actor, centre=run.centre, target=obj,
                 data={"reason": run.reason, "rule": str(run.reference.get("rule", ""))[:300]})


DESTROYERS = {
    Kind.EVIDENCE_FILES: _evidence_files,
    Kind.DECISIONS: _decisions,
    Kind.QA_RECORDS: _qa_records,
    Kind.AUDIT_EVENTS: _audit_events,
    Kind.LEARNER_DETAILS: _learner_details,
    Kind.AWARDS: _awards,
}

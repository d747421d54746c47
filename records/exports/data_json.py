"""data.json: LEAP's own portfolio format, version 1, described by docs/export-schema/leap-portfolio-1.schema.json.

The builder writes the files first and passes their paths in the ZIP (`paths`: stored file name -> manifest
entry), so that every file this document names is one the ZIP holds, with the hash it was written with."""

import datetime
import json
from functools import cache
from pathlib import Path

from django.conf import settings

from accounts.models import User

from .portfolio import EnrolmentRecord, Portfolio, UnitRecord, evidence_ref

FORMAT, VERSION = "leap-portfolio", 1
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "export-schema" / "leap-portfolio-1.schema.json"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def schema_problems(document) -> list[str]:
    """Every way `document` breaks the schema, one line each ("where: what")."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def when(value) -> str | None:
    return value.isoformat() if value else None


def person(user: User | None) -> dict | None:
    return {"name": user.get_full_name() or user.email, "email": user.email} if user else None


def portfolio_document(portfolio: Portfolio, *, exported_at: datetime.datetime, paths: dict) -> dict:
    """The data.json document. `paths` maps ("evidence", file id), ("voice", review id), ("message_file", id),
    ("award", id) and ("certificate", id) to what the ZIP holds for them."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "deployment": {"site_name": settings.LEAP_SITE_NAME, "url": settings.SITE_URL},
        "learner": person(portfolio.learner),
        "enrolments": [_enrolment(record, paths) for record in portfolio.enrolments],
        "badges": [_badge(award, paths) for award in portfolio.awards],
        "certificates": [_certificate(certificate, paths) for certificate in portfolio.certificates],
    }


def _enrolment(record: EnrolmentRecord, paths: dict) -> dict:
    enrolment, version = record.enrolment, record.enrolment.version
    return {
        "ref": record.ref,
        "centre": {"name": enrolment.centre.name, "slug": enrolment.centre.slug},
        "qualification": {"code": version.qualification.code, "title": version.title, "version": version.number,
                          "awarding_body": version.awarding_body, "level": version.level or None,
                          "framework": version.framework or None},
        "status": enrolment.status,
        "start_date": when(enrolment.start_date),
        "planned_end_date": when(enrolment.planned_end_date),
        "completed_at": when(enrolment.completed_at),
        "assessor": person(enrolment.assessor),
        "progress": {"criteria_met": record.met, "criteria_total": record.total, "percent": record.percent},
        "plans": [_plan(plan) for plan in record.plans],
        "units": [_unit(unit, record) for unit in record.units],
        "evidence": [_evidence(item, paths) for item in record.evidence],
        "messages": [_message(message, paths) for message in record.messages],
    }


def _plan(plan) -> dict:
    return {
        "version": plan.number,
        "status": plan.status,
        "notes": plan.notes,
        "agreed_by_learner_at": when(plan.learner_signed_at),
        "agreed_by_assessor_at": when(plan.assessor_signed_at),
        "items": [{"method": item.method, "target_date": when(item.target_date), "notes": item.notes,
                   "units": [u.code for u in item.units.all()],
                   "criteria": [c.number for c in item.criteria.all()]} for item in plan.shown_items],
    }


def _unit(unit: UnitRecord, record: EnrolmentRecord) -> dict:
    claimed: dict[int, list[str]] = {}
    for item in record.evidence:
        for claim in item.shown_claims:
            claimed.setdefault(claim.criterion_id, []).append(evidence_ref(item))
    enrolment_unit = unit.enrolment_unit
    state = "signed_off" if enrolment_unit.locked_at else ("reopened" if enrolment_unit.reopened_at else "open")
    return {
        "code": unit.unit.code,
        "title": unit.unit.title,
        "credits": unit.unit.credits,
        "mandatory": unit.unit.mandatory,
        "state": state,
        "progress": {"criteria_met": unit.met, "criteria_total": len(unit.criteria), "percent": unit.percent},
        "criteria": [{"number": c.number, "text": c.text, "met": c.pk in unit.achieved,
                      "met_at": when(unit.achieved[c.pk].achieved_at) if c.pk in unit.achieved else None,
                      "evidence": claimed.get(c.pk, [])} for c in unit.criteria],
        "sign_offs": [{"number": s.number, "signed_off_at": when(s.signed_off_at),
                       "signed_off_by": person(s.signed_off_by), "seal_hash": s.seal_hash,
                       "unlocked_at": when(s.unlocked_at)} for s in unit.sign_offs],
    }


def _evidence(item, paths: dict) -> dict:
    return {
        "ref": evidence_ref(item),
        "title": item.title,
        "reflection": item.reflection,
        "method": item.method,
        "activity_date": when(item.activity_date),
        "activity_place": item.activity_place,
        "status": item.status,
        "submitted_at": when(item.submitted_at),
        "criteria": [{"unit": claim.unit.code, "number": claim.criterion.number} for claim in item.shown_claims],
        "files": [{"path": paths[("evidence", f.pk)]["path"], "name": f.original_name,
                   "content_type": f.content_type, "size": paths[("evidence", f.pk)]["size"],
                   "sha256": paths[("evidence", f.pk)]["sha256"]} for f in item.shown_files],
        "reviews": [_review(review, paths) for review in item.shown_reviews],
        "witness_statements": [_statement(statement) for statement in item.shown_statements],
    }


# How a witness statement reached LEAP: the witness used the single-use link emailed to them, without an account.
BY_EMAILED_LINK = "emailed_link"


def _statement(statement) -> dict:
    """The witness's name, role and relationship, what they wrote and signed; not their email address, IP address
    or browser (their own personal data, kept at the centre)."""
    return {
        "witness": {"name": statement.request.name, "role": statement.role or statement.request.role},
        "relationship": statement.relationship,
        "text": statement.text,
        "criteria": [{"unit": c.unit.code, "number": c.number} for c in statement.shown_criteria],
        "observed_from": when(statement.observed_from),
        "observed_to": when(statement.observed_to),
        "signed_name": statement.typed_name,
        "declaration": statement.declaration,
        "requested_at": when(statement.request.created_at),
        "submitted_at": when(statement.submitted_at),
        "received_by": BY_EMAILED_LINK,
    }


def _message(message, paths: dict) -> dict:
    criterion = message.criterion
    return {
        "author": {"name": message.author.get_full_name() or message.author.email, "role": message.author_role},
        "sent_at": when(message.created_at),
        "text": message.text,
        "about_evidence": evidence_ref(message.evidence_id) if message.evidence_id else None,
        "about_criterion": {"unit": criterion.unit.code, "number": criterion.number} if criterion else None,
        "files": [{"path": paths[("message_file", f.pk)]["path"], "name": f.original_name, "role": f.role,
                   "content_type": f.content_type, "size": paths[("message_file", f.pk)]["size"],
                   "sha256": paths[("message_file", f.pk)]["sha256"]} for f in message.shown_files],
    }


def _review(review, paths: dict) -> dict:
    voice = paths.get(("voice", review.pk))
    return {
        "number": review.submission.number,
        "assessor": person(review.assessor),
        "decided_at": when(review.decided_at),
        "outcome": review.outcome,
        "feedback": review.feedback,
        "actions": review.actions,
        "voice_feedback": voice["path"] if voice else None,
        "countersigned_at": when(review.countersigned_at),
        "decisions": [{"unit": d.unit.code, "number": d.criterion.number, "met": d.met}
                      for d in review.shown_decisions],
    }


def _badge(award, paths: dict) -> dict:
    return {
        "name": award.badge_class.name,
        "description": award.badge_class.description,
        "issuer": award.badge_class.centre.name,
        "issued_at": when(award.issued_on),
        "expires_at": when(award.expires_at),
        "revoked": award.revoked_at is not None,
        "verify_url": paths.get(("award_url", award.pk), ""),
        "files": [entry["path"] for entry in paths.get(("award", award.pk), [])],
    }


def _certificate(certificate, paths: dict) -> dict:
    entry = paths.get(("certificate", certificate.pk))
    return {
        "number": certificate.number,
        "title": certificate.title,
        "kind": certificate.tier,
        "issued_at": when(certificate.issued_on),
        "revoked": certificate.revoked_at is not None,
        "verify_url": paths.get(("certificate_url", certificate.pk), ""),
        "file": entry["path"] if entry else None,
    }

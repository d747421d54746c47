"""A learner's enrolment with a draft and a submitted evidence item, and a witness request on each, built through
the services (the URL walk's helper submits the evidence)."""

import re

from django.core import mail
from django.test import TestCase

from community.witness.services import witness_request_create
from portfolios.evidence.services import evidence_create, evidence_save_draft
from qualifications.models import AssessmentCriterion
from tests.portfolios.factories import make_enrolment, make_spec
from tests.test_url_walk import World

LINK = re.compile(r"/community/witness/([\w-]{20,})/")


def enrolment_with_criteria(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    return enrolment, list(AssessmentCriterion.objects.filter(unit=unit).order_by("position"))


def draft(personas, enrolment, criteria, title="Served a table of six"):
    evidence = evidence_create(enrolment=enrolment, actor=personas.learner)
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=personas.learner, title=title,
                        reflection="r", method="witness_testimony", activity_date=None, activity_place="",
                        criteria=criteria)
    evidence.refresh_from_db()
    return evidence


def submitted(personas, enrolment, criteria, title="Closed the till"):
    return World._submitted(enrolment, personas.learner, criteria, title)  # its photo processed on commit


def ask(evidence, actor, criteria, *, email="pat.supervisor@example.com", name="Pat Okafor", role="Supervisor"):
    """Ask through the service, with the email sent (on commit); returns the request (with its raw token)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return witness_request_create(evidence=evidence, actor=actor, name=name, email=email, role=role,
                                      criteria=criteria, message="Thanks for helping.")


def link_in_last_email(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to]][-1:]
    return LINK.search(message.body).group(0)


def statement_data(criteria, **extra) -> dict:
    data = {"text": "I watched Maya close the till and balance it to the penny.",
            "criteria": [c.pk for c in criteria], "role": "Shift supervisor",
            "relationship": "Her line manager at the café", "observed_from": "2026-11-20", "observed_to": "",
            "typed_name": "Pat Okafor", "declared": "on"}
    data.update(extra)
    return data


def signed_off(personas, enrolment, criteria, evidence=None):
    """Accept the submitted evidence (meeting `criteria`) and sign its unit off: the unit is locked."""
    from assessment.services import review_decide, review_start, unit_sign_off
    from portfolios.models import EnrolmentUnit

    evidence = evidence or submitted(personas, enrolment, criteria)
    review = review_start(submission=evidence.submissions.order_by("number").last(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={c.pk: True for c in criteria},
                  outcome="accepted", feedback="ok")
    unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment, unit=criteria[0].unit),
                  actor=personas.assessor, declared=True)
    evidence.refresh_from_db()
    return evidence

"""A submitted evidence item waiting for its assessor's review, made the way the app makes it."""

from django.core.files.base import ContentFile
from django.test import TestCase

from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import Evidence
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes


def submitted_evidence(enrolment, learner, title: str = "Fridge temperature log") -> Evidence:
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk")[:1])
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="log.jpg", size=len(photo),
                             actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                        reflection="I kept the log all week.", method="product", activity_date=None,
                        activity_place="Kitchen", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    evidence.refresh_from_db()
    return evidence

"""Evidence and exercises for the observation and standardisation tests, made through the real services."""

from django.core.files.base import ContentFile
from django.test import TestCase

from moderation.practice.services import co_marking_create
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec


def submitted_evidence(personas, *, criteria: int = 3, title: str = "Plated dessert", code: str = "HOSP-L3"):
    """A submitted item of the learner's with one processed photo, claiming `criteria` criteria of unit 1."""
    version = make_spec(personas.centre, code=code, units=1, outcomes=1, criteria=criteria)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    learner = personas.learner
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=(len(title), 2, 3))
    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="dessert.jpg", size=len(photo),
                             actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=list(
                            AssessmentCriterion.objects.filter(unit__version=version).order_by("position")))
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    evidence.refresh_from_db()
    return evidence


def open_exercise(personas, evidence=None, invited=None):
    evidence = evidence or submitted_evidence(personas)
    return co_marking_create(centre=personas.centre, evidence=evidence, title="Dessert standardisation",
                             invited=invited or [personas.assessor, personas.second_assessor],
                             actor=personas.moderator)

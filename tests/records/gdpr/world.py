"""Set-up shared by the data-subject request tests: Maya with a finished course (a signed-off unit, a badge, a
draft with a photo, a shared showcase) and a course withdrawn long ago whose retention has ended."""

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from badges.models import Award, Showcase
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft
from portfolios.models import Enrolment, Evidence
from qualifications.models import AssessmentCriterion
from records.gdpr.models import DataRequest
from records.gdpr.services import data_request_record
from tests.assessment.test_verify_seals import signed_off_unit, submit_evidence
from tests.badges.test_public_award import make_award, make_badge_class
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment
from tests.records.retention.helpers import YEAR, completed


@dataclass
class Erasable:
    kept: Enrolment  # completed now: kept 3 years
    ended: Enrolment  # withdrawn 5 years ago, with submitted evidence: its retention has ended
    draft: Evidence
    award: Award
    request: DataRequest


def draft_with_photo(enrolment, learner, *, title="Half-finished plating") -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=(9, 99, 199))
    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="plate.jpg", size=len(photo),
                             actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                        reflection="Not happy with the sauce yet.", method="product", activity_date=None,
                        activity_place="", criteria=[])
    evidence.refresh_from_db()
    return evidence


def record(personas, kind: str, *, received_on: datetime.date | None = None, subject=None) -> DataRequest:
    request, _created = data_request_record(centre=personas.centre, subject=subject or personas.learner, kind=kind,
                                            received_on=received_on or timezone.localdate(), notes="",
                                            actor=personas.admin)
    return request


def erasable(personas) -> Erasable:
    enrolment_unit, _sign_off = signed_off_unit(personas)
    draft = draft_with_photo(enrolment_unit.enrolment, personas.learner)
    kept = completed(enrolment_unit.enrolment, personas.assessor)
    ended = make_enrolment(personas.learner, personas.assessor, kept.version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=kept.version))[:1]
    submit_evidence(ended, personas.learner, criteria, title="Old work", files=[("old.jpg", jpeg_bytes())])
    Enrolment.objects.filter(pk=ended.pk).update(
        status=Enrolment.Status.WITHDRAWN, last_activity_at=timezone.now() - 5 * YEAR,
        start_date=timezone.localdate() - 6 * YEAR, planned_end_date=timezone.localdate() - 5 * YEAR)
    ended.refresh_from_db()
    award = make_award(make_badge_class(personas.centre), personas.learner, show_name_publicly=True,
                       in_showcase=True)
    Showcase.objects.create(user=personas.learner, enabled=True)
    return Erasable(kept=kept, ended=ended, draft=draft, award=award, request=record(personas, "erasure"))

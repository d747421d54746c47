"""Set-up shared by the retention tests: learners whose courses ended some years ago, with sealed work."""

import datetime

import time_machine
from django.utils import timezone

from portfolios.enrolments.services import enrolment_complete
from qualifications.models import AssessmentCriterion
from tests.assessment.test_verify_seals import signed_off_unit, submit_evidence
from tests.portfolios.factories import make_enrolment

YEAR = datetime.timedelta(days=365)


def completed(enrolment, actor):
    enrolment_complete(enrolment=enrolment, actor=actor, units=[])
    enrolment.refresh_from_db()
    return enrolment


def two_learners(personas):
    """Maya's course (a signed-off unit with files) completed now; the second learner's, on the same
    qualification with submitted evidence, completed two years later. Returns (maya's, second's) enrolments
    and the moment four years after Maya's completion (travel there to list what is due)."""
    enrolment_unit, sign_off = signed_off_unit(personas)
    maya = completed(enrolment_unit.enrolment, personas.assessor)
    later = timezone.now() + 2 * YEAR
    with time_machine.travel(later, tick=False):
        second = make_enrolment(personas.second_learner, personas.assessor, maya.version)
        unit = maya.version.units.order_by("position").first()
        submit_evidence(second, personas.second_learner, list(AssessmentCriterion.objects.filter(unit=unit)),
                        title="Second learner's dish")
        second = completed(second, personas.assessor)
    return maya, second, sign_off, timezone.now() + 4 * YEAR + datetime.timedelta(days=2)

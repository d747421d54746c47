"""The sign-off bench times the sign-off apart from the badge its commit awards, bakes and signs."""

import pytest

from assessment.services import review_decide, review_start
from badges.models import Award
from portfolios.models import EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.bench._assessment import _timed_sign_off
from tests.portfolios.factories import make_enrolment, make_spec

from .test_verify_seals import submit_evidence

pytestmark = pytest.mark.django_db(transaction=True)  # the badge follows a real commit


def test_the_sign_off_alone_is_measured_up_to_its_commit_and_the_badge_after_it(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    version = make_spec(personas.centre, code="HOS", units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    criteria = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position"))
    evidence = submit_evidence(enrolment, personas.learner, criteria)
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={c.pk: True for c in criteria},
                  outcome="accepted", feedback="Well planned.")

    sign_off, ((alone_s, alone_q), (whole_s, whole_q)) = _timed_sign_off(
        EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit), personas.assessor)

    award = Award.objects.get(sign_off=sign_off)
    assert award.baked_ob3 and award.credential_ob3  # the whole measure includes the badge ...
    assert 0 < alone_q < whole_q and 0 < alone_s < whole_s  # ... the alone measure does not

"""My Progress is kept under the learner's generation: a badge awarded or revoked shows there at once."""

import pytest
from django.urls import reverse
from django.utils import timezone

from badges.models import BadgeClass
from tests.badges.test_public_award import make_award, make_badge_class
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def test_a_unit_badge_awarded_and_revoked_shows_on_my_progress_at_once(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2, frozen=True)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    badge_class = make_badge_class(personas.centre, name="Knife Skills", kind=BadgeClass.Kind.UNIT,
                                   unit=version.units.get())
    client = client_for(personas.learner)

    def page() -> str:
        return client.get(reverse("my_progress")).content.decode()

    assert "Badge: Knife Skills" not in page()  # now kept
    award = make_award(badge_class, personas.learner, enrolment=enrolment)
    assert "Badge: Knife Skills" in page()
    award.revoked_at = timezone.now()
    award.save()
    assert "Badge: Knife Skills" not in page()

"""The demo EQA's grant: active for 14 days over the demo moderator's current IQA plan, the visit in 10 days; the EQA
then reads a sampled unit. Made once however often the demo is seeded."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leap import demo
from moderation.external.selectors import grant_enrolments
from moderation.models import EqaGrant, Sample, SamplingPlan
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_eqa_an_active_grant_over_the_moderators_current_plan_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    centre, _ = demo.seed_demo()
    demo.seed_demo()
    grant = EqaGrant.objects.get(centre=centre)
    plan = SamplingPlan.objects.get(centre=centre, current=True)
    assert (grant.moderator.email, grant.scope, grant.plan, grant.state) == (demo.EQA_EMAIL, "iqa_plan", plan, "active")
    assert grant.expires_at - grant.starts_at == datetime.timedelta(days=14)
    assert grant.visit_on == timezone.localdate() + datetime.timedelta(days=10)
    assert plan.generated_by.email == demo.MODERATOR_EMAIL


def test_the_demo_eqa_reads_a_sampled_unit_of_the_plan(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    centre, _ = demo.seed_demo()
    grant = EqaGrant.objects.get(centre=centre)
    sample = Sample.objects.filter(centre=centre).select_related("enrolment", "unit").first()
    assert sample.enrolment in grant_enrolments(grant)
    eqa = client_for(grant.moderator)
    response = eqa.get(reverse("unit_record", args=[sample.enrolment_id, sample.unit_id]))
    assert response.status_code == 200 and sample.unit.code in response.content.decode()

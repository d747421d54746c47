"""The certification gate: while the strategy requires it, the planned summative sampling of an enrolment must be
done and its actions closed before the qualification badge and the certificate are issued."""

import pytest
from django.urls import reverse

from badges.awards.automatic import award_for_completion
from badges.certificates.services import CertificateError, certificate_issue
from badges.models import Award, BadgeClass
from moderation.models import Sample
from moderation.samples.selectors import certification_holds
from moderation.samples.services import action_close, action_mark_done
from portfolios.models import Enrolment
from tests.conftest import client_for

from .sampling_world import Sampling

pytestmark = pytest.mark.django_db


def completed(personas, capture, *, gate=True) -> Sampling:
    with capture(execute=True):
        world = Sampling(personas, units=2, signed=2, gate=gate)
    world.enrolment.refresh_from_db()
    assert world.enrolment.status == Enrolment.Status.COMPLETED
    return world


def qualification_badges(world):
    return Award.objects.filter(enrolment=world.enrolment, badge_class__kind=BadgeClass.Kind.QUALIFICATION,
                                revoked_at__isnull=True)


def test_without_a_gate_nothing_is_held(personas, django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks, gate=False)
    assert certification_holds(enrolment=world.enrolment) == []
    assert qualification_badges(world).count() == 1


def test_the_certificate_is_refused_with_the_hold_sentence_while_the_sample_is_not_done(
        personas, django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    sentence = f"Summative sample of unit {world.units[0].code} (plan item #{world.item.pk}) not yet done"
    assert [str(h) for h in certification_holds(enrolment=world.enrolment)] == [sentence]
    with pytest.raises(CertificateError, match=sentence.replace("(", r"\(").replace(")", r"\)")):
        certificate_issue(enrolment=world.enrolment, actor=personas.admin)
    world.start()  # started is not done
    assert [h.sentence for h in certification_holds(enrolment=world.enrolment)] == [sentence]


def test_the_qualification_badge_waits_while_held(personas, django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    assert not qualification_badges(world).exists()
    assert award_for_completion(enrolment_id=world.enrolment.pk) is None


def test_an_open_action_holds_until_closed_then_the_badge_is_awarded_and_the_certificate_issued(
        personas, django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sample = world.signed(outcome="agree_advice", actions=[("Re-check 2.1", None)])
    assert [h.sentence for h in certification_holds(enrolment=world.enrolment)] == [
        f"Action 'Re-check 2.1' of sample #{sample.pk} is not closed"]
    assert not qualification_badges(world).exists()
    action = sample.actions.get()
    action_mark_done(action=action, actor=personas.assessor, note="Re-checked")
    assert certification_holds(enrolment=world.enrolment)  # done is not closed
    with django_capture_on_commit_callbacks(execute=True):
        action_close(action=action, actor=personas.moderator)
    assert certification_holds(enrolment=world.enrolment) == []
    assert qualification_badges(world).count() == 1
    certificate = certificate_issue(enrolment=world.enrolment, actor=personas.admin)
    assert certificate.enrolment == world.enrolment


def test_signing_the_last_summative_sample_releases_the_badge(personas, django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        world.signed(outcome="agree")
    assert qualification_badges(world).count() == 1


def test_a_sample_finding_the_assessor_must_act_holds_until_sampled_again(personas,
                                                                          django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    sample = world.signed(outcome="disagree_act", feedback="x", actions=[("Fix", None)])
    holds = certification_holds(enrolment=world.enrolment)
    assert any("found the assessor must act" in h.sentence and h.sample == sample for h in holds)


def test_the_admins_certificate_page_says_why_it_is_held_and_by_which_sample(personas,
                                                                            django_capture_on_commit_callbacks):
    world = completed(personas, django_capture_on_commit_callbacks)
    sample = world.signed(outcome="agree_advice", actions=[("Re-check 2.1", None)])
    page = client_for(personas.admin).get(reverse("certificate_issue", args=[world.enrolment.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Held by quality assurance" in text
    assert f"Action &#x27;Re-check 2.1&#x27; of sample #{sample.pk} is not closed" in text
    assert f"/moderation/sampling/samples/{sample.pk}/" in text
    assert Sample.objects.count() == 1

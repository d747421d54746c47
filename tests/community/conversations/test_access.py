"""Only the conversation's participants see it; everyone else, and every other centre, gets 404."""

import pytest
from django.urls import reverse

from moderation.models import Sample
from tests.conftest import client_for
from tests.factories import staff

from .helpers import countersigned_by, course, sampled_by, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def status(user, url) -> int:
    return client_for(user).get(url).status_code


def test_the_learner_and_their_assessor_see_the_conversation_and_nobody_else(personas):
    enrolment = course(personas)
    send(client_for(personas.learner), enrolment, "Can I use the photo from Friday?",
         attachments=[("menu.txt", b"Soup of the day")])
    url = reverse("conversation_detail", args=[enrolment.pk])
    file_url = reverse("message_file", args=[enrolment.conversation.messages.get().files.get().pk])
    for user in (personas.learner, personas.assessor):
        assert status(user, url) == 200 and status(user, file_url) == 200
    outsiders = (personas.second_learner, personas.second_assessor, personas.moderator, personas.external_moderator,
                 personas.admin, personas.other_centre_assessor, personas.other_centre_learner, personas.outsider,
                 staff(personas.other_centre, "centre_admin"))
    for user in outsiders:
        assert status(user, url) == 404, user
        assert status(user, file_url) == 404, user
        assert send(client_for(user), enrolment, "Hello").status_code == 404, user
    assert enrolment.conversation.messages.count() == 1


def test_a_countersigner_of_the_learners_reviews_takes_part(personas):
    enrolment = course(personas)
    url = reverse("conversation_detail", args=[enrolment.pk])
    assert status(personas.second_assessor, url) == 404
    countersigned_by(enrolment, personas.second_assessor)
    page = client_for(personas.second_assessor).get(url).content.decode()
    assert "countersigning assessor" in page


def test_the_moderator_takes_part_while_a_sample_of_the_enrolment_is_open(personas):
    enrolment = course(personas)
    url = reverse("conversation_detail", args=[enrolment.pk])
    sample = sampled_by(enrolment, personas.moderator)
    assert status(personas.moderator, url) == 200
    assert send(client_for(personas.moderator), enrolment, "I am sampling unit 1.").status_code == 302
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ACKNOWLEDGED)
    assert status(personas.moderator, url) == 404  # the sample is closed: so is their part in it


def test_a_new_assessor_takes_over_the_conversation(personas):
    enrolment = course(personas)
    send(client_for(personas.learner), enrolment, "Hello")
    enrolment.assessor = personas.second_assessor
    enrolment.save()
    url = reverse("conversation_detail", args=[enrolment.pk])
    assert status(personas.assessor, url) == 404
    assert "Hello" in client_for(personas.second_assessor).get(url).content.decode()


def test_a_learner_with_one_course_goes_straight_to_its_conversation(personas):
    enrolment = course(personas)
    response = client_for(personas.learner).get(reverse("conversation_list"))
    assert response.status_code == 302 and response.url == reverse("conversation_detail", args=[enrolment.pk])


def test_staff_see_their_conversations_unread_first_then_the_latest(personas):
    first, second = course(personas), course(personas, personas.second_learner, code="HOSP-L2")
    send(client_for(personas.learner), first, "Older but unread")
    assessor = client_for(personas.assessor)
    send(client_for(personas.second_learner), second, "Newer")
    assessor.get(reverse("conversation_detail", args=[second.pk]))  # read
    html = assessor.get(reverse("conversation_list")).content.decode()
    assert html.index(personas.learner.display_name) < html.index(personas.second_learner.display_name)
    assert "1<span class=\"visually-hidden\"> unread message</span>" in html
    send(assessor, second, "A reply")
    send(client_for(personas.second_learner), second, "Thanks")
    html = assessor.get(reverse("conversation_list")).content.decode()  # both unread: the latest first
    assert html.index(personas.second_learner.display_name) < html.index(personas.learner.display_name)
    assessor.get(reverse("conversation_detail", args=[second.pk]))
    html = assessor.get(reverse("conversation_list")).content.decode()  # unread first again
    assert html.index(personas.learner.display_name) < html.index(personas.second_learner.display_name)


def test_staff_without_a_part_in_any_conversation_are_refused_the_list(personas):
    assert status(personas.admin, reverse("conversation_list")) == 403
    assert status(personas.external_moderator, reverse("conversation_list")) == 404  # no grant: nothing at all


def test_a_learner_with_several_courses_chooses_one(personas):
    first, second = course(personas), course(personas, code="HOSP-L2")
    html = client_for(personas.learner).get(reverse("conversation_list")).content.decode()
    for enrolment in (first, second):
        assert f'href="{reverse("conversation_detail", args=[enrolment.pk])}"' in html


def test_evidence_and_criteria_offer_to_message_the_assessor_about_them(personas):
    from tests.assessment.test_queue import submitted

    enrolment = course(personas)
    evidence = submitted(enrolment, "Soup service")
    criterion = enrolment.units.first().criteria.order_by("position").first()
    ask = reverse("conversation_detail", args=[enrolment.pk])
    learner = client_for(personas.learner)
    assert f'href="{ask}?evidence={evidence.pk}">' in learner.get(reverse("evidence_detail", args=[evidence.pk])
                                                                   ).content.decode()
    assert f'href="{ask}?criterion={criterion.pk}">' in learner.get(reverse("portfolio", args=[enrolment.pk])
                                                                    ).content.decode()
    staff_page = client_for(personas.assessor).get(reverse("evidence_detail", args=[evidence.pk])).content.decode()
    assert "Message the learner about this" in staff_page
    moderator_page = client_for(personas.moderator).get(reverse("evidence_detail", args=[evidence.pk])).content.decode()
    assert ask not in moderator_page  # not in the conversation: no link to it

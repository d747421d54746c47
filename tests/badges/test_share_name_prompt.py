"""The first time a learner shares a badge (LinkedIn, copy link, download) they are asked whether their public
badge pages show their name; the answer is kept, audited and applied, and later shares go straight through."""

import html
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from badges.awards.services import public_name_choose
from badges.models import Award, PublicNameChoice
from tests.conftest import client_for

from .test_public_award import (
    SITE,
    _site_url,  # noqa: F401 (autouse)
    make_award,
    make_badge_class,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(personas):
    return make_award(make_badge_class(personas.centre), personas.learner)


def share_url(award, target: str) -> str:
    return reverse("award_share", args=[award.uuid, target])


def linkedin_refresh(response) -> str:
    found = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def public_page(client, award) -> str:
    response = client.get(reverse("award_public", args=[award.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_before_any_answer_the_wallets_share_links_go_through_the_question(personas, award):
    html = client_for(personas.learner).get(reverse("wallet")).content.decode()
    for target in ("link", "linkedin", "ob2", "ob3"):
        assert f'href="{share_url(award, target)}"' in html, target
    assert "linkedin.com" not in html  # not yet: only once they have answered
    assert f'value="{SITE}/badges/awards/{award.uuid}/" readonly' not in html
    assert "Not chosen yet" in html


@pytest.mark.parametrize("target", ["linkedin", "link", "ob2", "ob3"])
def test_the_first_share_asks_about_the_name(personas, award, target):
    response = client_for(personas.learner).get(share_url(award, target))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Show your name on your public badge pages?" in html
    assert f"Awarded to {personas.learner.display_name}" in html  # what each answer would show
    assert "Awarded to a learner of North Vocational College" in html
    assert 'name="show_name" value="yes"' in html and 'name="show_name" value="no"' in html
    assert not PublicNameChoice.objects.exists()


def test_answering_yes_stores_audits_applies_and_goes_on_to_linkedin(personas, award, client):
    other = make_award(make_badge_class(personas.centre, name="Knife skills"), personas.learner)
    response = client_for(personas.learner).post(share_url(award, "linkedin"), {"show_name": "yes"})
    # A page that goes on to LinkedIn by itself: a form may not be redirected to another site (CSP form-action).
    assert response.status_code == 200
    assert linkedin_refresh(response).startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    choice = PublicNameChoice.objects.get(user=personas.learner)
    assert choice.show_name is True
    # Every badge the learner holds follows the answer; the public page now names them.
    assert set(Award.objects.values_list("show_name_publicly", flat=True)) == {True}
    assert f"Awarded to {personas.learner.display_name}" in public_page(client, award)
    assert f"Awarded to {personas.learner.display_name}" in public_page(client, other)
    event = AuditEvent.objects.get(action="badge.public_name_chosen")
    assert event.actor == personas.learner
    assert event.data["show_name"] is True and event.data["previous"] is None and event.data["awards_changed"] == 2


def test_answering_no_keeps_the_name_hidden_and_goes_on_to_the_link(personas, award, client):
    learner = client_for(personas.learner)
    response = learner.post(share_url(award, "link"), {"show_name": "no"})
    assert response.status_code == 302 and response.url == share_url(award, "link")
    page = learner.get(response.url).content.decode()
    assert f'value="{SITE}/badges/awards/{award.uuid}/" readonly' in page and "data-copy" in page
    assert "The page does not show your name." in page
    assert PublicNameChoice.objects.get(user=personas.learner).show_name is False
    html = public_page(client, award)
    assert "Awarded to a learner of North Vocational College" in html
    assert personas.learner.last_name not in html


def test_answering_on_the_way_to_a_download_saves_then_downloads(personas, award):
    response = client_for(personas.learner).post(share_url(award, "ob2"), {"show_name": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    download = reverse("award_baked_ob2", args=[award.uuid])
    assert f'<meta http-equiv="refresh" content="0;url={download}">' in html
    assert f'href="{download}" download' in html


def test_once_answered_sharing_goes_straight_through_and_is_not_asked_again(personas, award):
    learner = client_for(personas.learner)
    learner.post(share_url(award, "link"), {"show_name": "yes"})
    linkedin = learner.get(share_url(award, "linkedin"))
    assert linkedin.status_code == 302 and linkedin.url.startswith("https://www.linkedin.com/profile/add")
    download = learner.get(share_url(award, "ob3"))
    assert download.status_code == 302 and download.url == reverse("award_baked_ob3", args=[award.uuid])
    assert "Show your name on your public badge pages?" not in learner.get(share_url(award, "link")).content.decode()
    wallet = learner.get(reverse("wallet")).content.decode()
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in wallet
    assert f'value="{SITE}/badges/awards/{award.uuid}/" readonly' in wallet
    assert f"/badges/awards/{award.uuid}/download/ob2" in wallet and share_url(award, "ob2") not in wallet


def test_a_double_post_makes_one_answer_and_one_audit_event(personas, award):
    learner = client_for(personas.learner)
    for _ in range(2):
        response = learner.post(share_url(award, "linkedin"), {"show_name": "yes"})
        assert response.status_code == 200 and "linkedin.com" in linkedin_refresh(response)
    assert PublicNameChoice.objects.count() == 1
    assert AuditEvent.objects.filter(action="badge.public_name_chosen").count() == 1


def test_no_answer_or_a_wrong_one_changes_nothing(personas, award):
    learner = client_for(personas.learner)
    for data in ({}, {"show_name": "maybe"}):
        response = learner.post(share_url(award, "linkedin"), data)
        assert response.status_code == 200
        assert "Choose whether your name is shown." in response.content.decode()
    assert not PublicNameChoice.objects.exists()
    assert not AuditEvent.objects.filter(action="badge.public_name_chosen").exists()
    assert not Award.objects.get(pk=award.pk).show_name_publicly


def test_another_learners_award_is_404_to_share(personas, award):
    theirs = make_award(make_badge_class(personas.centre, name="Theirs"), personas.second_learner)
    for user in (personas.learner, personas.admin, personas.assessor, personas.other_centre_learner):
        client = client_for(user)
        assert client.get(share_url(theirs, "linkedin")).status_code == 404
        assert client.post(share_url(theirs, "linkedin"), {"show_name": "yes"}).status_code == 404
    assert not PublicNameChoice.objects.exists()
    assert not Award.objects.get(pk=theirs.pk).show_name_publicly


def test_an_unknown_target_or_a_revoked_badge_has_nothing_to_share(personas, award):
    learner = client_for(personas.learner)
    assert learner.get(share_url(award, "facebook")).status_code == 404
    Award.objects.filter(pk=award.pk).update(revocation_reason="Awarded in error",
                                             revoked_at=award.issued_on)
    assert learner.get(share_url(award, "linkedin")).status_code == 404
    assert learner.get(share_url(award, "ob2")).status_code == 404
    assert learner.get(share_url(award, "link")).status_code == 200  # its page says it was revoked


def test_the_answer_can_be_changed_in_the_wallet_and_every_badge_follows(personas, award, client):
    public_name_choose(actor=personas.learner, show_name=True)
    learner = client_for(personas.learner)
    wallet = learner.get(reverse("wallet"))
    assert "Your public badge pages show your name." in wallet.content.decode()
    assert wallet.context["name_form"]["show_name"].value() == "yes"
    response = learner.post(reverse("public_name_setting"), {"show_name": "no"})
    assert response.status_code == 302 and response.url == f"{reverse('wallet')}#public-name"
    assert PublicNameChoice.objects.get(user=personas.learner).show_name is False
    assert "Awarded to a learner of North Vocational College" in public_page(client, award)
    events = AuditEvent.objects.filter(action="badge.public_name_chosen").order_by("pk")
    assert [e.data["show_name"] for e in events] == [True, False] and events.last().data["previous"] is True
    assert learner.post(reverse("public_name_setting"), {"show_name": ""}).status_code == 302
    assert PublicNameChoice.objects.get(user=personas.learner).show_name is False  # bad input changes nothing


def test_badges_awarded_after_the_answer_follow_it(personas):
    from tests.badges.test_ob3 import hand_award

    public_name_choose(actor=personas.learner, show_name=True)
    assert hand_award(personas).show_name_publicly is True
    assert hand_award(personas, learner=personas.second_learner, name="Other").show_name_publicly is False


def test_a_single_badge_can_still_hide_the_name_after_a_yes(personas, award, client):
    public_name_choose(actor=personas.learner, show_name=True)
    learner = client_for(personas.learner)
    learner.post(reverse("award_sharing", args=[award.uuid]), {})  # "Choose what is public": nothing ticked
    assert "Awarded to a learner of North Vocational College" in public_page(client, award)

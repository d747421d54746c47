"""The learner's opt-in public showcase: off until they turn it on, and only the badges they include."""

from django.utils import timezone

from badges.models import Showcase
from tests.conftest import client_for

from .test_public_award import (
    _site_url,  # noqa: F401 (autouse)
    make_award,
    make_badge_class,
)


def turn_on(user) -> Showcase:
    response = client_for(user).post("/badges/wallet/showcase/", {"enabled": "on"})
    assert response.status_code == 302
    return Showcase.objects.get(user=user)


def test_there_is_no_showcase_until_the_learner_turns_it_on(client, personas):
    assert not Showcase.objects.filter(user=personas.learner).exists()
    assert client.get("/badges/showcase/not-a-showcase/").status_code == 404
    showcase = turn_on(personas.learner)
    assert showcase.enabled and len(showcase.slug) >= 16
    assert client.get(f"/badges/showcase/{showcase.slug}/").status_code == 200


def test_turning_it_off_makes_it_404_and_keeps_its_address(client, personas):
    showcase = turn_on(personas.learner)
    client_for(personas.learner).post("/badges/wallet/showcase/", {})
    showcase.refresh_from_db()
    assert not showcase.enabled
    assert client.get(f"/badges/showcase/{showcase.slug}/").status_code == 404
    assert turn_on(personas.learner).slug == showcase.slug


def test_it_lists_only_included_badges_that_are_not_revoked(client, personas):
    centre = personas.centre
    make_award(make_badge_class(centre, name="Included badge"), personas.learner, in_showcase=True)
    make_award(make_badge_class(centre, name="Left out badge"), personas.learner)
    make_award(make_badge_class(centre, name="Revoked badge"), personas.learner, in_showcase=True,
               revoked_at=timezone.now(), revocation_reason="error")
    make_award(make_badge_class(centre, name="Someone else's badge"), personas.second_learner, in_showcase=True)
    html = client.get(f"/badges/showcase/{turn_on(personas.learner).slug}/").content.decode()
    assert "Included badge" in html
    assert "Left out badge" not in html and "Revoked badge" not in html and "Someone else" not in html


def test_the_name_shows_only_if_a_showcased_badge_allows_it(client, personas):
    award = make_award(make_badge_class(personas.centre), personas.learner, in_showcase=True)
    url = f"/badges/showcase/{turn_on(personas.learner).slug}/"
    html = client.get(url).content.decode()
    assert personas.learner.last_name not in html and "A learner's badges" in html
    award.show_name_publicly = True
    award.save()
    assert f"Badges of {personas.learner.display_name}" in client.get(url).content.decode()


def test_the_settings_page_needs_sign_in(client, db):
    response = client.post("/badges/wallet/showcase/", {"enabled": "on"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Showcase.objects.exists()


def test_the_settings_page_shows_the_state(personas):
    turn_on(personas.learner)
    html = client_for(personas.learner).get("/badges/wallet/showcase/").content.decode()
    assert 'name="enabled"' in html and "checked" in html and "/badges/showcase/" in html


def test_each_person_changes_only_their_own_showcase(personas):
    showcase = turn_on(personas.learner)
    client_for(personas.second_learner).post("/badges/wallet/showcase/", {})
    showcase.refresh_from_db()
    assert showcase.enabled

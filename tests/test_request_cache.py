"""What every signed-in request needs comes from the shared cache, and any change to it counts on the very next
request: memberships ended, deleted, expired or changed, EQA grants revoked or over, passwords changed, accounts
closed, centres and assessors renamed.

Each test runs twice: on the embedded cache (one process's memory) and on Redis, where the person's browser and
the one making the change are two test clients reading through the same Redis, as two web processes would.
"""

import datetime

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone

import accounts.request_cache
from accounts.access import signed_in
from centres.access import role_required
from centres.middleware import MFA_SESSION_KEY
from centres.models import Membership, Role
from centres.services import learner_assessor_change, membership_grant
from leap.urls import urlpatterns as leap_urlpatterns
from moderation.external.services import eqa_grant_revoke
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.moderation.external.factories import make_grant

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@signed_in
def whoami(request):
    """The signed-in person as the middleware sees them: centre, roles and assessor."""
    leap = request.leap
    assessor = leap.learner_membership.assessor.display_name if leap.learner_membership else "-"
    return HttpResponse(f"{request.user.display_name}|{leap.centre.name if leap.centre else '-'}|"
                        f"{','.join(sorted(leap.roles))}|{assessor}", content_type="text/plain")


@signed_in
@role_required(Role.LEARNER)
def learners_only(request):
    return HttpResponse("learner page", content_type="text/plain")


urlpatterns = [path("whoami/", whoami), path("learners-only/", learners_only), *leap_urlpatterns]


@pytest.fixture(params=["embedded", "redis"])
def shared_cache(request, settings):
    if request.param == "redis":
        settings.CACHES = {
            "default": {"BACKEND": "leap.cache.FailoverRedisCache", "LOCATION": request.getfixturevalue("redis_url")},
            "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "leap_cache"},
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield request.param
    cache.clear()


def _seen(client) -> list[str]:
    response = client.get("/whoami/")
    return response.content.decode().split("|") if response.status_code == 200 else [str(response.status_code)]


def _warm(client, url: str = "/whoami/"):
    assert client.get(url).status_code == 200
    return client


# --- Queries -------------------------------------------------------------------------------------------

def test_a_signed_in_request_on_a_warm_cache_runs_no_query(shared_cache, personas, django_assert_num_queries):
    client = _warm(client_for(personas.learner))
    with django_assert_num_queries(0):
        assert client.get("/learners-only/").status_code == 200


def test_a_staff_request_on_a_warm_cache_runs_no_query_for_the_second_factor(shared_cache, personas,
                                                                              django_assert_num_queries):
    client = _warm(client_for(personas.assessor))
    assert client.session[MFA_SESSION_KEY] == personas.assessor.pk
    with django_assert_num_queries(0):
        assert _seen(client)[2] == "assessor"


def test_a_cold_cache_costs_the_person_and_their_memberships_once(shared_cache, personas, django_assert_num_queries):
    client = client_for(personas.learner)
    cache.clear()
    client.force_login(personas.learner)  # the session again, as the cache was emptied
    with django_assert_num_queries(2):  # the user, their memberships (with centre and assessor)
        assert client.get("/learners-only/").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/learners-only/").status_code == 200


def test_a_signed_in_get_does_not_write_the_session(shared_cache, personas, monkeypatch):
    client = _warm(client_for(personas.assessor))
    saves = []
    monkeypatch.setattr(SessionStore, "save", lambda self, must_create=False: saves.append(self.session_key))
    for _ in range(3):
        assert client.get("/whoami/").status_code == 200
    assert saves == []


def test_the_cache_holds_no_password_hash(shared_cache, personas):
    _warm(client_for(personas.learner))
    key = accounts.request_cache._value_key("user", personas.learner.pk)
    _generations, (state, _session_hash) = cache.get(key)
    assert "password" not in state[0]
    assert personas.learner.password not in repr(state)


def test_a_release_with_another_cached_layout_reads_nothing_stored_before(shared_cache, personas, monkeypatch,
                                                                          django_assert_num_queries):
    client = _warm(client_for(personas.learner))
    accounts.request_cache.key_prefix.cache_clear()
    monkeypatch.setattr(accounts.request_cache, "LAYOUT", accounts.request_cache.LAYOUT + 1)
    try:
        with django_assert_num_queries(2):
            assert client.get("/learners-only/").status_code == 200
    finally:
        accounts.request_cache.key_prefix.cache_clear()


# --- Memberships ---------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the change commits, as a web request's does
def test_an_ended_membership_counts_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.moderator))
    membership = Membership.objects.get(user=personas.moderator, role=Role.MODERATOR)
    assert client_for(personas.admin).post(reverse("staff_membership_end", args=[membership.pk])).status_code == 302
    assert _seen(browser)[1:3] == ["-", ""]


def test_a_deleted_membership_counts_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner), "/learners-only/")
    Membership.objects.filter(user=personas.learner).delete()
    assert browser.get("/learners-only/").status_code == 403


def test_a_membership_ended_in_bulk_counts_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner), "/learners-only/")
    Membership.objects.filter(user=personas.learner).update(ended_at=timezone.now())
    assert browser.get("/learners-only/").status_code == 403


def test_a_membership_past_its_end_counts_on_the_next_request(shared_cache, personas, time_machine):
    membership = Membership.objects.get(user=personas.learner)
    membership.expires_at = timezone.now() + datetime.timedelta(hours=1)
    membership.save(update_fields=["expires_at"])
    browser = _warm(client_for(personas.learner), "/learners-only/")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2))
    assert browser.get("/learners-only/").status_code == 403


def test_a_role_change_counts_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.assessor))
    membership_grant(centre=personas.centre, user=personas.assessor, role=Role.MODERATOR, actor=personas.admin)
    assert _seen(browser)[2] == "assessor,moderator"
    membership = Membership.objects.get(user=personas.assessor, role=Role.MODERATOR)
    membership.role = Role.CENTRE_ADMIN
    membership.save(update_fields=["role"])
    assert _seen(browser)[2] == "assessor,centre_admin"


def test_a_new_assessor_and_a_renamed_one_show_on_the_learners_next_page(shared_cache, personas):
    browser = _warm(client_for(personas.learner))
    assert _seen(browser)[3] == "Sam Assessor"
    learner_assessor_change(membership=Membership.objects.get(user=personas.learner),
                            assessor=personas.second_assessor, actor=personas.admin)
    assert _seen(browser)[3] == personas.second_assessor.display_name
    personas.second_assessor.first_name = "Renamed"
    personas.second_assessor.save()
    assert _seen(browser)[3] == f"Renamed {personas.second_assessor.last_name}"


def test_a_renamed_centre_shows_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner))
    personas.centre.name = "North College of Trades"
    personas.centre.save()
    assert _seen(browser)[1] == "North College of Trades"


# --- EQA grants ----------------------------------------------------------------------------------------

def test_a_new_grant_counts_on_the_next_request(shared_cache, personas):
    browser = client_for(personas.external_moderator)
    assert browser.get("/qualifications/").status_code == 404
    make_grant(personas)
    assert browser.get("/qualifications/").status_code == 200


@pytest.mark.django_db(transaction=True)  # the change commits, as a web request's does
def test_a_revoked_grant_counts_on_the_next_request(shared_cache, personas):
    grant = make_grant(personas)
    browser = _warm(client_for(personas.external_moderator), "/qualifications/")
    admin = client_for(personas.admin)
    assert admin.post(reverse("eqa_grant_revoke", args=[grant.pk]), {"reason": "Visit done"}).status_code == 302
    assert browser.get("/qualifications/").status_code == 404


def test_a_grant_revoked_by_a_service_counts_on_the_next_request(shared_cache, personas):
    grant = make_grant(personas)
    browser = _warm(client_for(personas.external_moderator), "/qualifications/")
    eqa_grant_revoke(grant=grant, actor=personas.admin, reason="Visit done")
    assert browser.get("/qualifications/").status_code == 404


def test_a_grant_past_its_end_counts_on_the_next_request(shared_cache, personas, time_machine):
    make_grant(personas, days=1)
    browser = _warm(client_for(personas.external_moderator), "/qualifications/")
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    assert browser.get("/qualifications/").status_code == 404


def test_a_grant_starting_later_counts_from_its_start(shared_cache, personas, time_machine):
    make_grant(personas, starts_at=timezone.now() + datetime.timedelta(hours=1))
    browser = client_for(personas.external_moderator)
    assert browser.get("/qualifications/").status_code == 404
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2))
    assert browser.get("/qualifications/").status_code == 200


# --- The person ----------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the change commits, as a web request's does
def test_a_password_change_signs_out_the_persons_other_sessions(shared_cache, personas):
    phone, laptop = _warm(client_for(personas.learner)), _warm(client_for(personas.learner))
    response = laptop.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"})
    assert response.status_code == 302
    assert _seen(laptop)[0] == personas.learner.display_name
    assert phone.get("/whoami/").status_code == 302  # to the sign-in page


def test_a_closed_account_is_signed_out_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner))
    personas.learner.is_active = False
    personas.learner.save(update_fields=["is_active"])
    assert browser.get("/whoami/").status_code == 302


def test_an_account_closed_in_bulk_is_signed_out_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner))
    type(personas.learner).objects.filter(pk=personas.learner.pk).update(is_active=False)
    assert browser.get("/whoami/").status_code == 302


def test_a_renamed_person_sees_their_new_name_on_the_next_request(shared_cache, personas):
    browser = _warm(client_for(personas.learner))
    personas.learner.first_name = "Mia"
    personas.learner.save(update_fields=["first_name"])
    assert _seen(browser)[0].startswith("Mia ")


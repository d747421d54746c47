"""The centre admin's EQA grant pages: list, new grant, detail, extend, expand, revoke and the activity page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Invitation, Role
from moderation.models import EqaGrant
from moderation.plans.services import sampling_plan_generate
from tests.conftest import client_for
from tests.factories import learner as make_learner
from tests.factories import staff
from tests.moderation.plan_world import PlanWorld
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant

pytestmark = pytest.mark.django_db

# Queries of a signed-in centre admin's page once the session is warm: the request's own (session, user, memberships,
# unread count) and the page's (a count and a page of rows, and for the detail the scope's figures and added list).
LIST_QUERIES, DETAIL_QUERIES, ACTIVITY_QUERIES = 2, 6, 3  # the person, memberships and grants come from the cache


def _moment(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def _new_grant_data(email: str, *, days: int = 14, starts: datetime.datetime | None = None, **fields) -> dict:
    starts = starts or timezone.now()
    return {"email": email, "awarding_body": "City & Guilds", "scope": "centre", "starts_at": _moment(starts),
            "expires_at": _moment(starts + datetime.timedelta(days=days)), **fields}


def _queries(client, url: str) -> int:
    """The queries of a page, once the client's first request has done its once-per-session work."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _other_external(personas, n: int):
    return staff(personas.centre, Role.EXTERNAL_MODERATOR, first_name=f"Eqa{n}", last_name="Visitor")


# --- List ---------------------------------------------------------------------------------------------------

def test_the_list_shows_each_grant_with_its_state_in_words_scope_and_days_left(personas):
    version = make_spec(personas.centre, code="HOSP2")
    make_grant(personas, scope="qualification", qualification=version.qualification, awarding_body="Pearson",
               visit_on=timezone.localdate() + datetime.timedelta(days=5))
    page = client_for(personas.admin).get(reverse("eqa_grant_list")).content.decode()
    # the state in words, with its colour and icon
    assert re.search(r'class="status status-ok status-kind-on_track badge-pill"><svg class="icon icon-circle-check"'
                     r'[^>]*>.*?</svg><span class="status-text">Active</span>', page)
    assert "Qualification HOSP2" in page and "Pearson" in page
    assert "ends in 14 days" in page


def test_the_list_asks_the_same_number_of_queries_for_one_grant_or_many(personas, django_assert_num_queries):
    client = client_for(personas.admin)
    make_grant(personas)
    url = reverse("eqa_grant_list")
    one = _queries(client, url)
    assert one == LIST_QUERIES
    for n in range(5):
        make_grant(personas, moderator=_other_external(personas, n), scope="learners",
                   learners=[personas.learner, personas.second_learner])
    with django_assert_num_queries(one):
        assert client.get(url).status_code == 200


def test_each_state_reads_in_words(personas, time_machine):
    make_grant(personas, moderator=_other_external(personas, 1), starts_at=timezone.now() + datetime.timedelta(days=2))
    revoked = make_grant(personas, moderator=_other_external(personas, 2))
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data("new.eqa@awarding.example"))
    make_grant(personas, days=1)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=1, hours=1))
    page = client_for(personas.admin).get(reverse("eqa_grant_list")).content.decode()
    for words in ("Scheduled", "Revoked", "Invited, not accepted yet", "Expired"):
        assert words in page


# --- New grant ----------------------------------------------------------------------------------------------

def test_a_centre_admin_gives_the_eqa_access_to_a_qualification(personas):
    version = make_spec(personas.centre, code="Q1")
    response = client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data(
        personas.external_moderator.email, scope="qualification", qualification=version.qualification.pk,
        visit_on=(timezone.localdate() + datetime.timedelta(days=10)).isoformat(), blind="on"))
    grant = EqaGrant.objects.get()
    assert response.status_code == 302 and response.url == reverse("eqa_grant_detail", args=[grant.pk])
    assert (grant.scope, grant.qualification, grant.moderator, grant.blind, grant.show_contact_details) == (
        "qualification", version.qualification, personas.external_moderator, True, False)
    assert grant.awarding_body == "City & Guilds"
    assert AuditEvent.objects.for_object(grant).filter(action="eqa.grant_created").exists()


def test_the_new_grant_form_defaults_to_now_and_14_days_and_says_an_unknown_address_is_invited(personas):
    page = client_for(personas.admin).get(reverse("eqa_grant_new")).content.decode()
    starts = timezone.localtime().replace(second=0, microsecond=0)
    assert f'name="starts_at" value="{starts:%Y-%m-%dT}' in page
    assert f'name="expires_at" value="{starts + datetime.timedelta(days=14):%Y-%m-%dT}' in page
    assert "invited like staff" in page
    assert "Evidence content may still identify a learner." in page


def test_an_address_with_no_eqa_role_is_invited_and_the_grant_waits_for_acceptance(personas):
    response = client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data("verifier@awarding.example"),
                                               follow=True)
    grant = EqaGrant.objects.get()
    assert grant.moderator is None and grant.invitation.email == "verifier@awarding.example"
    assert Invitation.objects.filter(email="verifier@awarding.example", role=Role.EXTERNAL_MODERATOR).exists()
    assert "invitation sent" in response.content.decode()


def test_a_cohort_grant_takes_the_start_month_and_an_optional_qualification(personas):
    version = make_spec(personas.centre, code="COH")
    client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data(
        personas.external_moderator.email, scope="cohort", cohort_month="2026-09",
        cohort_qualification=version.qualification.pk, qualification=""))
    grant = EqaGrant.objects.get()
    assert (grant.cohort_month, grant.qualification) == (datetime.date(2026, 9, 1), version.qualification)


def test_a_listed_learners_grant_takes_their_email_addresses(personas):
    emails = f"{personas.learner.email.upper()}\n{personas.second_learner.email}, {personas.learner.email}"
    client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data(
        personas.external_moderator.email, scope="learners", learners=emails))
    grant = EqaGrant.objects.get()
    assert set(grant.learners.all()) == {personas.learner, personas.second_learner}


def test_an_address_that_is_not_a_learner_of_the_centre_is_named_and_nothing_is_made(personas):
    emails = f"{personas.learner.email}\n{personas.other_centre_learner.email}\nnobody@example.org"
    response = client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data(
        personas.external_moderator.email, scope="learners", learners=emails))
    assert response.status_code == 400
    page = response.content.decode()
    assert personas.other_centre_learner.email in page and "nobody@example.org" in page
    assert not EqaGrant.objects.exists()


def test_an_iqa_plan_grant_covers_the_plans_learners(personas):
    world = PlanWorld(personas, assessors=1, learners_each=2, units=2)
    plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=timezone.localdate().year,
                                  actor=personas.moderator)
    client_for(personas.admin).post(reverse("eqa_grant_new"), _new_grant_data(
        personas.external_moderator.email, scope="iqa_plan", plan=plan.pk))
    grant = EqaGrant.objects.get()
    assert grant.plan == plan
    page = client_for(personas.admin).get(reverse("eqa_grant_detail", args=[grant.pk])).content.decode()
    planned = {item.enrolment.learner.display_name for item in plan.items.select_related("enrolment__learner")}
    assert planned and all(name in page for name in planned)


@pytest.mark.parametrize(("change", "message"), [
    ({"days": 91}, "at most 90 days"),
    ({"days": -1}, "must end after it starts"),
    ({"email": "learner"}, "a learner&#x27;s account"),
    ({"email": "assessor"}, "works at this centre"),
    ({"scope": "qualification"}, "Choose the qualification"),
])
def test_every_refusal_of_the_service_shows_on_the_form_and_makes_nothing(personas, change, message):
    email = {"learner": personas.learner.email, "assessor": personas.assessor.email}.get(
        change.get("email"), personas.external_moderator.email)
    data = _new_grant_data(email, days=change.get("days", 14), scope=change.get("scope", "centre"))
    response = client_for(personas.admin).post(reverse("eqa_grant_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EqaGrant.objects.exists() and not Invitation.objects.filter(role=Role.EXTERNAL_MODERATOR).exists()


def test_a_double_submit_makes_one_grant_and_says_why_the_second_was_refused(personas):
    client = client_for(personas.admin)
    data = _new_grant_data(personas.external_moderator.email)
    assert client.post(reverse("eqa_grant_new"), data).status_code == 302
    second = client.post(reverse("eqa_grant_new"), data)
    assert second.status_code == 400 and "already has grant" in second.content.decode()
    assert EqaGrant.objects.count() == 1


# --- Detail and changes -------------------------------------------------------------------------------------

def test_the_detail_counts_the_learners_in_scope_with_its_formula_and_lists_them(personas):
    version = make_spec(personas.centre, code="DET")
    make_enrolment(personas.learner, personas.assessor, version)
    make_enrolment(personas.second_learner, personas.assessor, make_spec(personas.centre, code="OTHER"))
    grant = make_grant(personas, scope="qualification", qualification=version.qualification)
    page = client_for(personas.admin).get(reverse("eqa_grant_detail", args=[grant.pk])).content.decode()
    assert "In scope: 1 learner" in page and "The distinct learners among 1 enrolment in the scope" in page
    assert personas.learner.display_name in page and personas.second_learner.display_name not in page
    assert reverse("eqa_grant_activity", args=[grant.pk]) in page


def test_the_detail_asks_the_same_number_of_queries_whatever_the_learners_in_scope(
        personas, django_assert_num_queries):
    version = make_spec(personas.centre, code="MANY")
    make_enrolment(personas.learner, personas.assessor, version)
    grant = make_grant(personas, scope="qualification", qualification=version.qualification,
                       learners=[personas.second_learner])
    client = client_for(personas.admin)
    url = reverse("eqa_grant_detail", args=[grant.pk])
    one = _queries(client, url)
    assert one == DETAIL_QUERIES
    for n in range(8):
        make_enrolment(make_learner(personas.centre, personas.assessor, first_name=f"Many{n}"), personas.assessor,
                       version)
    with django_assert_num_queries(one):
        assert client.get(url).status_code == 200


def test_extending_moves_the_end_and_is_audited(personas):
    grant = make_grant(personas, days=14)
    new_end = grant.starts_at + datetime.timedelta(days=30)
    response = client_for(personas.admin).post(reverse("eqa_grant_extend", args=[grant.pk]),
                                               {"expires_at": _moment(new_end)})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert _moment(grant.expires_at) == _moment(new_end)
    assert AuditEvent.objects.for_object(grant).filter(action="eqa.grant_extended").exists()


def test_extending_past_90_days_is_refused_on_the_form(personas):
    grant = make_grant(personas, days=14)
    before = grant.expires_at
    response = client_for(personas.admin).post(reverse("eqa_grant_extend", args=[grant.pk]), {
        "expires_at": _moment(grant.starts_at + datetime.timedelta(days=91))})
    assert response.status_code == 400 and "at most 90 days" in response.content.decode()
    grant.refresh_from_db()
    assert grant.expires_at == before


def test_expanding_adds_learners_by_email_and_marks_them_added(personas):
    version = make_spec(personas.centre, code="EXP")
    make_enrolment(personas.second_learner, personas.assessor, version)
    grant = make_grant(personas, scope="qualification", qualification=make_spec(personas.centre, code="NONE")
                       .qualification)
    client = client_for(personas.admin)
    response = client.post(reverse("eqa_grant_expand", args=[grant.pk]), {"learners": personas.second_learner.email})
    assert response.status_code == 302
    assert list(grant.learners.all()) == [personas.second_learner]
    page = client.get(reverse("eqa_grant_detail", args=[grant.pk])).content.decode()
    assert "+ 1 learner added" in page and personas.second_learner.display_name in page


def test_revoking_needs_a_reason_then_ends_access(personas):
    grant = make_grant(personas)
    client = client_for(personas.admin)
    refused = client.post(reverse("eqa_grant_revoke", args=[grant.pk]), {"reason": ""})
    assert refused.status_code == 400 and "Say why the grant is revoked." in refused.content.decode()
    assert client.post(reverse("eqa_grant_revoke", args=[grant.pk]), {"reason": "Visit done"}).status_code == 302
    grant.refresh_from_db()
    assert grant.state == "revoked" and grant.revoke_reason == "Visit done"
    assert client_for(personas.external_moderator).get("/qualifications/").status_code == 404
    page = client.get(reverse("eqa_grant_detail", args=[grant.pk])).content.decode()
    assert "Revoke the grant" not in page


def test_a_revoked_grant_cannot_be_changed_again(personas):
    grant = make_grant(personas)
    client = client_for(personas.admin)
    client.post(reverse("eqa_grant_revoke", args=[grant.pk]), {"reason": "Done"})
    response = client.post(reverse("eqa_grant_extend", args=[grant.pk]), {
        "expires_at": _moment(grant.starts_at + datetime.timedelta(days=20))})
    assert response.status_code == 400 and "has been revoked" in response.content.decode()


@pytest.mark.parametrize("name", ["eqa_grant_extend", "eqa_grant_expand", "eqa_grant_revoke"])
def test_each_change_is_also_a_page_with_its_form(personas, name):
    grant = make_grant(personas)
    response = client_for(personas.admin).get(reverse(name, args=[grant.pk]))
    assert response.status_code == 200 and f'action="{reverse(name, args=[grant.pk])}"' in response.content.decode()


@pytest.mark.parametrize("name", ["eqa_grant_detail", "eqa_grant_extend", "eqa_grant_expand", "eqa_grant_revoke",
                                  "eqa_grant_activity"])
def test_another_centres_admin_gets_404_for_a_grant(personas, name):
    grant = make_grant(personas)
    other_admin = staff(personas.other_centre, Role.CENTRE_ADMIN)
    assert client_for(other_admin).get(reverse(name, args=[grant.pk])).status_code == 404


def test_a_moderator_of_the_centre_may_not_open_the_grants(personas):
    assert client_for(personas.moderator).get(reverse("eqa_grant_list")).status_code == 403


# --- Activity -----------------------------------------------------------------------------------------------

def test_the_activity_page_lists_what_the_eqa_did_newest_first_with_counts(personas):
    grant = make_grant(personas)
    eqa = client_for(personas.external_moderator)
    eqa.get("/qualifications/")
    eqa.post(reverse("eqa_grant_list"))  # a write: refused and recorded
    page = client_for(personas.admin).get(reverse("eqa_grant_activity", args=[grant.pk])).content.decode()
    assert "Opened a page" in page and "GET /qualifications/" in page and "Refused" in page
    assert page.index("Refused") < page.index("Opened a page") < page.index("Grant created")
    stats = page[page.index('<dl class="stats">'):page.index("</dl>")]
    assert "<dt>Pages viewed</dt><dd>1</dd>" in stats and "<dt>Refused attempts</dt><dd>1</dd>" in stats
    assert "<dt>Files downloaded</dt><dd>0</dd>" in stats


def test_the_activity_page_asks_the_same_number_of_queries_whatever_the_events(personas, django_assert_num_queries):
    grant = make_grant(personas)
    admin = client_for(personas.admin)
    url = reverse("eqa_grant_activity", args=[grant.pk])
    one = _queries(admin, url)
    assert one == ACTIVITY_QUERIES
    eqa = client_for(personas.external_moderator)
    for _ in range(6):
        eqa.get("/qualifications/")
    with django_assert_num_queries(one):
        assert admin.get(url).status_code == 200

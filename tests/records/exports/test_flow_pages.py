"""Where exports are asked for and shown: the learner's "Take your portfolio with you" on their profile (statuses,
sizes, the link's days left; a fixed number of queries) and the staff button on the learner's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records.exports.models import ExportRequest
from tests.conftest import client_for

from .flow_world import built, learner_membership, learner_with_work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def profile(user) -> str:
    return client_for(user).get(reverse("profile")).content.decode()


def test_the_profile_explains_the_export_and_offers_the_one_button(personas):
    learner_with_work(personas)
    html = profile(personas.learner)
    assert "Take your portfolio with you" in html and "Prepare my whole portfolio" in html
    for part in ("index.html", "data.json and leap2a.xml", "manifest.json", "works once and for 7 days"):
        assert part in html
    assert "Your exports" not in html  # none yet


def test_staff_with_no_portfolio_of_their_own_do_not_see_the_section(personas):
    assert "Take your portfolio with you" not in profile(personas.assessor)


def test_the_list_shows_each_exports_status_size_and_days_left(personas, time_machine):
    learner_with_work(personas)
    ready = built(learner=personas.learner, actor=personas.learner)
    failed = ExportRequest.objects.create(learner=personas.learner, requested_by=personas.assessor,
                                          centre=personas.centre, purpose="staff", status="failed")
    queued = ExportRequest.objects.create(learner=personas.learner, requested_by=personas.learner)
    time_machine.move_to(ready.expires_at - datetime.timedelta(days=2, hours=3))  # 2 days 3 hours left: 3
    html = profile(personas.learner)
    assert html.index(f'id="export-{queued.pk}"') < html.index(f'id="export-{failed.pk}"') < html.index(
        f'id="export-{ready.pk}"')  # newest first
    assert "Link expires in 3 days" in html and "rounded up" in html
    assert f"ZIP file of {ready.size / 1024:.1f}" in html
    assert "Being prepared: we will email you" in html and "Something went wrong while preparing it" in html
    assert f"by {personas.assessor.display_name} for you" in html
    assert f'href="{reverse("portfolio_export_file", args=[ready.pk])}"' in html
    assert reverse("portfolio_export_new_link", args=[ready.pk]) in html
    for kind in ("status-kind-done", "status-kind-error", "status-kind-waiting"):
        assert kind in html


def test_on_its_last_day_it_says_1_day_and_after_it_expired(personas, time_machine):
    learner_with_work(personas)
    ready = built(learner=personas.learner, actor=personas.learner)
    time_machine.move_to(ready.expires_at - datetime.timedelta(hours=5))
    assert "Link expires in 1 day (" in profile(personas.learner)
    time_machine.move_to(ready.expires_at + datetime.timedelta(hours=1))
    html = profile(personas.learner)
    assert "Expired" in html and "the file was deleted" in html and "Send me a new link" not in html


def test_the_profile_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    learner_with_work(personas)
    built(learner=personas.learner, actor=personas.learner)
    client = client_for(personas.learner)
    client.get(reverse("profile"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("profile"))
    for _ in range(4):
        ExportRequest.objects.create(learner=personas.learner, requested_by=personas.admin, centre=personas.centre,
                                     purpose="staff", status="failed", finished_at=timezone.now())
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("profile")).status_code == 200


# --- Staff ---------------------------------------------------------------------------------------------------

def learner_page(user, personas) -> str:
    return client_for(user).get(reverse("learner_detail", args=[learner_membership(personas.learner).pk])
                                ).content.decode()


def test_the_learners_assessor_and_the_admin_see_the_button_the_moderator_does_not(personas):
    learner_with_work(personas)
    button = "Prepare this learner's portfolio export"
    assert button in learner_page(personas.assessor, personas)
    assert button in learner_page(personas.admin, personas)
    assert button not in learner_page(personas.moderator, personas)


def test_staff_see_what_they_asked_for_and_are_told_of_a_second_click(personas):
    learner_with_work(personas)
    client = client_for(personas.assessor)
    url = reverse("portfolio_export_request_for", args=[learner_membership(personas.learner).pk])
    first = client.post(url, follow=True).content.decode()
    assert "portfolio export is being prepared" in first and "Queued" in first
    second = client.post(url, follow=True).content.decode()
    assert "portfolio export is already being prepared" in second
    assert ExportRequest.objects.count() == 1


def test_the_wallet_links_to_all_badges_at_once_only_when_there_are_badges(personas):
    from tests.badges.test_public_award import make_award, make_badge_class

    link = reverse("wallet_badges_zip")
    assert link not in client_for(personas.learner).get(reverse("wallet")).content.decode()
    make_award(make_badge_class(personas.centre), personas.learner)
    html = client_for(personas.learner).get(reverse("wallet")).content.decode()
    assert f'href="{link}"' in html and "Download all my badges" in html

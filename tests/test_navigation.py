"""The header, menu and learner tab bar; the web app manifest and centre colours."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.request_cache import forget_person
from centres.branding import contrast_with_white
from centres.models import Membership, Role
from leap.pwa import header_colour
from portfolios.models import Enrolment
from tests.assessment.test_queue import submitted
from tests.conftest import client_for
from tests.factories import CentreFactory, learner, staff
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def page(user, url="/") -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def tab_bar(html: str) -> str:
    match = re.search(r'<nav class="tabbar" aria-label="Learner">(.*?)</nav>', html, re.S)
    return match.group(1) if match else ""


def top_bar(html: str) -> str:
    return re.search(r'<nav class="topnav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)


def labels(fragment: str) -> list[str]:
    return re.findall(r'<span(?: class="nav-label")?>([^<]+)</span>', fragment)


def test_a_learner_has_the_tab_bar_of_the_six_things_they_do(personas):
    make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    html = page(personas.learner, reverse("my_progress"))
    tabs = tab_bar(html)
    assert labels(tabs) == ["Home", "Portfolio", "Add", "Chat", "Progress", "Badges"]
    assert re.search(r'href="/progress/" aria-current="page"', tabs)  # where they are
    assert tabs.count('class="icon') == 6  # each with its icon
    assert 'class="has-tabbar"' in html  # the page leaves room above it


def test_staff_have_no_tab_bar_and_see_their_places_in_the_top_bar(personas):
    html = page(personas.assessor)
    assert not tab_bar(html)
    assert labels(top_bar(html))[:3] == ["Home", "Queue", "My samples"]
    assert "Staff" not in labels(top_bar(html))
    admin = labels(top_bar(page(personas.admin)))
    assert "Staff" in admin and "Queue" not in admin


def test_security_sits_under_the_profile_in_the_menu_not_among_the_pages(personas):
    html = page(personas.assessor)
    assert "Security" not in labels(top_bar(html))
    account = html[html.index('class="menu-account"'):]
    assert re.search(r'href="/account/profile/".*?<ul class="menu-sub"><li><a href="/accounts/2fa/"', account, re.S)


def test_the_queue_carries_the_number_of_items_waiting(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    for i in range(3):
        submitted(enrolment, f"Evidence {i}")
    submitted(enrolment, "Decided", status="accepted")
    html = top_bar(page(personas.assessor))
    assert re.search(r'Queue</span> <span class="nav-count">3<span class="visually-hidden"> items waiting', html)
    other = top_bar(page(personas.second_assessor))  # not their learners: no count at all
    assert re.search(r"Queue</span></a>", other)


def test_the_counts_cost_one_query_each_whatever_is_waiting(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    client = client_for(personas.assessor)
    url = reverse("notification_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)
    queries()  # the session's first page asks more (the second factor's check, once)
    forget_person(personas.assessor.pk)  # the counts are cached: measure them worked out, as after a change
    before = queries()
    for i in range(5):
        submitted(enrolment, f"Evidence {i}")  # each forgets the assessor's cached counts
    assert queries() == before


def test_the_current_centre_shows_once_with_a_switcher_for_people_in_several(personas):
    html = page(personas.assessor, reverse("caseload"))
    body = html[html.index("<body"):]
    assert body.count(personas.centre.name) == 1  # in the header, nowhere else
    assert 'id="centre-switch"' not in html
    elsewhere = CentreFactory(name="East Trades School")
    Membership.objects.create(user=personas.assessor, centre=elsewhere, role=Role.ASSESSOR)
    html = page(personas.assessor)
    assert re.search(r'<label for="centre-switch">Switch centre</label>', html)
    assert "East Trades School</option>" in html


def test_add_evidence_goes_straight_to_the_form_of_the_only_open_course(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))
    response = client_for(personas.learner).get(reverse("add_evidence"))
    assert response.status_code == 302 and response.url == reverse("evidence_new", args=[enrolment.pk])


def test_add_evidence_asks_which_course_when_there_are_several_and_says_when_there_is_none(personas):
    first = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="HOSP-L2"))
    second = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="HOSP-L3"))
    html = page(personas.learner, reverse("add_evidence"))
    assert "Which course is this evidence for?" in html
    for e in (first, second):
        assert f'href="{reverse("evidence_new", args=[e.pk])}"' in html
    Enrolment.objects.filter(pk__in=[first.pk, second.pk]).update(status=Enrolment.Status.COMPLETED)
    assert "You have no open course to add evidence to." in page(personas.learner, reverse("add_evidence"))


def test_add_evidence_is_for_learners(personas):
    assert client_for(personas.assessor).get(reverse("add_evidence")).status_code == 403


def test_the_manifest_makes_leap_installable_with_the_centre_name_and_colour(client, personas):
    data = json.loads(client.get(reverse("web_manifest")).content)
    assert data["name"] == "LEAP" and data["display"] == "standalone" and data["start_url"] == "/"
    assert {i["sizes"] for i in data["icons"]} >= {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    personas.centre.brand_colour = "#1B4D2E"
    personas.centre.save()
    response = client.get(reverse("web_manifest"), {"centre": personas.centre.slug})
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == personas.centre.name and data["theme_color"] == "#1b4d2e"
    assert client.get(reverse("web_manifest"), {"centre": "no-such-centre"}).status_code == 404


def test_every_page_links_the_manifest_and_the_theme_colour_of_its_centre(personas):
    personas.centre.brand_colour = "#1B4D2E"
    personas.centre.save()
    html = page(personas.assessor)
    assert f'rel="manifest" href="/manifest.webmanifest?centre={personas.centre.slug}"' in html
    assert '<meta name="theme-color" content="#1b4d2e">' in html
    assert f'href="/centre-style/{personas.centre.slug}.css?v=1b4d2e"' in html


def test_the_centre_stylesheet_sets_the_brand_colour(client, personas):
    personas.centre.brand_colour = "#1B4D2E"
    personas.centre.save()
    css = client.get(reverse("centre_brand_css", args=[personas.centre.slug])).content.decode()
    assert "--brand: #1b4d2e;" in css and "--brand-dark: #" in css
    assert "a, button.link" not in css  # 9.6:1: links keep the colour itself
    personas.centre.brand_colour = "#767676"  # 4.54:1 with white, under 4.5:1 on the grey page
    personas.centre.save()
    css = client.get(reverse("centre_brand_css", args=[personas.centre.slug])).content.decode()
    assert "a, button.link { color: var(--brand-dark); }" in css
    assert client.get(reverse("centre_brand_css", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("colour, expected", [
    ("#0B5CAB", "#0b5cab"),  # LEAP's own blue: 6.6:1 with white
    ("#FFD700", "#0b5cab"),  # gold: white text on it cannot be read
    ("#777777", "#0b5cab"),  # mid grey: 4.48:1, just under
    ("#767676", "#767676"),  # 4.54:1
    ("#1B4D2E", "#1b4d2e"),
    ("not-a-colour", "#0b5cab"),
])
def test_a_colour_white_text_cannot_be_read_on_falls_back_to_leaps_own(colour, expected):
    centre = CentreFactory.build(brand_colour=colour)
    assert header_colour(centre) == expected


def test_contrast_follows_the_wcag_formula():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0


def test_learners_and_staff_of_another_centre_get_nothing_of_this_one(personas):
    other_learner = learner(personas.other_centre, staff(personas.other_centre, Role.ASSESSOR))
    html = page(other_learner)
    assert personas.centre.name not in html

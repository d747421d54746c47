"""Home pages use the reports: the admin's headline figures, an assessor's own, a moderator's QA figures; each
with its formula and a link to its learners."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insights.headlines import RECENT_SECONDS, academic_year
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.factories import learner
from tests.portfolios.factories import make_enrolment, make_spec

S = Enrolment.Status
TODAY = datetime.date(2026, 6, 15)  # in the academic year 1 Aug 2025 - 31 Jul 2026
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12))))


@pytest.fixture
def centre(personas):
    """Today 15 Jun 2026, on one qualification:
    Maya (assessor): active, started 30 days ago, ends in 335 days;
    the second learner (assessor): completed, planned end 5 Jun 2026;
    Cara (second assessor): withdrawn, planned end 10 Jun 2026;
    Dan (second assessor): active, started 400 days ago, planned end 16 Apr 2026: late (more than 4 weeks past).
    In learning: Maya and Dan = 2 (the assessor's own: Maya = 1). Late: Dan = 1.
    """
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    cara = learner(personas.centre, personas.second_assessor, first_name="Cara")
    dan = learner(personas.centre, personas.second_assessor, first_name="Dan")
    make_enrolment(personas.learner, personas.assessor, version)
    make_enrolment(personas.second_learner, personas.assessor, version, start=TODAY - 300 * DAY,
                   end=TODAY - 10 * DAY, status=S.COMPLETED, completed_at=timezone.now())
    make_enrolment(cara, personas.second_assessor, version, start=TODAY - 300 * DAY, end=TODAY - 5 * DAY,
                   status=S.WITHDRAWN)
    make_enrolment(dan, personas.second_assessor, version, start=TODAY - 400 * DAY, end=TODAY - 60 * DAY)


def headline(html: str, label: str) -> str:
    """The value shown beside a headline's label."""
    start = html.index(f'<span class="mi-figure-label">{label}</span>')
    value = html.index('<span class="mi-figure-value">', start) + len('<span class="mi-figure-value">')
    return html[value:html.index("</span>", value)]


def test_the_centre_admins_home_shows_the_headline_figures_with_links_to_their_learners(personas, centre):
    html = client_for(personas.admin).get(reverse("home")).content.decode()
    assert "The centre at a glance" in html
    assert headline(html, "In learning") == "2"  # Maya, Dan
    assert headline(html, "Late, more than 4 weeks") == "1"  # Dan
    assert f'href="{reverse("insights_drill", args=["achievement", "in_learning"])}"' in html
    assert f'href="{reverse("insights_drill", args=["planned_end", "late"])}"' in html
    for label in ("Off track", "Items waiting", "Median turnaround"):
        assert f'<span class="mi-figure-label">{label}</span>' in html
    assert "enrolments active or on a break" in html  # each figure's formula beside it


def test_the_achievement_rate_this_year_counts_the_enrolments_due_to_end_this_academic_year(personas, centre):
    html = client_for(personas.admin).get(reverse("home")).content.decode()
    # Planned end from 1 Aug 2025 to 31 Jul 2026: the second learner (completed), Cara (withdrawn), Dan (still in
    # learning, so in neither). 1 completed ÷ (1 completed + 1 withdrawn) = 50 %. Maya ends next year.
    assert headline(html, "Achievement rate this year") == "50%"
    assert "01/08/2025 to 31/07/2026" in html  # the formula names the year
    assert academic_year(datetime.date(2026, 8, 1)) == (datetime.date(2026, 8, 1), datetime.date(2027, 7, 31))


def test_an_assessors_home_counts_only_their_own_learners(personas, centre):
    html = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert "My learners at a glance" in html
    assert headline(html, "In learning") == "1"  # Maya
    assert headline(html, "Late, more than 4 weeks") == "0"  # Dan is the second assessor's


def test_a_moderators_home_shows_the_quality_assurance_figures(personas, centre):
    html = client_for(personas.moderator).get(reverse("home")).content.decode()
    assert "Quality assurance at a glance" in html
    for label in ("Sampling plan completion", "CAMERA coverage", "Overdue IQA actions",
                  "Observations of practice due"):
        assert f'<span class="mi-figure-label">{label}</span>' in html


def test_a_learners_home_has_no_figures(personas, centre):
    assert "mi-home" not in client_for(personas.learner).get(reverse("home")).content.decode()


def _home(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("home")).content.decode()
    return html, len(captured)


def test_the_centre_admins_figures_are_kept_a_few_minutes_and_the_page_says_when_they_were_worked_out(
        personas, centre, time_machine):
    client = client_for(personas.admin)
    client.get(reverse("home"))  # the first request of a session also stores the session
    cache.clear()
    client.get(reverse("caseload"))  # the person's own cached values again, so that only the figures are cold
    html, worked_out = _home(client)
    assert headline(html, "In learning") == "2" and "These figures are from" not in html
    newcomer = learner(personas.centre, personas.assessor, first_name="Nina")
    make_enrolment(newcomer, personas.assessor, Enrolment.objects.first().version)
    html, kept = _home(client)
    assert headline(html, "In learning") == "2"  # as worked out at 12:00
    assert "These figures are from 12:00; they are brought up to date every 5 minutes." in html
    assert worked_out - kept == PINNED_REPORT_QUERIES
    time_machine.shift(datetime.timedelta(seconds=RECENT_SECONDS + 1))
    html, _queries = _home(client)
    assert headline(html, "In learning") == "3" and "These figures are from" not in html


# The six headline reports' queries over the centre (achievement twice: all and this year), not run while kept.
PINNED_REPORT_QUERIES = 16


"""My Progress: each unit's state (word, colour and icon) from the evidence, sign-off and reopen records, the
badge earned for it, and a completed course's date and certificate instead of the days left."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessment.services import unit_unlock
from badges.certificates.services import certificate_issue
from badges.models import Award
from portfolios.enrolments.selectors import UnitState
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from qualifications.models import AssessmentCriterion
from tests.badges.test_awards import sign_off_unit
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec
from tests.portfolios.test_progress import _queries

pytestmark = pytest.mark.django_db(transaction=True)  # badges are awarded once the sign-off commits


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://leap.example"


def evidence_for(enrolment, learner, unit, *, submit: bool):
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=(unit.position + 3, 2, 2))
    evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo), actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=f"For {unit.code}",
                        reflection="r", method="product", activity_date=None, activity_place="",
                        criteria=list(AssessmentCriterion.objects.filter(unit=unit)[:1]))
    if submit:
        evidence.refresh_from_db()
        evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    return evidence


def page_of(personas):
    response = client_for(personas.learner).get(reverse("my_progress"))
    assert response.status_code == 200
    return response


def test_each_unit_shows_its_state_and_the_badge_earned_for_it(personas):
    version = make_spec(personas.centre, units=5, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    locked, waiting, started, untouched, reopened = version.units.order_by("position")
    sign_off_unit(personas, enrolment, locked)
    evidence_for(enrolment, personas.learner, waiting, submit=True)
    evidence_for(enrolment, personas.learner, started, submit=False)
    again = sign_off_unit(personas, enrolment, reopened)
    unit_unlock(enrolment_unit=again.enrolment_unit, actor=personas.moderator, reason="Sampled: not sufficient")

    response = page_of(personas)
    [progress] = response.context["progress"]
    assert [u.state for u in progress.units] == [UnitState.LOCKED, UnitState.WAITING, UnitState.IN_PROGRESS,
                                                 UnitState.NOT_STARTED, UnitState.REOPENED]
    page = response.content.decode()
    for kind, word in [("locked", "Signed off"), ("waiting", "Waiting for review"), ("in_progress", "In progress"),
                       ("not_started", "Not started"), ("reopened", "Reopened")]:
        assert page.count(f"status-kind-{kind}") == 1, kind
        assert f'<span class="status-text">{word}</span>' in page
    # The signed-off unit links to its badge in the wallet; the reopened unit's badge was revoked: no link.
    badge = Award.objects.get(badge_class__unit=locked, revoked_at__isnull=True)
    assert [u.badge for u in progress.units] == [badge, None, None, None, None]
    assert page.count(f'{reverse("wallet")}#award-') == 1 and f"#award-{badge.uuid}" in page
    assert f"Badge: {badge.badge_class.name}" in page


def test_a_unit_whose_evidence_was_returned_or_drafted_is_in_progress_not_waiting(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    evidence_for(enrolment, personas.learner, version.units.get(), submit=False)
    [progress] = page_of(personas).context["progress"]
    assert progress.units[0].state == UnitState.IN_PROGRESS


def test_a_completed_course_says_when_and_links_the_certificate_not_the_days_left(personas):
    today = timezone.localdate()
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version,
                               start=today - datetime.timedelta(days=30), end=today + datetime.timedelta(days=120))
    sign_off_unit(personas, enrolment, version.units.get())
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"

    page = page_of(personas).content.decode()
    assert f"Completed on {timezone.localtime(enrolment.completed_at):%-d %B %Y}" in page
    assert "days left" not in page and "120" not in page
    assert "Your centre issues the certificate: it appears here once it is ready." in page
    qualification_badge = Award.objects.get(badge_class__kind="qualification")
    assert f"#award-{qualification_badge.uuid}" in page

    certificate = certificate_issue(enrolment=enrolment, actor=personas.admin)
    page = page_of(personas).content.decode()
    assert reverse("certificate_pdf", args=[certificate.uuid]) in page
    home = client_for(personas.learner).get(reverse("home")).content.decode()
    assert "Completed on" in home and reverse("certificate_pdf", args=[certificate.uuid]) in home
    assert "days left" not in home


def test_an_active_course_still_counts_the_days_left_and_states_the_formula(personas):
    today = timezone.localdate()
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    make_enrolment(personas.learner, personas.assessor, version, start=today - datetime.timedelta(days=10),
                   end=today + datetime.timedelta(days=1))
    page = page_of(personas).content.decode()
    assert "1 day left." in page and "Days left = days until your planned end date" in page
    assert "Completed on" not in page


def test_my_progress_queries_do_not_grow_with_enrolments_units_badges_or_evidence(personas):
    client = client_for(personas.learner)
    small = make_spec(personas.centre, code="SMALL", units=2, outcomes=1, criteria=1)
    first = make_enrolment(personas.learner, personas.assessor, small)
    sign_off_unit(personas, first, small.units.order_by("position").first())
    few = _queries(client, reverse("my_progress"))

    big = make_spec(personas.centre, code="BIG", units=6, outcomes=2, criteria=3)
    second = make_enrolment(personas.learner, personas.assessor, big)
    units = list(big.units.order_by("position"))
    for unit in units[:2]:
        sign_off_unit(personas, second, unit)
    evidence_for(second, personas.learner, units[2], submit=True)
    evidence_for(second, personas.learner, units[3], submit=False)
    done = make_spec(personas.centre, code="DONE", units=1, outcomes=1, criteria=1)
    third = make_enrolment(personas.learner, personas.assessor, done)
    sign_off_unit(personas, third, done.units.get())
    third.refresh_from_db()
    certificate_issue(enrolment=third, actor=personas.admin)
    many = _queries(client, reverse("my_progress"))
    assert Award.objects.filter(recipient=personas.learner).count() == 5  # four unit badges, one qualification
    assert many == few <= 14


def test_staff_and_outsiders_have_no_my_progress(personas):
    for who in ("assessor", "admin", "outsider"):
        assert client_for(getattr(personas, who)).get(reverse("my_progress")).status_code == 403

"""The EQA report pages: the external moderator writes under their grant (404 outside it), the centre admin reads
signed reports, acknowledges, lifts a sanction, keeps the checklist; staff work the action list. List pages are
a fixed number of queries."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from centres.models import Role
from moderation.external.reports import services
from moderation.external.reports.models import EqaActionPoint, EqaChecklistItem, EqaReport
from portfolios.models import EnrolmentUnit
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.portfolios.factories import make_enrolment, make_spec

from .test_reports import ReportWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_eqa_writes_a_report_through_the_pages_and_signs_it(personas):
    world = ReportWorld(personas)
    client = client_for(world.eqa)
    response = client.post(reverse("eqa_mine_report_new"), {"visit_date": "2026-11-30", "sample_basis": "Plan"})
    report = EqaReport.objects.exclude(pk=world.report.pk).get()
    assert response.status_code == 302 and report.author == world.eqa
    unit = world.units[0]
    sample = reverse("eqa_mine_report_sample", args=[report.pk]) + "?show=all"
    page = client.get(sample)
    assert page.status_code == 200 and unit.unit.code in page.content.decode()
    client.post(reverse("eqa_mine_judgement_add", args=[report.pk]) + "?show=all",
                {"enrolment_unit": unit.pk, "agreed": "yes"})
    assert report.judgements.count() == 1
    items = EqaChecklistItem.objects.filter(centre=personas.centre, active=True)
    client.post(reverse("eqa_mine_report_ratings", args=[report.pk]),
                {f"rating_{item.pk}": "amber" if n == 0 else "green" for n, item in enumerate(items)})
    assert report.ratings.count() == items.count()
    client.post(reverse("eqa_mine_action_add", args=[report.pk]), {
        "text": "Standardise", "owner": personas.assessor.pk,
        "due_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat()})
    client.post(reverse("eqa_mine_report_sign", args=[report.pk]), {"typed_name": world.eqa.get_full_name()})
    report.refresh_from_db()
    assert report.status == EqaReport.Status.SIGNED
    page = client.get(reverse("eqa_mine_report", args=[report.pk])).content.decode()
    assert "Amber" in page and "Agreed % = decisions agreed" in page


def test_a_unit_outside_the_scope_is_not_found(personas):
    world = ReportWorld(personas)
    elsewhere = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="OUT"))
    unit = EnrolmentUnit.objects.filter(enrolment=elsewhere).first()
    response = client_for(world.eqa).post(reverse("eqa_mine_judgement_add", args=[world.report.pk]),
                                          {"enrolment_unit": unit.pk, "agreed": "yes"})
    assert response.status_code == 404 and not world.report.judgements.exists()


def test_after_the_grant_expires_the_eqas_report_is_not_found(personas, time_machine):
    world = ReportWorld(personas)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=15))
    assert client_for(world.eqa).get(reverse("eqa_mine_report", args=[world.report.pk])).status_code == 404


def test_the_admin_does_not_see_a_draft_and_another_centres_admin_sees_nothing(personas):
    world = ReportWorld(personas).ready()
    admin = client_for(personas.admin)
    assert admin.get(reverse("eqa_report_detail", args=[world.report.pk])).status_code == 404
    world.sign()
    assert admin.get(reverse("eqa_report_detail", args=[world.report.pk])).status_code == 200
    other = client_for(staff(personas.other_centre, Role.CENTRE_ADMIN))
    assert other.get(reverse("eqa_report_detail", args=[world.report.pk])).status_code == 404


def test_the_pdf_states_the_figures_and_the_signature(personas):
    world = ReportWorld(personas).ready()
    world.sign()
    response = client_for(personas.admin).get(reverse("eqa_report_pdf", args=[world.report.pk]))
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "External quality assurance report" in text and world.eqa.get_full_name() in text


def test_the_admin_acknowledges_and_lifts_a_sanction_from_the_page(personas):
    world = ReportWorld(personas).ready()
    services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="Invalid")
    world.sign()
    admin = client_for(personas.admin)
    page = admin.get(reverse("eqa_report_detail", args=[world.report.pk])).content.decode()
    assert "Lift the sanction" in page
    admin.post(reverse("eqa_report_acknowledge", args=[world.report.pk]))
    admin.post(reverse("eqa_sanction_lift", args=[world.report.pk]), {"reason": "Re-assessed"})
    world.report.refresh_from_db()
    assert world.report.status == EqaReport.Status.ACKNOWLEDGED and world.report.sanction_lifted_at


def _points(world, n, *, owner):
    for i in range(n):
        EqaActionPoint.objects.create(report=world.report, centre=world.p.centre, text=f"Point {i}", owner=owner,
                                      due_date=timezone.localdate() + datetime.timedelta(days=i - 1))


def test_the_centres_action_list_is_a_fixed_number_of_queries_overdue_first(personas, django_assert_num_queries):
    world = ReportWorld(personas).ready()
    world.sign()
    client = client_for(personas.admin)
    _points(world, 2, owner=personas.assessor)
    client.get(reverse("centre_actions"))  # warm the session and the caches
    with django_assert_num_queries(2) as few:  # warm: the person, memberships and navigation counts are cached
        client.get(reverse("centre_actions"))
    counted = len(few.captured_queries)  # now: the next request empties the connection's query log
    _points(world, 8, owner=personas.moderator)
    client.get(reverse("centre_actions"))  # warm again after the writes, like the first measurement
    with django_assert_num_queries(counted):
        page = client.get(reverse("centre_actions")).content.decode()
    assert page.index("Overdue") < page.index("Point 1")


def test_an_owner_sees_and_marks_done_only_their_own_points(personas):
    world = ReportWorld(personas).ready()
    world.sign()
    _points(world, 1, owner=personas.assessor)
    point = EqaActionPoint.objects.get()
    assert client_for(personas.moderator).post(reverse("eqa_action_done", args=[point.pk])).status_code == 404
    client_for(personas.assessor).post(reverse("eqa_action_done", args=[point.pk]))
    point.refresh_from_db()
    assert point.status == "done"


def test_the_picker_is_a_fixed_number_of_queries_and_pages(personas, django_assert_num_queries):
    world = ReportWorld(personas, scope="centre")
    client = client_for(world.eqa)
    url = reverse("eqa_mine_report_sample", args=[world.report.pk]) + "?show=all"
    client.get(url)
    with django_assert_num_queries(14) as few:  # warm: the person, memberships and navigation counts are cached
        client.get(url)
    counted = len(few.captured_queries)  # now: the next request empties the connection's query log
    for _ in range(12):  # 3 units each: 14 learners, 42 units, two pages
        make_enrolment(learner(personas.centre, personas.assessor), personas.assessor, world.enrolment.version)
    client.get(url)  # warm again after the writes, like the first measurement
    with django_assert_num_queries(counted):
        page = client.get(url).content.decode()
    assert "page 1 of 2" in page


def test_the_checklist_editor_adds_edits_and_deactivates(personas):
    admin = client_for(personas.admin)
    assert admin.get(reverse("eqa_checklist")).status_code == 200  # first use seeds the default
    assert EqaChecklistItem.objects.filter(centre=personas.centre).count() == 7
    admin.post(reverse("eqa_checklist"), {"text": "Equality and diversity"})
    item = EqaChecklistItem.objects.get(text="Equality and diversity")
    admin.post(reverse("eqa_checklist_item_edit", args=[item.pk]), {"text": "Equality, diversity and inclusion"})
    admin.post(reverse("eqa_checklist_item_active", args=[item.pk]), {"active": "0"})
    item.refresh_from_db()
    assert item.text == "Equality, diversity and inclusion" and not item.active


def test_the_eqa_sends_a_comment_and_the_admin_reads_it(personas):
    world = ReportWorld(personas)
    client_for(world.eqa).post(reverse("eqa_mine_comments"), {"text": "Please add plans", "enrolment": ""})
    page = client_for(personas.admin).get(reverse("eqa_report_comments", args=[world.grant.pk])).content.decode()
    assert "Please add plans" in page

"""The audit timeline of a learner and of a unit: in order, readable, exportable, with the chain's status."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.timeline import event_details, learner_timeline, unit_timeline
from audit.models import AuditEvent
from audit.services import audit_record
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .test_verify_seals import _raw_update, signed_off_unit

pytestmark = pytest.mark.django_db

UNIT_LABELS = ["Evidence started", "File uploaded", "File uploaded", "Evidence submitted", "Review started",
               "Assessment decision recorded", "Unit signed off"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed(personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    other_unit = enrolment_unit.enrolment.enrolment_units.exclude(pk=enrolment_unit.pk).get().unit
    audit_record(action="test.other_unit", actor=personas.assessor, centre=personas.centre,
                 subject=enrolment_unit.enrolment, data={"units": [other_unit.pk]})
    return enrolment_unit, sign_off


def _urls(enrolment_unit) -> tuple[str, str]:
    enrolment = enrolment_unit.enrolment
    return (reverse("timeline_unit", args=[enrolment.pk, enrolment_unit.unit_id]),
            reverse("timeline_learner", args=[enrolment.pk]))


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_units_timeline_lists_its_events_in_order_with_readable_labels(personas, signed):
    enrolment_unit, sign_off = signed
    unit_url, _ = _urls(enrolment_unit)
    response = client_for(personas.assessor).get(unit_url)
    assert response.status_code == 200
    rows = response.context["timeline"].rows
    assert [r.what for r in rows] == UNIT_LABELS
    assert [r.who for r in rows] == [personas.learner.display_name] * 4 + [personas.assessor.display_name] * 3
    assert rows == sorted(rows, key=lambda r: r.when)
    page = response.content.decode()
    positions = [page.index(label) for label in ("Evidence started", "Evidence submitted", "Unit signed off")]
    assert positions == sorted(positions)
    assert "test.other_unit" not in page
    # Big records are summarised, not dumped.
    signed_off = rows[-1].details
    assert f"unit {enrolment_unit.unit.code}" in signed_off and "sealed 2 files and 2 decisions" in signed_off
    assert f"seal hash: {sign_off.seal_hash}" in signed_off and '"sha256"' not in page
    assert "declared their own work (2 files)" in rows[3].details and "“Plated a three-course menu”" in page
    assert "decisions: 1.1 met, 1.2 met" in rows[5].details


def test_the_learners_timeline_has_every_event_of_the_enrolment_and_links_each_unit(personas, signed):
    enrolment_unit, _ = signed
    _, learner_url = _urls(enrolment_unit)
    response = client_for(personas.moderator).get(learner_url)
    rows = response.context["timeline"].rows
    assert [r.what for r in rows] == [*UNIT_LABELS, "test.other_unit"]
    unit_url = reverse("timeline_unit", args=[enrolment_unit.enrolment_id, enrolment_unit.unit_id])
    assert unit_url in response.content.decode()


def test_the_selectors_pick_the_units_events_by_id_or_code_and_add_the_learners_registration(personas, signed):
    enrolment_unit, _ = signed
    enrolment, unit = enrolment_unit.enrolment, enrolment_unit.unit
    by_code = audit_record(action="plan.item_added", actor=personas.assessor, centre=personas.centre,
                           subject=enrolment, data={"units": [unit.code], "method": "observation"})
    membership = personas.learner.memberships.get()
    registered = audit_record(action="learner.registered", actor=personas.admin, centre=personas.centre,
                              target=membership, data={"email": personas.learner.email})
    elsewhere = audit_record(action="learner.registered", actor=personas.admin, centre=personas.centre,
                             target=personas.second_learner.memberships.get())
    assert by_code in unit_timeline(enrolment, unit) and registered not in unit_timeline(enrolment, unit)
    learner_events = learner_timeline(enrolment)
    assert registered in learner_events and elsewhere not in learner_events
    assert [e.seq for e in learner_events] == sorted(e.seq for e in learner_events)


def test_details_are_compact_and_readable():
    details = event_details({"title": "Knife skills", "files": [{"id": 1}, {"id": 2}, {"id": 3}],
                             "feedback": "word " * 100, "resubmission": False, "needs_countersign": True,
                             "enrolment": 12, "units": [5, "HOS-U9"], "size": 2048}, {5: "HOS-U1"})
    assert details.startswith("“Knife skills”; units: HOS-U1, HOS-U9; feedback: word word")
    assert "3 files" in details and "needs countersign" in details and "size: 2.0\xa0KB" in details
    assert "resubmission" not in details and "enrolment" not in details and len(details) < 300


def test_csv_export_has_a_header_and_one_row_per_event(personas, signed):
    enrolment_unit, _ = signed
    unit_url, learner_url = _urls(enrolment_unit)
    response = client_for(personas.admin).get(unit_url, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-enrolment-')
    rows = _csv_rows(response)
    assert rows[0][:5] == ["when", "who", "action", "object", "details"]  # then code, kind, by
    assert [r[2] for r in rows[1:]] == UNIT_LABELS
    assert rows[-1][1] == personas.assessor.email and rows[-1][3].startswith("Sign-off ")
    learner_rows = _csv_rows(client_for(personas.admin).get(learner_url, {"format": "csv"}))
    assert len(learner_rows) == 1 + AuditEvent.objects.about(enrolment_unit.enrolment).count()


def test_csv_export_does_not_let_a_title_become_a_formula(personas):
    from centres.csv_files import csv_cell

    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")" and csv_cell("Evidence") == "Evidence"


def test_pdf_export_is_an_a4_pdf_attachment(personas, signed):
    enrolment_unit, _ = signed
    unit_url, learner_url = _urls(enrolment_unit)
    make_grant(personas)  # the EQA reads the trail under a grant
    for url in (unit_url, learner_url):
        response = client_for(personas.external_moderator).get(url, {"format": "pdf"})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response.content.startswith(b"%PDF")


def test_the_pdf_carries_the_centre_learner_qualification_and_chain_status(personas, signed):
    from django.template.loader import render_to_string

    from assessment.timeline import learner_timeline, timeline_build

    enrolment = signed[0].enrolment
    built = timeline_build(enrolment=enrolment, unit=None, events=learner_timeline(enrolment))
    html = render_to_string("assessment/timeline_pdf.html", {"timeline": built})
    for text in ("North Vocational College", personas.learner.display_name, enrolment.version.title,
                 "The audit trail verifies", "size: A4"):
        assert text in html


def test_the_timeline_shows_whether_the_chain_verifies_and_a_tampered_chain_as_broken(personas, signed):
    enrolment_unit, _ = signed
    unit_url, _ = _urls(enrolment_unit)
    client = client_for(personas.moderator)
    assert "The audit trail verifies" in client.get(unit_url).content.decode()

    decided = AuditEvent.objects.get(action="review.decided")
    forged = dict(decided.data, outcome="returned")
    _raw_update("UPDATE audit_auditevent SET data = %s WHERE id = %s", [json.dumps(forged), decided.pk])
    response = client.get(unit_url)
    assert not response.context["timeline"].chain.verifies
    page = response.content.decode()
    assert "The audit trail does not verify" in page
    assert f"event #{decided.seq} (id {decided.pk}) has been altered" in page
    rows = _csv_rows(client.get(unit_url, {"format": "csv"}))
    assert len(rows) == 1 + len(UNIT_LABELS)


@pytest.mark.parametrize("who,status", [
    ("assessor", 200), ("moderator", 200), ("external_moderator", 200), ("admin", 200),
    ("learner", 403), ("second_learner", 403), ("second_assessor", 404), ("other_centre_assessor", 404),
    ("other_centre_learner", 403), ("outsider", 403),
])
def test_who_may_read_the_timeline(personas, signed, who, status):
    enrolment_unit, _ = signed
    if who == "external_moderator":
        make_grant(personas)  # an external moderator reads the centre only under a grant
    client = client_for(getattr(personas, who))
    for url in _urls(enrolment_unit):
        for fmt in ("", "csv"):
            assert client.get(url, {"format": fmt} if fmt else {}).status_code == status, (who, url, fmt)


def test_an_external_moderator_without_a_grant_gets_404_from_the_timeline(personas, signed):
    enrolment_unit, _ = signed
    client = client_for(personas.external_moderator)
    for url in _urls(enrolment_unit):
        for fmt in ("", "csv", "pdf"):
            assert client.get(url, {"format": fmt} if fmt else {}).status_code == 404, (url, fmt)


def test_a_learner_who_is_also_an_assessor_cannot_read_their_own_timeline(personas, signed):
    from centres.models import Role
    from tests.factories import MembershipFactory, with_totp

    enrolment_unit, _ = signed
    MembershipFactory(user=with_totp(personas.learner), centre=personas.centre, role=Role.ASSESSOR)
    for url in _urls(enrolment_unit):
        assert client_for(personas.learner).get(url).status_code == 404


def test_a_unit_outside_the_enrolment_is_not_found(personas, signed):
    enrolment_unit, _ = signed
    url = reverse("timeline_unit", args=[enrolment_unit.enrolment_id, 987654])
    assert client_for(personas.assessor).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, signed):
    for url in _urls(signed[0]):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_page_does_not_query_more_for_more_events(personas, signed):
    enrolment_unit, _ = signed
    unit_url, learner_url = _urls(enrolment_unit)
    client = client_for(personas.moderator)
    client.get(learner_url)  # warm the session

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = (queries(unit_url), queries(learner_url))
    for n in range(20):
        audit_record(action="review.decided", actor=personas.assessor, centre=personas.centre,
                     subject=enrolment_unit.enrolment, data={"units": [enrolment_unit.unit_id], "n": n})
    assert (queries(unit_url), queries(learner_url)) == before

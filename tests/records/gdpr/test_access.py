"""A subject-access request: the portfolio export (for the admin to hand over) and account.json, the account and
audit data held about the person; marking it answered records what was provided."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_erase_content
from records.exports.models import ExportRequest
from records.gdpr.models import DataRequest
from tests.assessment.test_verify_seals import signed_off_unit
from tests.conftest import client_for
from tests.records.retention.helpers import completed

from .world import draft_with_photo, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def prepared(personas, django_capture_on_commit_callbacks):
    """Maya's signed-off unit and a draft, Maya signed in once, the other learner's work beside hers; the admin
    prepares the answer (the export is built by the eager task)."""
    enrolment_unit, _sign_off = signed_off_unit(personas)
    draft_with_photo(enrolment_unit.enrolment, personas.learner)
    completed(enrolment_unit.enrolment, personas.assessor)
    client_for(personas.learner)  # signs in: an account event
    client_for(personas.second_learner)
    request = record(personas, "access")
    admin = client_for(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("data_request_prepare", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    return request, admin


def account_json(admin, request) -> dict:
    response = admin.get(reverse("data_request_file", args=[request.pk, "account"]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    return json.loads(b"".join(response.streaming_content))


def test_preparing_queues_a_subject_access_export_of_this_centre_for_the_admin(personas, prepared):
    request, _admin = prepared
    export = ExportRequest.objects.get()
    assert (export.learner, export.requested_by, export.centre, export.purpose) == (
        personas.learner, personas.admin, personas.centre, "subject_access")
    assert request.export == export
    assert AuditEvent.objects.filter(action="data_request.access_prepared", object_id=str(request.pk)).exists()


def test_account_json_holds_the_account_memberships_choices_and_every_event_about_the_person(personas, prepared):
    request, admin = prepared
    data = account_json(admin, request)
    assert (data["format"], data["account"]["email"], data["account"]["first_name"]) == (
        "leap-account-data", personas.learner.email, "Maya")
    assert [m["role"] for m in data["memberships"]] == ["learner"] and data["roles"] == ["learner"]
    assert data["notification_preferences"] == {"email_non_essential": True, "email_daily_digest": False,
                                                "email_weekly_mi": False}
    actions = {e["action"] for e in data["audit_events"]}
    assert {"evidence.created", "evidence.submitted", "review.decided", "unit.signed_off"} <= actions
    assert [e["action"] for e in data["sign_in_history"]] == ["account.signed_in"]
    mine = {e.hash for e in AuditEvent.objects.filter(actor=personas.learner)}
    assert mine <= {e["hash"] for e in data["audit_events"]}
    assert not {e.hash for e in AuditEvent.objects.filter(actor=personas.second_learner)} & {
        e["hash"] for e in data["audit_events"]}
    assert personas.second_learner.email not in json.dumps(data)


def test_an_erased_event_is_listed_as_erased_without_its_content(personas, prepared,
                                                                django_capture_on_commit_callbacks):
    request, admin = prepared
    event = AuditEvent.objects.filter(actor=personas.learner, action="evidence.created").first()
    audit_erase_content(events=[event], actor=personas.admin, reason="retention")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("data_request_prepare", args=[request.pk]))
    request.refresh_from_db()
    row = next(e for e in account_json(admin, request)["audit_events"] if e["hash"] == event.hash)
    assert row["erased"] is True and "data" not in row and "actor" not in row


def test_marking_it_answered_records_what_was_provided(personas, prepared):
    request, admin = prepared
    export = ExportRequest.objects.get()
    assert export.status == "ready", export.error
    page = admin.get(reverse("data_request_detail", args=[request.pk])).content.decode()
    assert reverse("portfolio_export_file", args=[export.pk]) in page and "Download account.json" in page
    admin.post(reverse("data_request_access_done", args=[request.pk]), {"handed_over": "By secure link"})
    request.refresh_from_db()
    assert request.status == "done" and request.done_by == personas.admin
    assert request.provided == {"export": export.pk, "export_sha256": export.sha256, "export_size": export.size,
                                "account_sha256": request.account_sha256, "handed_over": "By secure link"}
    event = AuditEvent.objects.get(action="data_request.done")
    assert event.data["export_sha256"] == export.sha256 and "handed_over" not in event.data


def test_it_cannot_be_marked_answered_before_the_export_is_ready(personas):
    request = record(personas, "access")
    admin = client_for(personas.admin)
    page = admin.post(reverse("data_request_access_done", args=[request.pk]), {"handed_over": "x"}, follow=True)
    assert "Prepare the export and the account data first" in page.content.decode()
    assert DataRequest.objects.get().status == "open"


def test_the_account_data_is_for_the_centres_admins_only(personas, prepared):
    request, _admin = prepared
    url = reverse("data_request_file", args=[request.pk, "account"])
    assert client_for(personas.learner).get(url).status_code == 403
    assert client_for(personas.assessor).get(url).status_code == 403


def test_a_member_of_staff_gets_their_account_data_only_and_it_can_be_answered(personas):
    request = record(personas, "access", subject=personas.assessor)
    admin = client_for(personas.admin)
    admin.post(reverse("data_request_prepare", args=[request.pk]))
    request.refresh_from_db()
    assert request.export is None and not ExportRequest.objects.exists()
    assert [m["role"] for m in account_json(admin, request)["memberships"]] == ["assessor"]
    admin.post(reverse("data_request_access_done", args=[request.pk]), {"handed_over": "In person"})
    request.refresh_from_db()
    assert request.status == "done" and "export" not in request.provided

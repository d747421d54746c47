"""Importing a learner's export from another centre: the whole file checked first, every problem named, nothing
created from a bad file; criteria matched by (qualification, unit, number); the same file refused twice."""

import io
import zipfile

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.delivery import render_email
from notifications.models import Notification
from portfolios.enrolments.selectors import enrolment_progress
from portfolios.models import AchievedCriterion, Enrolment
from records.transfers.models import PriorLearningClaim, PriorLearningImport
from tests.conftest import client_for
from tests.records.transfers.transfer_world import as_upload, changed, imported, transfer

pytestmark = pytest.mark.django_db


def upload(client, world, raw, name="data.json", **extra):
    return client.post(reverse("prior_learning_upload"),
                       {"enrolment": world.enrolment.pk, "file": as_upload(raw, name), **extra})


def overall(enrolment) -> tuple[int, int]:
    progress = enrolment_progress(Enrolment.objects.filter(pk=enrolment.pk))[0]
    return progress.met, progress.total


def test_a_real_export_from_another_centre_becomes_claims_with_provenance_and_nothing_counts_yet(personas):
    world = transfer(personas)
    before = overall(world.enrolment)
    response = upload(client_for(personas.admin), world, world.export_zip, name="portfolio.zip")
    assert response.status_code == 302
    assert response.url == reverse("prior_learning_enrolment", args=[world.enrolment.pk])
    record = PriorLearningImport.objects.get(enrolment=world.enrolment)
    assert (record.claims_count, record.not_on_course_count, record.already_met_count) == (2, 0, 0)
    assert record.source_centre_name == "South Skills Academy"
    claims = list(PriorLearningClaim.objects.filter(prior_import=record).select_related("criterion", "unit"))
    assert [(c.unit.code, c.criterion.number, c.status) for c in claims] == [
        ("HOS-U1", "1.1", "pending"), ("HOS-U1", "1.2", "pending")]
    claim = claims[0]
    assert claim.seal_hash == world.source_sign_off.seal_hash  # from a signed-off unit, and it says so
    assert claim.signed_off_at == world.source_sign_off.signed_off_at
    assert claim.assessor_email == personas.other_centre_assessor.email
    assert claim.evidence_titles == ["Plated a three-course menu"]
    # Nothing counts without the assessor's decision: no achievement, progress as before.
    assert not AchievedCriterion.objects.filter(enrolment=world.enrolment).exists()
    assert overall(world.enrolment) == before == (0, 4)
    event = AuditEvent.objects.get(action="prior_learning.imported")
    assert event.data["sha256"] == record.sha256 and event.data["claims"] == 2
    notification = Notification.objects.get(user=personas.assessor, kind="prior_learning_to_decide")
    assert notification.subject == f"Prior learning to decide: {personas.learner} (2 criteria)"
    body = render_email("body.txt", notification)
    assert "from South Skills Academy" in body and notification.url in body
    assert "Decide" in render_email("body.html", notification)


def test_the_same_file_is_refused_the_second_time_even_as_data_json_after_its_zip(personas):
    world = transfer(personas)
    client = client_for(personas.admin)
    upload(client, world, world.export_zip, name="portfolio.zip")
    response = upload(client, world, world.data_json)
    assert response.status_code == 200
    assert "This file was already imported into this enrolment" in response.content.decode()
    assert PriorLearningImport.objects.count() == 1 and PriorLearningClaim.objects.count() == 2


def test_a_file_with_several_bad_records_creates_nothing_and_names_every_problem(personas):
    world = transfer(personas)

    def spoil(document):
        document["version"] = 2
        document["exported_at"] = "yesterday"
        enrolment = document["enrolments"][0]
        enrolment["planned_end_date"] = "2001-01-01"
        unit = enrolment["units"][0]
        unit["sign_offs"][0]["seal_hash"] = "not-a-hash"
        unit["criteria"][0]["met_at"] = "2999-01-01T00:00:00+00:00"
        unit["criteria"][1]["evidence"] = ["evidence-404"]
        del enrolment["evidence"][0]["title"]

    response = upload(client_for(personas.admin), world, changed(world.document, spoil))
    page = response.content.decode()
    assert response.status_code == 200
    for where, what in (
            ("$.version", "1 was expected"), ("$.exported_at", "is not a &#x27;date-time&#x27;"),
            ("$.enrolments[0].planned_end_date", "is before the start"),
            ("$.enrolments[0].units[0].sign_offs[0].seal_hash", "does not match"),
            ("$.enrolments[0].units[0].criteria[0].met_at", "after the export was made"),
            ("$.enrolments[0].units[0].criteria[1].evidence[0]", "which the file does not hold"),
            ("$.enrolments[0].evidence[0]", "&#x27;title&#x27; is a required property")):
        assert f"<code>{where}</code> " in page and what in page, where
    assert "nothing was imported" in page
    assert not PriorLearningImport.objects.exists() and not PriorLearningClaim.objects.exists()
    assert not AchievedCriterion.objects.filter(enrolment=world.enrolment).exists()
    refused = AuditEvent.objects.get(action="prior_learning.import_refused")
    assert refused.data["problems"] >= 7


def test_what_is_not_on_this_course_is_listed_not_refused(personas):
    world = transfer(personas, receiving_units=[1])  # only unit 2 here: unit 1's criteria are not on the course
    record = imported(personas, world)
    assert record.claims_count == 0
    assert [(n["unit"], n["number"], n["why"]) for n in record.not_on_course] == [
        ("HOS-U1", "1.1", "unit not on this enrolment"), ("HOS-U1", "1.2", "unit not on this enrolment")]
    page = client_for(personas.admin).get(reverse("prior_learning_enrolment", args=[world.enrolment.pk]))
    assert "2 not on this course" in page.content.decode()


def test_a_learner_whose_name_and_email_differ_must_be_confirmed(personas):
    world = transfer(personas)

    def someone_else(document):
        document["learner"] = {"name": "Jo Bloggs", "email": "jo@example.net"}

    raw = changed(world.document, someone_else)
    client = client_for(personas.admin)
    page = upload(client, world, raw).content.decode()
    assert "Is this the right learner?" in page and "Jo Bloggs" in page and "jo@example.net" in page
    assert not PriorLearningImport.objects.exists()
    assert upload(client, world, raw, confirmed="on").status_code == 302
    record = PriorLearningImport.objects.get()
    assert len(record.confirmed_warnings) == 2 and AuditEvent.objects.get(
        action="prior_learning.imported").data["learner_confirmed"] is True


@pytest.mark.parametrize(("raw", "name", "says"), [
    (b"\x89PNG\r\n\x1a\n....", "photo.png", "neither a JSON file nor a ZIP"),
    (None, "other.zip", "This ZIP has no data.json"),
    (b"{not json", "data.json", "the file is not valid JSON"),
])
def test_a_file_of_the_wrong_kind_is_named_plainly(personas, raw, name, says):
    world = transfer(personas)
    if raw is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes.txt", "hello")
        raw = buffer.getvalue()
    page = upload(client_for(personas.admin), world, raw, name=name).content.decode()
    assert says in page
    assert not PriorLearningImport.objects.exists()


def test_the_upload_offers_only_this_centres_enrolments_and_is_for_centre_admins(personas):
    world = transfer(personas)
    page = client_for(personas.admin).get(reverse("prior_learning_upload")).content.decode()
    assert f'value="{world.enrolment.pk}"' in page
    source = Enrolment.objects.get(centre=personas.other_centre)
    assert f'value="{source.pk}"' not in page
    response = client_for(personas.admin).post(reverse("prior_learning_upload"), {
        "enrolment": source.pk, "file": as_upload(world.data_json)})
    assert "Select a valid choice" in response.content.decode() and not PriorLearningImport.objects.exists()
    for user in (personas.learner, personas.assessor):
        assert client_for(user).get(reverse("prior_learning_upload")).status_code == 403

"""An erasure request: the review page, then what confirming does: drafts and photos gone, the account closed and
its contact details replaced, kept records pseudonymised, records whose retention has ended destroyed, the letter
written, the audit trail still verifying, and issued badges still verifying."""

import html
import io
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from audit.models import AuditEvent
from badges.models import Showcase
from centres.models import Membership
from notifications.models import Notification
from portfolios.models import Evidence, EvidenceFile
from records.gdpr import erasure
from records.gdpr.models import DataRequest
from records.gdpr.services import data_request_erase
from records.retention.models import Tombstone
from records.retention.schedule import add_years, retention_schedule
from tests.badges.test_public_award import _site_url  # noqa: F401 (autouse)
from tests.badges.test_verify_page import baked_ob2, result_of, verify
from tests.conftest import client_for
from tests.records.retention.helpers import YEAR

from .world import erasable, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(personas):
    return erasable(personas)


def page_text(response) -> str:
    main = response.content.decode().split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def erase(personas, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.admin).post(reverse("data_request_erase", args=[world.request.pk]),
                                                   {"confirm": "on"})
    assert response.status_code == 302
    world.request.refresh_from_db()
    return world.request


def letter_text(request: DataRequest) -> str:
    with request.letter.open("rb") as handle:
        body = handle.read()
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def test_the_review_page_says_what_is_erased_now_and_what_is_kept_why_and_until_when(personas, world):
    text = page_text(client_for(personas.admin).get(reverse("data_request_erasure_review", args=[world.request.pk])))
    erased, kept = text.split("Kept, shown by a pseudonym")
    until = add_years(timezone.localdate(), 3).strftime("%-d %B %Y")
    assert "Draft evidence never submitted, with its files, photos and reflections (1 item)" in erased
    assert "Contact and sign-in details" in erased and "Showcase and sharing settings" in erased
    assert "Notification history" in erased
    kinds = "Evidence and its files; Decisions and feedback; IQA and EQA records; Audit events; Badges and certificates"
    course = "HOS HOS Diploma, started"
    assert f"{kinds} {course} {world.ended.start_date:%-d %B %Y} Its retention period ended on" in erased
    ended_scope, kept_scope = (f"started {e.start_date:%-d %B %Y}" for e in (world.ended, world.kept))
    assert ended_scope in erased and ended_scope not in kept and kept_scope in kept and kept_scope not in erased
    assert f"{kinds} {course} {world.kept.start_date:%-d %B %Y} 3 years after completion {until}" in kept
    assert re.search(rf"Learner details 3 years after completion \(the latest of the learner's courses\) {until}",
                     kept)
    assert "Erase now" in text


def test_an_enrolment_still_running_must_be_withdrawn_first(personas, world, django_capture_on_commit_callbacks):
    type(world.kept).objects.filter(pk=world.kept.pk).update(status="active", completed_at=None)
    client = client_for(personas.admin)
    text = page_text(client.get(reverse("data_request_erasure_review", args=[world.request.pk])))
    assert "The person has 1 enrolment still active or on a break. Withdraw it first" in text
    assert "Erase now" not in text
    response = client.post(reverse("data_request_erase", args=[world.request.pk]), {"confirm": "on"}, follow=True)
    assert "withdraw their enrolments" in response.content.decode()
    world.request.refresh_from_db()
    assert (world.request.status, world.request.erasure, bool(world.request.letter)) == ("open", {}, False)


def test_confirming_needs_the_box_ticked(personas, world):
    response = client_for(personas.admin).post(reverse("data_request_erase", args=[world.request.pk]), {},
                                               follow=True)
    assert "Tick the box to confirm the erasure." in response.content.decode()
    assert DataRequest.objects.get().status == "open"


def test_drafts_their_photos_and_reflections_are_gone_from_the_database_and_storage(
        personas, world, django_capture_on_commit_callbacks):
    files = list(EvidenceFile.objects.filter(evidence__status="draft"))
    stored = [name for f in files for name in (f.file.name, f.thumbnail.name) if name]
    assert len(files) == 1 and stored and all(default_storage.exists(name) for name in stored)
    erase(personas, world, django_capture_on_commit_callbacks)
    assert not Evidence.objects.filter(status="draft").exists()
    assert not EvidenceFile.objects.filter(pk__in=[f.pk for f in files]).exists()
    assert not any(default_storage.exists(name) for name in stored)
    created = AuditEvent.objects.filter(action="evidence.created", object_id=str(world.draft.pk)).get()
    assert created.is_erased and created.data == {}


def test_the_account_is_closed_and_its_contact_details_replaced(personas, world, django_capture_on_commit_callbacks):
    learner = personas.learner
    Authenticator.objects.create(user=learner, type="totp", data={"secret": "x"})
    old_email = learner.email
    client = client_for(learner)
    assert client.get(reverse("home")).status_code == 200
    erase(personas, world, django_capture_on_commit_callbacks)
    learner = User.objects.get(pk=learner.pk)
    assert learner.email.endswith("@erased.invalid") and old_email.split("@")[0] not in learner.email
    assert learner.first_name == erasure.pseudonym_for(learner.pk) and learner.last_name == ""
    assert not learner.has_usable_password() and not learner.is_active
    assert not Authenticator.objects.filter(user=learner).exists()
    assert not Membership.objects.current().filter(user=learner).exists()
    assert not Showcase.objects.filter(user=learner).exists() and not Notification.objects.filter(user=learner).exists()
    world.award.refresh_from_db()
    assert (world.award.show_name_publicly, world.award.in_showcase) == (False, False)
    assert client.get(reverse("home")).status_code == 302  # the session ended with the password
    sign_ins = AuditEvent.objects.filter(action="account.signed_in", actor=learner)
    assert sign_ins.exists() and all(e.is_erased and e.data == {} for e in sign_ins)


def test_kept_records_show_the_learner_by_their_pseudonym_to_staff(personas, world,
                                                                   django_capture_on_commit_callbacks):
    name = personas.learner.get_full_name()
    erase(personas, world, django_capture_on_commit_callbacks)
    pseudonym = erasure.pseudonym_for(personas.learner.pk)
    for who, url in ((personas.assessor, reverse("enrolment_detail", args=[world.kept.pk])),
                     (personas.admin, reverse("data_request_list"))):
        html = client_for(who).get(url).content.decode()
        assert pseudonym in html and name not in html, who
    kept = Evidence.objects.get(enrolment=world.kept, status="accepted")
    assert kept.reflection and kept.declaration["by"] == User.objects.get(pk=personas.learner.pk).email
    assert all(s.declaration["by"] == kept.declaration["by"] for s in kept.submissions.all())


def test_records_whose_retention_has_ended_are_destroyed_and_the_others_kept(personas, world,
                                                                            django_capture_on_commit_callbacks):
    old = Evidence.objects.get(enrolment=world.ended)
    old_files = [f.file.name for f in old.files.all()]
    erase(personas, world, django_capture_on_commit_callbacks)
    destroyed = set(Tombstone.objects.values_list("kind", "enrolment_id"))
    assert ("evidence_files", world.ended.pk) in destroyed
    assert not any(enrolment == world.kept.pk for _kind, enrolment in destroyed)
    old.refresh_from_db()
    assert (old.title, old.reflection) == ("", "") and not any(default_storage.exists(n) for n in old_files)
    kept = Evidence.objects.get(enrolment=world.kept, status="accepted")
    assert kept.reflection and all(default_storage.exists(f.file.name) for f in kept.files.all())


def test_the_letter_names_the_person_as_held_and_lists_what_was_erased_and_kept_why_and_until_when(
        personas, world, django_capture_on_commit_callbacks):
    name = personas.learner.get_full_name()
    request = erase(personas, world, django_capture_on_commit_callbacks)
    text = letter_text(request)
    until = add_years(timezone.localdate(), 3).strftime("%-d %B %Y")
    assert f"Dear {name}," in text
    assert "North Vocational College" in text
    assert f"Request received {request.received_on:%-d %B %Y}" in text
    assert f"Answer due by {request.due_on:%-d %B %Y}" in text
    erased, kept = text.split("What we must keep, why, and until when")
    assert "Draft evidence never submitted, with its files, photos and reflections (1 item) No rule requires it" \
        in erased
    assert "Notification history" in erased and "Showcase and sharing settings" in erased
    assert re.search(rf"Decisions and feedback; IQA and EQA records; .*? — HOS .*? 3 years after completion {until}",
                     kept)
    assert "Badges and certificates already issued to you stay valid" in kept
    assert personas.admin.email in kept
    assert name not in str(request.erasure) and name not in str(
        list(AuditEvent.objects.filter(action__startswith="data_request.").values_list("data", flat=True)))


def test_the_letter_is_for_the_centres_admins_only(personas, world, django_capture_on_commit_callbacks):
    request = erase(personas, world, django_capture_on_commit_callbacks)
    url = reverse("data_request_file", args=[request.pk, "letter"])
    response = client_for(personas.admin).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(personas.assessor).get(url).status_code == 403
    assert AuditEvent.objects.filter(action="data_request.file_downloaded").count() == 1


def test_the_audit_trail_verifies_after_the_erasure(personas, world, django_capture_on_commit_callbacks, capsys):
    erase(personas, world, django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(erased_at__isnull=False).exists()
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out


def test_the_audit_trail_verifies_after_the_erasure_on_postgresql(postgres, personas, world,
                                                                  django_capture_on_commit_callbacks, capsys):
    erase(personas, world, django_capture_on_commit_callbacks)
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out


def test_a_badge_issued_before_the_erasure_still_verifies(personas, world, django_capture_on_commit_callbacks):
    baked = baked_ob2(world.award)  # the image the learner holds
    erase(personas, world, django_capture_on_commit_callbacks)
    world.award.refresh_from_db()
    assert result_of(verify(Client(), image=baked)) == "valid"
    assert Client().get(reverse("award_public", args=[world.award.uuid])).status_code == 200


def test_confirming_again_changes_nothing_and_says_so(personas, world, django_capture_on_commit_callbacks):
    erase(personas, world, django_capture_on_commit_callbacks)
    client = client_for(personas.admin)
    events = AuditEvent.objects.count()
    response = client.post(reverse("data_request_erase", args=[world.request.pk]),
                                               {"confirm": "on"}, follow=True)
    assert "This request has already been answered." in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_an_erasure_that_stopped_carries_on_without_repeating_a_step(personas, world, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    real = erasure.erase_notifications

    def broken(request, actor):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "erase_notifications", broken)
    with pytest.raises(RuntimeError):
        data_request_erase(request=world.request, actor=personas.admin)
    world.request.refresh_from_db()
    done = set(world.request.erasure["steps"])
    assert world.request.status == "open" and "drafts" in done and "notifications" not in done
    monkeypatch.setattr(erasure, "erase_notifications", real)
    with django_capture_on_commit_callbacks(execute=True):
        data_request_erase(request=world.request, actor=personas.admin)
    world.request.refresh_from_db()
    steps = list(AuditEvent.objects.filter(action="data_request.erasure_step").values_list("data__step", flat=True))
    assert world.request.status == "done" and len(steps) == len(set(steps)) == len(world.request.erasure["steps"])


def test_erasure_is_audited_with_no_personal_data(personas, world, django_capture_on_commit_callbacks):
    email = personas.learner.email
    erase(personas, world, django_capture_on_commit_callbacks)
    actions = list(AuditEvent.objects.filter(action__startswith="data_request.").values_list("action", flat=True))
    assert actions[-1] == "data_request.erased" and "data_request.erasure_confirmed" in actions
    assert email not in str(list(AuditEvent.objects.filter(action__startswith="data_request.").values("data")))


def test_once_their_time_comes_the_retention_run_finds_the_kept_records_due(personas, world,
                                                                              django_capture_on_commit_callbacks):
    erase(personas, world, django_capture_on_commit_callbacks)
    rows = retention_schedule(learner=personas.learner, centre=personas.centre,
                                      today=timezone.localdate() + 4 * YEAR)
    assert all(row.due for row in rows if row.enrolment_id in (world.kept.pk, None))


def test_the_request_for_an_access_is_not_erased(personas):
    request = record(personas, "access")
    response = client_for(personas.admin).get(reverse("data_request_erasure_review", args=[request.pk]))
    assert response.status_code == 404

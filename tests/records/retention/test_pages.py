"""The centre admin's retention pages: rules in plain words, legal holds, and a batch approved in two steps."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Role
from records.retention.models import DestructionBatch, DestructionItem, LegalHold, RetentionRule, Tombstone
from records.retention.schedule import Kind
from records.retention.tasks import list_records_due
from tests.conftest import client_for
from tests.factories import learner as make_learner
from tests.factories import staff

from .helpers import two_learners
from .test_listing_and_destruction import _committing

pytestmark = pytest.mark.django_db

# Warm (the person, the centre context and the counts are cached): the batch, its items (learners and courses joined).
BATCH_QUERIES = 2


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rule_data(**changes) -> dict:
    data = {}
    for kind in Kind.values:
        data[f"{kind}-years_after_end"] = 3
        data[f"{kind}-years_after_eqa"] = ""
        data[f"{kind}-keep_until_date"] = ""
    data.update(changes)
    return data


def test_the_rules_page_says_each_rule_in_plain_words(personas):
    page = client_for(personas.admin).get(reverse("retention_rules")).content.decode()
    assert page.count('<td data-label="Kept">3 years after the end of the course<span') == len(Kind.values)
    assert "No legal hold is in place." in page
    assert "Nothing has been due for destruction yet." in page


def test_the_admin_edits_a_rule_and_it_is_audited(personas):
    client = client_for(personas.admin)
    response = client.post(reverse("retention_rules"), rule_data(**{
        "evidence_files-years_after_end": 5, "evidence_files-years_after_eqa": 6,
        "decisions-keep_until_date": "2032-07-31"}))
    assert response.status_code == 302
    evidence = RetentionRule.objects.get(centre=personas.centre, kind=Kind.EVIDENCE_FILES)
    assert (evidence.years_after_end, evidence.years_after_eqa) == (5, 6)
    assert RetentionRule.objects.get(kind=Kind.DECISIONS).keep_until_date.isoformat() == "2032-07-31"
    assert AuditEvent.objects.filter(action="retention.rule_changed").count() == 2  # unchanged kinds: no event
    page = client.get(reverse("retention_rules")).content.decode()
    assert ('<td data-label="Kept">5 years after the end of the course, or 6 years after a successful EQA review, '
            "whichever is latest</td>") in page
    assert "3 years after the end of the course, or until 31 July 2032, whichever is latest" in page


def test_a_rule_out_of_range_is_refused_and_nothing_is_saved(personas):
    response = client_for(personas.admin).post(reverse("retention_rules"),
                                               rule_data(**{"awards-years_after_end": 101}))
    assert response.status_code == 200 and "At most 100 years." in response.content.decode()
    assert not RetentionRule.objects.exists()


def test_the_admin_places_and_lifts_a_legal_hold(personas):
    client = client_for(personas.admin)
    client.post(reverse("retention_hold_place"), {"learner": personas.learner.pk, "reason": "Tribunal claim"})
    hold = LegalHold.objects.get()
    assert hold.learner == personas.learner and hold.placed_by == personas.admin
    assert "Tribunal claim" in client.get(reverse("retention_rules")).content.decode()
    client.post(reverse("retention_hold_lift", args=[hold.pk]), {"reason": ""})
    hold.refresh_from_db()
    assert hold.is_active  # a reason is needed
    client.post(reverse("retention_hold_lift", args=[hold.pk]), {"reason": "Settled"})
    hold.refresh_from_db()
    assert not hold.is_active and hold.lift_reason == "Settled"
    assert list(AuditEvent.objects.filter(action__startswith="retention.hold").values_list("action", flat=True)
                .order_by("seq")) == ["retention.hold_placed", "retention.hold_lifted"]


def test_a_hold_on_another_centres_learner_is_refused(personas):
    client_for(personas.admin).post(reverse("retention_hold_place"),
                                    {"learner": personas.other_centre_learner.pk, "reason": "No"})
    assert not LegalHold.objects.exists()


def test_another_centres_admin_gets_404(personas):
    batch = DestructionBatch.objects.create(centre=personas.centre, listed_at=timezone.now())
    hold = LegalHold.objects.create(centre=personas.centre, reason="Claim", placed_by=personas.admin)
    other = client_for(staff(personas.other_centre, Role.CENTRE_ADMIN))
    assert other.get(reverse("retention_batch", args=[batch.pk])).status_code == 404
    assert other.post(reverse("retention_batch", args=[batch.pk]), {"step": "confirm"}).status_code == 404
    assert other.post(reverse("retention_hold_lift", args=[hold.pk]), {"reason": "x"}).status_code == 404
    hold.refresh_from_db()
    assert hold.is_active
    assert client_for(personas.assessor).get(reverse("retention_rules")).status_code == 403


def _batch_of(personas, count: int) -> DestructionBatch:
    batch = DestructionBatch.objects.create(centre=personas.centre, listed_at=timezone.now())
    for _i in range(count):
        person = make_learner(personas.centre, personas.assessor)
        DestructionItem.objects.create(batch=batch, kind=Kind.AWARDS, learner=person, due_since=timezone.localdate(),
                                       rule="3 years after completion")
    return batch


def test_the_batch_page_does_not_grow_in_queries_with_its_items(personas, django_assert_num_queries):
    client = client_for(personas.admin)
    small, large = _batch_of(personas, 1), _batch_of(personas, 6)
    client.get(reverse("retention_batch", args=[small.pk]))  # the session and the centre context, once
    with django_assert_num_queries(BATCH_QUERIES):
        client.get(reverse("retention_batch", args=[small.pk]))
    with django_assert_num_queries(BATCH_QUERIES):
        page = client.get(reverse("retention_batch", args=[large.pk])).content.decode()
    assert page.count('type="checkbox"') == 6


def test_approval_in_two_steps_unticked_needs_a_reason_and_twice_changes_nothing(personas):
    maya, _second, _sign_off, in_four_years = two_learners(personas)
    with time_machine.travel(in_four_years, tick=False):
        client = client_for(personas.admin)  # signed in then: a session from four years before has expired
        list_records_due()
        batch = DestructionBatch.objects.get()
        items = {item.kind: item for item in batch.items.all()}
        url = reverse("retention_batch", args=[batch.pk])
        ticked = {f"destroy-{item.pk}": "on" for kind, item in items.items() if kind != Kind.AWARDS}
        page = client.post(url, ticked).content.decode()  # awards unticked, without a reason
        assert "Give a reason for the record you keep." in page and not Tombstone.objects.exists()
        keep = {f"reason-{items[Kind.AWARDS].pk}": "Awarding body's appeal window"}
        page = client.post(url, {**ticked, **keep}).content.decode()
        assert "Confirm the destruction" in page and "Destroy 5 records" in page
        assert not Tombstone.objects.exists()  # reviewing destroys nothing
        with _committing():
            response = client.post(url, {**ticked, **keep, "step": "confirm"}, follow=True)
        assert "5 records destroyed" in response.content.decode()
        assert Tombstone.objects.filter(kind=Kind.EVIDENCE_FILES).exists()
        assert not Tombstone.objects.filter(kind=Kind.AWARDS).exists()
        count = Tombstone.objects.count()
        again = client.post(url, {**ticked, **keep, "step": "confirm"}, follow=True).content.decode()
        assert "already approved: nothing was changed" in again and Tombstone.objects.count() == count
        assert "Awarding body&#x27;s appeal window" in again
        # The learner's timeline still reads: erased events say so instead of their content.
        timeline = client.get(reverse("timeline_learner", args=[maya.pk])).content.decode()
        assert "content erased (retention)" in timeline


def test_the_destroyed_record_still_opens_for_the_centre_staff(personas):
    maya, _second, sign_off, in_four_years = two_learners(personas)
    with time_machine.travel(in_four_years, tick=False):
        list_records_due()
        with _committing():
            from records.retention.services import batch_approve

            batch_approve(batch=DestructionBatch.objects.get(), actor=personas.admin, kept={})
        client = client_for(personas.assessor)
        evidence = maya.evidence.get()
        file = evidence.files.first()
        for url in (reverse("portfolio", args=[maya.pk]), reverse("evidence_detail", args=[evidence.pk]),
                    reverse("enrolment_detail", args=[maya.pk]),
                    reverse("timeline_unit", args=[maya.pk, sign_off.enrolment_unit.unit_id])):
            assert client.get(url).status_code == 200, url
        assert client.get(reverse("evidence_file", args=[file.pk])).status_code == 404  # its file is gone

"""The nightly list and its approval: only what is due is listed, once; approval destroys only what was approved
and is still due, leaves tombstones, and verify_audit (with the seals' check) still passes."""

from contextlib import contextmanager

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from assessment.models import Review, UnitSignOff
from audit.models import AuditEvent
from centres.services import ServiceError
from notifications.models import Notification
from portfolios.models import AssessmentPlan, Evidence, EvidenceFile, EvidenceSubmission
from records.retention.destruction import destroy_records
from records.retention.models import DestructionBatch, DestructionItem, LegalHold, Tombstone
from records.retention.schedule import Kind, learner_ref
from records.retention.services import batch_approve, hold_lift, hold_place
from records.retention.tasks import list_records_due

from .helpers import two_learners

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(personas):
    return two_learners(personas)


def listed(personas):
    return set(DestructionItem.objects.filter(batch__centre=personas.centre)
               .values_list("learner_id", "kind", "enrolment_id"))


def test_certified_four_years_ago_is_listed_two_years_ago_is_not_held_is_not(personas, world):
    maya, second, _sign_off, in_four_years = world
    with time_machine.travel(in_four_years, tick=False):
        assert list_records_due() == 1
    assert listed(personas) == {(personas.learner.pk, kind, None if kind == Kind.LEARNER_DETAILS else maya.pk)
                                for kind in Kind.values}
    batch = DestructionBatch.objects.get()
    assert batch.is_open and not Tombstone.objects.exists()  # nothing is destroyed without approval
    note = Notification.objects.get(user=personas.admin, kind="retention_batch_listed")
    assert note.url.endswith(f"/records/retention/batches/{batch.pk}/") and not note.send_email


def test_the_nightly_list_is_idempotent(personas, world):
    *_, in_four_years = world
    with time_machine.travel(in_four_years, tick=False):
        assert list_records_due() == 1
        assert list_records_due() == 0
    assert DestructionBatch.objects.count() == 1 and DestructionItem.objects.count() == len(Kind.values)


def test_a_held_learner_is_not_listed(personas, world):
    *_, in_four_years = world
    hold_place(centre=personas.centre, learner=personas.learner, reason="Appeal pending", actor=personas.admin)
    with time_machine.travel(in_four_years, tick=False):
        assert list_records_due() == 0
    assert not DestructionItem.objects.exists()


@contextmanager
def _committing():
    """Run what the destruction leaves for after the commit (the deletion of stored files) at the block's end."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def _approve_all(personas, in_four_years, kept=None):
    with time_machine.travel(in_four_years, tick=False), _committing():
        list_records_due()
        batch = DestructionBatch.objects.get()
        kept_items = {item.pk: "Awarding body asked" for item in batch.items.filter(kind__in=kept or [])}
        return batch_approve(batch=batch, actor=personas.admin, kept=kept_items)


def test_approval_destroys_only_the_approved_due_items_and_verify_audit_passes(personas, world, capsys):
    maya, second, sign_off, in_four_years = world
    files = list(EvidenceFile.objects.filter(evidence__enrolment=maya))
    others = list(EvidenceFile.objects.filter(evidence__enrolment=second))
    assert files and others and all(default_storage.exists(f.file.name) for f in files + others)
    with pytest.raises(ServiceError):  # unticking needs a reason
        with time_machine.travel(in_four_years, tick=False):
            list_records_due()
            batch_approve(batch=DestructionBatch.objects.get(), actor=personas.admin,
                          kept={DestructionItem.objects.get(kind=Kind.AWARDS).pk: " "})
    plan = AssessmentPlan.objects.create(enrolment=maya, number=1, notes="Observed on Tuesdays at the bistro",
                                         created_by=personas.assessor, learner_signed_name="Maya Example")
    _approve_all(personas, in_four_years, kept=[Kind.AWARDS])
    plan.refresh_from_db()
    assert (plan.notes, plan.learner_signed_name) == ("", "")

    # Maya's evidence: files gone from storage, texts cleared, skeletons and hashes kept, tombstones written.
    assert not any(default_storage.exists(f.file.name) for f in files)
    for f in files:
        f.refresh_from_db()
        assert f.original_name == "" and not f.file and f.sha256 and f.size
    evidence = Evidence.objects.get(enrolment=maya)
    assert (evidence.title, evidence.reflection, evidence.activity_place) == ("", "", "")
    assert "by" not in evidence.declaration and all("name" not in f for f in evidence.declaration["files"])
    assert EvidenceSubmission.objects.get(evidence=evidence).reflection == ""
    assert Review.objects.get(submission__evidence=evidence).feedback == ""
    stone = Tombstone.objects.get(kind=Kind.EVIDENCE_FILES, object_type="portfolios.evidence",
                                  object_id=str(evidence.pk))
    assert sorted(stone.sha256s) == sorted(f.sha256 for f in files)
    assert stone.batch_id == DestructionBatch.objects.get().pk and stone.enrolment_id == maya.pk
    assert stone.learner_ref == learner_ref(personas.learner.pk) != str(personas.learner.pk)  # pseudonymous
    assert AuditEvent.objects.filter(subject=f"portfolios.enrolment:{maya.pk}", erased_at__isnull=True).count() == 0
    personas.learner.refresh_from_db()
    assert personas.learner.email.endswith("@erased.invalid") and not personas.learner.is_active
    # The kept item, and the learner whose course ended two years ago, are untouched.
    assert not Tombstone.objects.filter(kind=Kind.AWARDS).exists()
    assert DestructionItem.objects.get(kind=Kind.AWARDS).kept_reason == "Awarding body asked"
    assert all(default_storage.exists(f.file.name) for f in others)
    assert Evidence.objects.get(enrolment=second).title == "Second learner's dish"
    assert AuditEvent.objects.filter(subject=f"portfolios.enrolment:{second.pk}", erased_at__isnull=False).count() == 0
    personas.second_learner.refresh_from_db()
    assert personas.second_learner.is_active and "@erased.invalid" not in personas.second_learner.email
    # The sealed unit was redacted, and the whole audit trail (chains and seals) still verifies.
    sign_off.refresh_from_db()
    assert all(item["title"] == "" for item in sign_off.seal["evidence"])
    capsys.readouterr()
    call_command("verify_audit")
    assert "signed-off units re-hashed" in capsys.readouterr().out


def test_approving_twice_changes_nothing_and_destroying_again_writes_nothing(personas, world):
    maya, *_, in_four_years = world
    batch = _approve_all(personas, in_four_years)
    count = Tombstone.objects.count()
    with pytest.raises(ServiceError):
        batch_approve(batch=batch, actor=personas.admin, kept={})
    for kind in Kind.values:
        assert destroy_records(kind=kind, learner=personas.learner, centre=personas.centre, actor=personas.admin,
                               reason="retention") == []
    assert Tombstone.objects.count() == count
    call_command("verify_audit")


def test_a_hold_placed_after_listing_keeps_the_records_at_approval(personas, world):
    *_, in_four_years = world
    with time_machine.travel(in_four_years, tick=False):
        list_records_due()
        hold_place(centre=personas.centre, learner=personas.learner, reason="Late appeal", actor=personas.admin)
        batch_approve(batch=DestructionBatch.objects.get(), actor=personas.admin, kept={})
    assert not Tombstone.objects.exists()
    assert set(DestructionItem.objects.values_list("status", flat=True)) == {DestructionItem.Status.NOT_DUE}
    # Once the hold is lifted, the next night lists them again (an item the admin kept by hand is not).
    hold_lift(hold=LegalHold.objects.get(), reason="Appeal dismissed", actor=personas.admin)
    with time_machine.travel(in_four_years, tick=False):
        assert list_records_due() == 1
    relisted = DestructionBatch.objects.get(status=DestructionBatch.Status.LISTED)
    assert relisted.items.count() == len(Kind.values)


def test_a_sealed_file_deleted_without_a_tombstone_still_breaks_verify_audit(personas, world, capsys):
    maya, _second, sign_off, _ = world
    with _committing():  # only the feedback is destroyed: the seal changes, its files stay
        destroy_records(kind=Kind.DECISIONS, learner=personas.learner, centre=personas.centre, actor=personas.admin,
                        reason="retention")
    call_command("verify_audit")
    sealed = UnitSignOff.objects.get(pk=sign_off.pk).seal["files"][0]
    default_storage.delete(sealed["key"])  # gone outside destruction: no tombstone, no destruction record
    capsys.readouterr()
    assert f"file 'kitchen.jpg' (id {sealed['id']}) missing from storage" in _verify_output(capsys)


def test_a_seal_edited_after_destruction_is_still_reported(personas, world, capsys):
    *_, sign_off, in_four_years = world
    _approve_all(personas, in_four_years)
    call_command("verify_audit")
    seal = UnitSignOff.objects.get(pk=sign_off.pk).seal
    seal["decisions"][0]["met"] = False  # not something any destruction changes
    UnitSignOff.objects.filter(pk=sign_off.pk).update(seal=seal)
    capsys.readouterr()
    assert "the sealed record has been altered" in _verify_output(capsys)


def _verify_output(capsys) -> str:
    with pytest.raises(CommandError):
        call_command("verify_audit")
    return capsys.readouterr().err


def test_destruction_passes_verify_audit_on_postgresql_where_the_audit_trigger_is_strict(postgres, personas, world):
    maya, *_, in_four_years = world
    _approve_all(personas, in_four_years)
    assert Tombstone.objects.filter(kind=Kind.AUDIT_EVENTS).exists()
    assert not AuditEvent.objects.filter(subject=f"portfolios.enrolment:{maya.pk}", erased_at__isnull=True).exists()
    call_command("verify_audit")


def test_destroying_awards_keeps_the_badge_verifiable_and_its_pages_say_the_record_was_destroyed(personas):
    from django.urls import reverse

    from badges.certificates.services import certificate_issue
    from badges.openbadges.ob2 import assertion
    from tests.badges.test_certificate_issue import enrolment_for
    from tests.badges.test_ob3 import hand_award

    award = hand_award(personas)
    certificate = certificate_issue(enrolment=enrolment_for(personas, code="CRT"), actor=personas.admin)
    before = assertion(award)["recipient"]
    with _committing():
        destroy_records(kind=Kind.AWARDS, learner=personas.learner, centre=personas.centre, actor=personas.admin,
                        reason="retention", reference={"rule": "3 years after certification"})
    award.refresh_from_db()
    certificate.refresh_from_db()
    assert not award.baked_ob2 and not award.credential_ob3 and not award.narrative
    assert assertion(award)["recipient"] == before  # the hashed recipient still matches the badge the learner holds
    assert not certificate.pdf and certificate.content["learner_name"] == ""
    page = Client().get(reverse("award_public", args=[award.uuid])).content.decode()
    assert "destroyed its record of this award" in page and "Valid" in page
    page = Client().get(reverse("certificate_verify", args=[certificate.uuid])).content.decode()
    assert "destroyed its record of this certificate" in page

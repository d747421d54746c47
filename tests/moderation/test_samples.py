"""Sampling a unit: starting freezes a snapshot into the audit trail, later changes are flagged, the record is
made and signed once, and a signed sample cannot change."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from centres.models import Role
from moderation.models import Sample, SampleKind
from moderation.samples.services import SampleError, sample_record, sample_sign, sample_start
from moderation.samples.snapshot import snapshot_changes, unit_snapshot
from portfolios.models import EvidenceFile
from tests.factories import staff

from .sampling_world import ALL_YES, PROCESS_YES, Sampling, accepted_evidence

pytestmark = pytest.mark.django_db


def test_starting_a_sample_writes_the_snapshot_of_the_unit_into_the_audit_trail(personas):
    world = Sampling(personas)
    sample = world.start()
    event = AuditEvent.objects.get(action="iqa.sample_started")
    assert event.actor == personas.moderator and event.object_id == str(sample.pk)
    assert event.data["snapshot"] == sample.snapshot and event.data["snapshot_hash"] == sample.snapshot["hash"]
    files = EvidenceFile.objects.filter(evidence__enrolment=world.enrolment)
    assert {k: v["sha256"] for k, v in sample.snapshot["files"].items()} == {str(f.pk): f.sha256 for f in files}
    assert len(sample.snapshot["decisions"]) == 2 and sample.snapshot["feedback"]
    assert sample.snapshot["mappings"] and sample.assessor == personas.assessor
    assert sample.status == Sample.Status.STARTED and sample.kind == SampleKind.SUMMATIVE


def test_starting_a_plan_item_again_returns_its_open_sample(personas):
    world = Sampling(personas)
    first = world.start()
    assert world.start() == first
    assert Sample.objects.count() == 1 and AuditEvent.objects.filter(action="iqa.sample_started").count() == 1


def test_only_a_moderator_of_the_centre_starts_a_sample(personas):
    world = Sampling(personas)
    for someone in (personas.assessor, personas.admin, staff(personas.other_centre, Role.MODERATOR)):
        with pytest.raises(PermissionDenied):
            world.start(actor=someone)
    assert not Sample.objects.exists()


def test_a_summative_sample_needs_a_signed_off_unit(personas):
    world = Sampling(personas, signed=0)
    with pytest.raises(SampleError, match="not signed off"):
        world.start()
    assert not Sample.objects.exists()


def test_an_interim_snapshot_includes_work_not_yet_accepted(personas):
    world = Sampling(personas)
    unit = world.units[-1]
    snapshot = unit_snapshot(enrolment=world.enrolment, unit=unit, kind=SampleKind.INTERIM)
    assert snapshot["files"] == {}
    accepted_evidence(world.enrolment, personas.learner, personas.assessor, list(unit.criteria.all()[:1]))
    sample = world.start(world.interim_item)
    assert len(sample.snapshot["files"]) == 1 and len(sample.snapshot["decisions"]) == 1


def test_a_change_after_the_start_is_flagged_on_the_sample(personas):
    world = Sampling(personas)
    unit = world.units[-1]
    accepted_evidence(world.enrolment, personas.learner, personas.assessor, list(unit.criteria.all()[:1]))
    sample = world.start(world.interim_item)
    assert snapshot_changes(sample) == []
    accepted_evidence(world.enrolment, personas.learner, personas.assessor, list(unit.criteria.all()[1:]),
                      title="More")
    changes = snapshot_changes(sample)
    assert any("was added" in c for c in changes) and any("New decision on criterion" in c for c in changes)


def test_a_changed_file_hash_is_flagged(personas):
    world = Sampling(personas)  # an interim unit's file: PostgreSQL refuses to change a locked unit's
    evidence = accepted_evidence(world.enrolment, personas.learner, personas.assessor,
                                 list(world.units[-1].criteria.all()[:1]))
    sample = world.start(world.interim_item)
    EvidenceFile.objects.filter(evidence=evidence).update(sha256="0" * 64)
    assert any("has changed" in c for c in snapshot_changes(sample))


def test_the_moderator_records_the_sample(personas):
    world = Sampling(personas)
    sample = world.record(world.start(), outcome="agree_advice", feedback="Add dates to photos.",
                          actions=[("Re-check 1.1", None)])
    sample.refresh_from_db()
    assert sample.outcome == "agree_advice" and sample.vacs["valid"] == {"ok": True, "note": ""}
    assert set(sample.process_checks) == {"plan_followed", "feedback_developmental", "declaration_present",
                                          "records_accurate"}
    assert sample.criteria_sampled.count() == 2 and sample.actions.get().owner == personas.assessor
    assert AuditEvent.objects.filter(action="iqa.sample_recorded", object_id=str(sample.pk)).exists()


def test_a_record_with_a_missing_check_or_a_foreign_criterion_is_refused(personas):
    world = Sampling(personas)
    sample = world.start()
    with pytest.raises(SampleError, match="VACS"):
        sample_record(sample=sample, actor=personas.moderator, criteria_ids=[], vacs={"valid": {"ok": True}},
                      process_checks=PROCESS_YES, outcome="agree", feedback="", actions=[])
    other = world.units[1].criteria.first()
    with pytest.raises(SampleError, match="not criteria of unit"):
        sample_record(sample=sample, actor=personas.moderator, criteria_ids=[other.pk], vacs=ALL_YES,
                      process_checks=PROCESS_YES, outcome="agree", feedback="", actions=[])
    with pytest.raises(SampleError, match="needs an action"):
        world.record(sample, outcome="disagree_act", feedback="Not sufficient.")
    sample.refresh_from_db()
    assert sample.outcome == "" and not sample.actions.exists()


def test_only_the_moderator_who_started_it_records_and_signs(personas):
    world = Sampling(personas)
    sample = world.record(world.start())
    second = staff(personas.centre, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        world.record(sample, actor=second)
    with pytest.raises(PermissionDenied):
        sample_sign(sample=sample, actor=second, typed_name=second.get_full_name())


def test_signing_needs_the_typed_name_and_an_outcome(personas):
    world = Sampling(personas)
    sample = world.start()
    name = personas.moderator.get_full_name()
    with pytest.raises(SampleError, match="Record the sample"):
        sample_sign(sample=sample, actor=personas.moderator, typed_name=name)
    world.record(sample)
    with pytest.raises(SampleError, match="full name"):
        sample_sign(sample=sample, actor=personas.moderator, typed_name="Someone Else")
    sample.refresh_from_db()
    assert sample.status == Sample.Status.STARTED and not sample.signed_at


def test_signing_a_sample_tells_the_assessor_and_a_second_signing_is_refused(personas, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    world = Sampling(personas)
    with django_capture_on_commit_callbacks(execute=True):
        sample = world.signed(actions=[("Re-check 1.1", None)], outcome="agree_advice")
    assert sample.status == Sample.Status.SIGNED and sample.signed_name == personas.moderator.get_full_name()
    [email] = [m for m in mailoutbox if personas.assessor.email in m.to]
    assert "Agree with advice" in email.subject and "Re-check 1.1" in email.body
    with pytest.raises(SampleError, match="already signed"):
        sample_sign(sample=sample, actor=personas.moderator, typed_name=personas.moderator.get_full_name())
    assert AuditEvent.objects.filter(action="iqa.sample_signed").count() == 1


def test_a_signed_sample_cannot_be_changed(personas):
    world = Sampling(personas)
    sample = world.signed()
    with pytest.raises(SampleError, match="can no longer be changed"):
        world.record(sample, outcome="disagree_overturn", feedback="Changed my mind")
    sample.refresh_from_db()
    assert sample.outcome == "agree" and sample.feedback == "Sound judgement."


def test_the_assessor_of_the_work_cannot_sample_it(personas):
    world = Sampling(personas)
    from centres.services import membership_grant

    membership_grant(centre=personas.centre, user=personas.assessor, role=Role.MODERATOR)
    with pytest.raises(SampleError, match="You assessed this work"):
        sample_start(plan_item=world.item, actor=personas.assessor)

"""verify_audit re-hashes the stored files of every locked unit and checks each seal against the audit trail."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessment.models import UnitSignOff
from assessment.seals import verify_seals
from assessment.services import review_decide, review_start, seal_hash, unit_sign_off, unit_unlock
from portfolios.evidence.services import (
    evidence_create,
    evidence_file_attach,
    evidence_file_process,
    evidence_save_draft,
    evidence_submit,
)
from portfolios.models import EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes, wav_bytes
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def submit_evidence(enrolment, learner, criteria, *, title="Plated a three-course menu", files=None):
    """Evidence through the learner's real services: files attached and processed, criteria claimed, submitted."""
    files = files if files is not None else [("kitchen.jpg", jpeg_bytes()), ("talk.wav", wav_bytes())]
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    for name, content in files:
        attached = evidence_file_attach(evidence=evidence, upload=ContentFile(content), name=name, size=len(content),
                                        actor=learner)
        evidence_file_process(file_id=attached.pk)  # the task would do this once the upload commits
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                        reflection="I planned, cooked and plated it.", method="product", activity_date=None,
                        activity_place="Training kitchen", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    return evidence


def signed_off_unit(personas, *, units=2):
    """A learner's first unit, evidenced, assessed and signed off (locked) by their qualified assessor."""
    version = make_spec(personas.centre, code="HOS", units=units, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    criteria = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position"))
    evidence = submit_evidence(enrolment, personas.learner, criteria)
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={c.pk: True for c in criteria},
                  outcome="accepted", feedback="Well planned and neatly plated.")
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)
    sign_off = unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)
    return enrolment_unit, sign_off


def _sealed_file(sign_off, name="kitchen.jpg") -> dict:
    return next(f for f in sign_off.seal["files"] if f["name"] == name)


def _raw_update(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # what an attacker with DB superuser does
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_clean_signed_off_unit_verifies_and_verify_audit_says_so(personas, capsys):
    _, sign_off = signed_off_unit(personas)
    assert [f["name"] for f in sign_off.seal["files"]] == ["kitchen.jpg", "talk.wav"]
    problems = verify_seals()
    assert problems == [] and problems.summary == "1 signed-off units re-hashed"
    call_command("verify_audit")
    assert "OK: 1 audit chains verified; 1 signed-off units re-hashed." in capsys.readouterr().out


def test_verify_audit_catches_a_file_changed_on_disk_after_sign_off(personas, capsys):
    enrolment_unit, sign_off = signed_off_unit(personas)
    sealed = _sealed_file(sign_off)
    with open(default_storage.path(sealed["key"]), "wb") as handle:
        handle.write(jpeg_bytes(colour=(10, 200, 10)))  # a different photo under the same name

    problems = verify_seals()
    assert len(problems) == 1
    where = f"enrolment {enrolment_unit.enrolment_id}, unit {enrolment_unit.unit.code} sign-off 1"
    assert problems[0].startswith(f"{where}: file 'kitchen.jpg' (id {sealed['id']}) changed: sha256 ")
    assert f"≠ sealed {sealed['sha256'][:16]}…" in problems[0]

    with pytest.raises(CommandError, match="1 problem found by the verifiers"):
        call_command("verify_audit")
    assert f"BROKEN {where}: file 'kitchen.jpg'" in capsys.readouterr().err


def test_verify_audit_catches_a_file_deleted_from_storage(personas, capsys):
    _, sign_off = signed_off_unit(personas)
    sealed = _sealed_file(sign_off, "talk.wav")
    default_storage.delete(sealed["key"])
    assert [p.split(": ", 1)[1] for p in verify_seals()] == [
        f"file 'talk.wav' (id {sealed['id']}) missing from storage"]
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "missing from storage" in capsys.readouterr().err


def test_a_file_truncated_on_disk_is_reported_with_its_size(personas):
    _, sign_off = signed_off_unit(personas)
    sealed = _sealed_file(sign_off, "talk.wav")
    path = default_storage.path(sealed["key"])
    with open(path, "rb") as handle:
        content = handle.read()
    with open(path, "wb") as handle:
        handle.write(content[:10])
    (problem,) = verify_seals()
    assert f"size 10 ≠ sealed {sealed['size']}" in problem


def test_an_altered_seal_record_is_caught_by_its_hash_and_by_the_audit_trail(personas):
    _, sign_off = signed_off_unit(personas)
    forged = dict(sign_off.seal, decisions=[])
    import json

    _raw_update("UPDATE assessment_unitsignoff SET seal = %s WHERE id = %s", [json.dumps(forged), sign_off.pk])
    (problem,) = verify_seals()
    assert "the sealed record has been altered" in problem
    # Rewriting the seal hash too does not help: the audit event carries the original.
    _raw_update("UPDATE assessment_unitsignoff SET seal_hash = %s WHERE id = %s", [seal_hash(forged), sign_off.pk])
    (problem,) = verify_seals()
    assert f"seal hash {seal_hash(forged)[:16]}… ≠ the audit trail's {sign_off.seal_hash[:16]}…" in problem


def test_an_unlocked_sign_off_is_no_longer_checked(personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    unit_unlock(enrolment_unit=enrolment_unit, actor=personas.moderator, reason="Sampled: photo is unclear.")
    default_storage.delete(_sealed_file(sign_off)["key"])
    problems = verify_seals()
    assert problems == [] and problems.summary == "0 signed-off units re-hashed"
    assert UnitSignOff.objects.get(pk=sign_off.pk).unlocked_at is not None


def always_broken():
    return ["something is wrong"]


def test_verify_audit_runs_every_configured_verifier_and_fails_on_its_problems(db, settings, capsys):
    settings.LEAP_AUDIT_VERIFIERS = ["tests.assessment.test_verify_seals.always_broken"]
    with pytest.raises(CommandError, match="1 problem found by the verifiers"):
        call_command("verify_audit")
    assert "BROKEN something is wrong" in capsys.readouterr().err
    settings.LEAP_AUDIT_VERIFIERS = []
    call_command("verify_audit")
    assert "OK: 0 audit chains verified." in capsys.readouterr().out

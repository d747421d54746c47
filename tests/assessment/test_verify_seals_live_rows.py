"""verify_audit rebuilds each seal from the live rows and names every difference, so a signed-off unit rewritten
behind the application's back (raw SQL with the triggers off, as a database superuser can) is reported."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessment.models import CriterionDecision, Review, UnitUnlock
from assessment.seals import seal_differences, unit_seal, verify_seals
from portfolios.models import EvidenceCriterion

from .test_verify_seals import _raw_update, signed_off_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _problems() -> list[str]:
    return [p.split(": ", 1)[1] for p in verify_seals()]


def test_a_sealed_unit_rewritten_by_sql_is_reported_difference_by_difference(personas, capsys):
    enrolment_unit, sign_off = signed_off_unit(personas)
    evidence_id = sign_off.seal["evidence"][0]["id"]
    review = Review.objects.get()
    decision = CriterionDecision.objects.order_by("pk").first()
    # The attack of issue 10: unlock by SQL, rewrite feedback, a decision, the title and reflection, lock again.
    _raw_update("UPDATE portfolios_enrolmentunit SET locked_at = NULL WHERE id = %s", [enrolment_unit.pk])
    _raw_update("UPDATE assessment_review SET feedback = %s WHERE id = %s", ["Outstanding work.", review.pk])
    _raw_update("UPDATE assessment_criteriondecision SET met = %s WHERE id = %s", [False, decision.pk])
    _raw_update("UPDATE portfolios_evidence SET title = %s, reflection = %s WHERE id = %s",
                ["Plated a five-course menu", "Someone else's words.", evidence_id])
    _raw_update("UPDATE portfolios_enrolmentunit SET locked_at = %s WHERE id = %s",
                [timezone.now(), enrolment_unit.pk])

    assert sorted(_problems()) == sorted([
        f"evidence {evidence_id}: title differs from the seal (sealed \"Plated a three-course menu\", "
        "now \"Plated a five-course menu\")",
        f"evidence {evidence_id}: reflection differs from the seal (sealed \"I planned, cooked and plated it.\", "
        "now \"Someone else's words.\")",
        f"criterion {decision.criterion.number} (decision {decision.pk}): met differs from the seal "
        "(sealed true, now false)",
        f"review {review.pk} of evidence {evidence_id}: feedback differs from the seal "
        "(sealed \"Well planned and neatly plated.\", now \"Outstanding work.\")",
    ])
    with pytest.raises(CommandError, match="4 problems found by the verifiers"):
        call_command("verify_audit")
    assert "reflection differs from the seal" in capsys.readouterr().err


def test_a_removed_mapping_and_a_changed_file_record_are_named(personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    evidence_id, photo = sign_off.seal["evidence"][0]["id"], sign_off.seal["files"][0]
    claim = EvidenceCriterion.objects.filter(evidence_id=evidence_id).order_by("criterion__position").last()
    _raw_update("DELETE FROM portfolios_evidencecriterion WHERE id = %s", [claim.pk])
    _raw_update("UPDATE portfolios_evidencefile SET original_name = %s WHERE id = %s", ["mine.jpg", photo["id"]])
    problems = _problems()
    assert (f"evidence {evidence_id}: criteria differs from the seal (sealed [\"1.1\", \"1.2\"], "
            "now [\"1.1\"])") in problems
    assert (f"file 'kitchen.jpg' (id {photo['id']}): name differs from the seal (sealed \"kitchen.jpg\", "
            "now \"mine.jpg\")") in problems


def test_a_lock_cleared_outside_the_unlock_path_is_reported(personas):
    enrolment_unit, _ = signed_off_unit(personas)
    _raw_update("UPDATE portfolios_enrolmentunit SET locked_at = NULL WHERE id = %s", [enrolment_unit.pk])
    assert _problems() == ["the unit is not locked, but this sign-off was never unlocked "
                           "(its lock was cleared outside the unlock path)"]


def test_an_unlock_without_its_audit_event_is_reported(personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    UnitUnlock.objects.create(sign_off=sign_off, enrolment_unit=enrolment_unit, unlocked_by=personas.moderator,
                              unlocked_at=timezone.now(), reason="not through the service")
    assert set(_problems()) == {"unlocked without a unit.unlocked event in the audit trail",
                                "an unlock is recorded, but the sign-off still reads as current"}


def test_a_seal_of_the_first_format_is_checked_for_what_it_holds(personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    first_format = {key: sign_off.seal[key] for key in ("enrolment", "unit", "files", "decisions")}
    first_format["decisions"] = [{k: v for k, v in d.items() if k not in ("mapped_by_assessor", "assessor_id")}
                                 for d in first_format["decisions"]]
    assert seal_differences(first_format, unit_seal(enrolment_unit)) == []
    decision = first_format["decisions"][0]
    _raw_update("UPDATE assessment_criteriondecision SET met = %s WHERE id = %s", [False, decision["id"]])
    _raw_update("UPDATE portfolios_evidence SET title = %s", ["Not in the first format"])
    assert seal_differences(first_format, unit_seal(enrolment_unit)) == [
        f"criterion {decision['criterion']} (decision {decision['id']}): met differs from the seal "
        "(sealed true, now false)"]

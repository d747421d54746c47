"""On PostgreSQL the lock itself is guarded: only the recorded unlock path can clear it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assessment.models import UnitUnlock
from assessment.services import unit_unlock
from portfolios.models import EnrolmentUnit

from .test_verify_seals import signed_off_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _execute(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("sql", [
    "UPDATE portfolios_enrolmentunit SET locked_at = NULL WHERE id = %s",
    "UPDATE portfolios_enrolmentunit SET locked_at = now() - interval '1 day' WHERE id = %s",
    "DELETE FROM portfolios_enrolmentunit WHERE id = %s",
])
def test_postgres_refuses_to_clear_change_or_delete_a_units_lock_by_sql(postgres, personas, sql):
    enrolment_unit, _ = signed_off_unit(personas)
    with pytest.raises(DatabaseError, match="signed off and locked"):
        _execute(sql, [enrolment_unit.pk])
    assert EnrolmentUnit.objects.get(pk=enrolment_unit.pk).locked_at is not None


def test_postgres_refuses_to_move_a_locked_unit_to_another_unit(postgres, personas):
    enrolment_unit, _ = signed_off_unit(personas)
    other = EnrolmentUnit.objects.exclude(pk=enrolment_unit.pk).get(enrolment=enrolment_unit.enrolment)
    with pytest.raises(DatabaseError, match="signed off and locked"):
        _execute("UPDATE portfolios_enrolmentunit SET unit_id = %s WHERE id = %s", [other.unit_id, enrolment_unit.pk])


def test_the_unlock_path_writes_its_record_first_and_postgres_lets_it_clear_the_lock(postgres, personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    unit_unlock(enrolment_unit=enrolment_unit, actor=personas.moderator, reason="Sampled: photo unclear.")
    unlock = UnitUnlock.objects.get(sign_off=sign_off)
    assert (unlock.unlocked_by, unlock.reason) == (personas.moderator, "Sampled: photo unclear.")
    assert unlock.transaction_id is not None
    assert EnrolmentUnit.objects.get(pk=enrolment_unit.pk).locked_at is None


def test_an_unlock_record_of_another_transaction_does_not_open_the_lock(postgres, personas):
    enrolment_unit, sign_off = signed_off_unit(personas)
    with transaction.atomic():
        UnitUnlock.objects.create(sign_off=sign_off, enrolment_unit=enrolment_unit, unlocked_by=personas.moderator,
                                  unlocked_at=timezone.now(), reason="written earlier", transaction_id=0)
    with pytest.raises(DatabaseError, match="recorded unlock"):
        _execute("UPDATE portfolios_enrolmentunit SET locked_at = NULL WHERE id = %s", [enrolment_unit.pk])


def test_postgres_keeps_unlock_records_append_only(postgres, personas):
    enrolment_unit, _ = signed_off_unit(personas)
    unit_unlock(enrolment_unit=enrolment_unit, actor=personas.moderator, reason="Sampled.")
    for sql in ["UPDATE assessment_unitunlock SET reason = 'forged'", "DELETE FROM assessment_unitunlock",
                "TRUNCATE assessment_unitunlock"]:
        with pytest.raises(DatabaseError, match="append-only"):
            _execute(sql, [])
    assert UnitUnlock.objects.get().reason == "Sampled."

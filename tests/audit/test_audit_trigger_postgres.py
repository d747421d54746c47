import pytest
from django.db import DatabaseError, connection, transaction

from audit.services import audit_record
from tests.factories import CentreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(postgres):
    with transaction.atomic():
        return audit_record(action="test.act", actor=UserFactory(), centre=CentreFactory(), data={"a": 1})


def test_postgres_refuses_update_of_an_audit_event(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])


def test_postgres_refuses_delete_of_an_audit_event(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_postgres_still_accepts_new_events(event):
    with transaction.atomic():
        second = audit_record(action="test.next", centre=CentreFactory())
    assert second.pk != event.pk

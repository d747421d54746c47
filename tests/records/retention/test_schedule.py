"""retention_schedule: the centre's rules (or the defaults) applied to a learner's enrolments."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from records.retention.models import RetentionRule
from records.retention.schedule import Kind, add_years, retention_schedule
from records.retention.services import hold_lift, hold_place, rule_update
from tests.portfolios.factories import make_enrolment, make_spec

from .helpers import YEAR, completed

pytestmark = pytest.mark.django_db


def rows_by_kind(personas, learner=None, today=None):
    rows = retention_schedule(learner=learner or personas.learner, centre=personas.centre, today=today)
    return {row.kind: row for row in rows}


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))


def test_a_centre_without_rules_answers_with_the_defaults_and_an_active_course_is_not_known_yet(personas, enrolment):
    assert not RetentionRule.objects.exists()
    rows = rows_by_kind(personas)
    assert set(rows) == set(Kind.values)
    assert all(row.keep_until is None and not row.due and not row.held for row in rows.values())
    assert rows[Kind.EVIDENCE_FILES].enrolment_id == enrolment.pk
    assert rows[Kind.LEARNER_DETAILS].enrolment_id is None  # one record per learner at the centre
    assert "not known yet" in rows[Kind.DECISIONS].reason
    assert not RetentionRule.objects.exists()  # answering writes nothing


def test_three_years_after_completion_by_default_and_due_from_that_day(personas, enrolment):
    completed(enrolment, personas.assessor)
    ended = timezone.localdate(enrolment.completed_at)
    rows = rows_by_kind(personas)
    assert all(row.keep_until == add_years(ended, 3) for row in rows.values())
    assert "3 years after completion" in rows[Kind.AWARDS].reason
    assert not rows[Kind.AWARDS].due
    assert rows_by_kind(personas, today=add_years(ended, 3))[Kind.AWARDS].due


def test_rule_edits_take_effect_latest_basis_wins(personas, enrolment):
    completed(enrolment, personas.assessor)
    ended = timezone.localdate(enrolment.completed_at)
    funded_until = add_years(ended, 6)
    rule_update(centre=personas.centre, kind=Kind.EVIDENCE_FILES, actor=personas.admin, years_after_end=5,
                years_after_eqa=None, keep_until_date=None)
    rule_update(centre=personas.centre, kind=Kind.DECISIONS, actor=personas.admin, years_after_end=1,
                years_after_eqa=None, keep_until_date=funded_until)
    rows = rows_by_kind(personas, today=add_years(ended, 4))
    assert rows[Kind.EVIDENCE_FILES].keep_until == add_years(ended, 5) and not rows[Kind.EVIDENCE_FILES].due
    assert rows[Kind.DECISIONS].keep_until == funded_until  # the fixed date is later than 1 year on
    assert "funded provision" in rows[Kind.DECISIONS].reason
    assert rows[Kind.AWARDS].keep_until == add_years(ended, 3) and rows[Kind.AWARDS].due  # still the default


def test_only_a_centre_admin_edits_the_rules(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        rule_update(centre=personas.centre, kind=Kind.AWARDS, actor=personas.assessor, years_after_end=0,
                    years_after_eqa=None, keep_until_date=None)
    with pytest.raises(PermissionDenied):
        rule_update(centre=personas.other_centre, kind=Kind.AWARDS, actor=personas.admin, years_after_end=0,
                    years_after_eqa=None, keep_until_date=None)


def test_a_legal_hold_stops_everything_it_covers_until_lifted(personas, enrolment):
    with time_machine.travel(timezone.now() - 4 * YEAR, tick=False):
        completed(enrolment, personas.assessor)
    hold = hold_place(centre=personas.centre, learner=personas.learner, reason="Tribunal claim 2026/114",
                      actor=personas.admin)
    rows = rows_by_kind(personas)
    assert all(row.held and not row.due and row.keep_until for row in rows.values())
    assert "legal hold: Tribunal claim 2026/114" in rows[Kind.AWARDS].reason
    hold_lift(hold=hold, reason="Claim settled", actor=personas.admin)
    assert all(row.due and not row.held for row in rows_by_kind(personas).values())


def test_a_centre_wide_hold_covers_every_learner(personas, enrolment):
    with time_machine.travel(timezone.now() - 4 * YEAR, tick=False):
        completed(enrolment, personas.assessor)
    hold_place(centre=personas.other_centre, learner=None, reason="Elsewhere",
               actor=_admin_of(personas.other_centre))
    assert all(row.due for row in rows_by_kind(personas).values())  # another centre's hold is not ours
    hold_place(centre=personas.centre, learner=None, reason="Funding audit", actor=personas.admin)
    assert not any(row.due for row in rows_by_kind(personas).values())


def test_withdrawal_counts_from_the_day_of_withdrawal(personas, enrolment):
    from portfolios.enrolments.services import enrolment_change_status

    withdrawn_on = timezone.now() - datetime.timedelta(days=100)
    with time_machine.travel(withdrawn_on, tick=False):
        enrolment_change_status(enrolment=enrolment, status="withdrawn", actor=personas.admin, reason="Moved away")
    row = rows_by_kind(personas)[Kind.QA_RECORDS]
    assert row.keep_until == add_years(timezone.localdate(withdrawn_on), 3)
    assert "withdrawal" in row.reason


def _admin_of(centre):
    from centres.models import Role
    from tests.factories import staff

    return staff(centre, Role.CENTRE_ADMIN)

"""The progress counts stored on each enrolment follow its rows through every real path, and stay right when an
enrolment read earlier is saved. Long lists (the caseload) read only these."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from centres.models import Membership, Role
from portfolios import progress_counts
from portfolios.enrolments.services import enrolment_create
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.assessment.test_review_and_sign_off_journey import decide, submit_evidence
from tests.conftest import client_for

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


def stored(enrolment) -> tuple[int, int]:
    row = Enrolment.objects.filter(pk=enrolment.pk).values_list("met_count", "criteria_count").get()
    return tuple(row)


def test_enrolling_counts_the_criteria_of_the_chosen_units_only(personas):
    version = make_spec(personas.centre, units=3, outcomes=2, criteria=3, mandatory_units=1, minimum_credits=20)
    units = list(version.units.order_by("position"))
    membership = Membership.objects.get(user=personas.learner, centre=personas.centre, role=Role.LEARNER)
    today = timezone.localdate()
    enrolment = enrolment_create(learner_membership=membership, version=version, units=units[:2],
                                 actor=personas.admin, start_date=today,
                                 planned_end_date=today + datetime.timedelta(days=200))
    assert stored(enrolment) == (0, 12)  # 2 units x 2 outcomes x 3 criteria
    assert progress_counts.drifted() == []


def test_an_accepted_decision_moves_the_stored_counts_and_the_caseload(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=4)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("position"))
    learner, assessor = client_for(personas.learner), client_for(personas.assessor)
    returned = submit_evidence(learner, enrolment, personas.learner, criteria[:3])
    decide(assessor, returned.submissions.get(), {c.pk: True for c in criteria[:3]}, "returned",
           feedback="Add the photo of the finished plate.")
    assert stored(enrolment) == (0, 4)  # nothing counts while returned

    accepted = submit_evidence(learner, enrolment, personas.learner, criteria[:3], title="Second attempt")
    assert decide(assessor, accepted.submissions.get(), {c.pk: True for c in criteria[:3]},
                  "accepted").status_code == 302
    assert stored(enrolment) == (3, 4)
    page = assessor.get(reverse("caseload")).content.decode()
    assert ">75%</td>" in page
    assert progress_counts.drifted() == []


def test_countersigned_decisions_count_only_once_countersigned(personas):
    Membership.objects.filter(user=personas.assessor, role=Role.ASSESSOR).update(qualified=False)
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    evidence = submit_evidence(client_for(personas.learner), enrolment, personas.learner, criteria)
    decide(client_for(personas.assessor), evidence.submissions.get(), {c.pk: True for c in criteria}, "accepted")
    assert stored(enrolment) == (0, 2)
    review = evidence.submissions.get().review
    client_for(personas.second_assessor).post(reverse("review_countersign", args=[review.pk]))
    assert stored(enrolment) == (2, 2)


def test_single_rows_saved_or_deleted_recount_and_a_cascade_leaves_nothing_behind(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=3, mandatory_units=0)
    first, second = version.units.order_by("position")
    enrolment = make_enrolment(personas.learner, personas.assessor, version, units=[first])
    assert stored(enrolment) == (0, 3)
    criterion = first.criteria.first()
    achieved = AchievedCriterion.objects.create(enrolment=enrolment, criterion=criterion, unit=first)
    assert stored(enrolment) == (1, 3)
    EnrolmentUnit.objects.create(enrolment=enrolment, unit=second)
    assert stored(enrolment) == (1, 6)
    # Achieved criteria of a unit no longer chosen do not count.
    AchievedCriterion.objects.create(enrolment=enrolment, criterion=second.criteria.first(), unit=second)
    EnrolmentUnit.objects.filter(enrolment=enrolment, unit=second).delete()
    assert stored(enrolment) == (1, 3)
    achieved.delete()
    assert stored(enrolment) == (0, 3)
    AchievedCriterion.objects.filter(enrolment=enrolment).delete()
    EnrolmentUnit.objects.filter(enrolment=enrolment).delete()
    enrolment.delete()
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_saving_an_enrolment_read_before_a_decision_keeps_the_new_counts(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    read_earlier = Enrolment.objects.get(pk=enrolment.pk)
    unit = version.units.get()
    for criterion in unit.criteria.all():
        AchievedCriterion.objects.create(enrolment=enrolment, criterion=criterion, unit=unit)
    read_earlier.status = Enrolment.Status.ON_BREAK
    read_earlier.save()
    assert stored(enrolment) == (2, 2)
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ON_BREAK


def test_a_bulk_write_that_skipped_the_recount_is_found_and_repaired(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=3)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.get()
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolment, criterion=c, unit=unit)
                                          for c in unit.criteria.all())  # no signals, no recount
    assert progress_counts.drifted() == [enrolment.pk]
    with pytest.raises(CommandError, match="1 enrolments"):
        call_command("progress_counts", "--check")
    assert stored(enrolment) == (0, 3)  # --check changes nothing
    call_command("progress_counts")
    assert stored(enrolment) == (3, 3)
    call_command("progress_counts", "--check")


def test_the_migration_counts_existing_enrolments_as_refresh_does(personas):
    import importlib

    from django.apps import apps

    version = make_spec(personas.centre, units=2, outcomes=1, criteria=3, mandatory_units=0)
    first, second = version.units.order_by("position")
    enrolment = make_enrolment(personas.learner, personas.assessor, version, units=[first])
    AchievedCriterion.objects.bulk_create([AchievedCriterion(enrolment=enrolment, criterion=c, unit=c.unit)
                                           for c in [*first.criteria.all()[:2], *second.criteria.all()[:1]]])
    Enrolment.objects.filter(pk=enrolment.pk).update(criteria_count=0, met_count=0)
    migration = importlib.import_module("portfolios.migrations.0007_enrolment_progress_counts")
    migration.count_progress(apps, None)
    assert stored(enrolment) == (2, 3)
    assert progress_counts.drifted() == []

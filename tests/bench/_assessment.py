"""Scenarios: an assessor's queue of 2,000 waiting items, and signing off a unit of 60 evidence items.

Everything is written in bulk straight through the ORM: the point is the page and the sign-off, not how
fast evidence can be submitted one item at a time.
"""

import datetime
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import CriterionDecision, Review
from assessment.services import unit_sign_off
from badges.models import Award
from centres.models import Centre, Membership, Role
from leap import demo
from portfolios import progress_counts
from portfolios.models import (
    AchievedCriterion,
    Enrolment,
    EnrolmentUnit,
    Evidence,
    EvidenceCriterion,
    EvidenceFile,
    EvidenceSubmission,
)
from qualifications.models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit

from ._measure import PageFailure, Row, page_rows

User = get_user_model()

QUEUE_URL, WORKLOAD_URL = "/assessment/queue/", "/assessment/workload/"
QUEUE_ITEMS, QUEUE_LEARNERS, QUEUE_UNITS = 2000, 200, 6
SIGN_OFF_ITEMS, SIGN_OFF_CRITERIA, SIGN_OFF_REPEATS = 60, 30, 5


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _specification(centre: Centre, code: str, units: int, criteria: int) -> QualificationVersion:
    """A published, frozen qualification of `units` units of one outcome of `criteria` criteria each."""
    qualification = Qualification.objects.create(centre=centre, code=code)
    version = QualificationVersion.objects.create(
        qualification=qualification, number=1, title=f"{code} bench qualification", level="3",
        status=QualificationVersion.Status.PUBLISHED, frozen_at=timezone.now())
    made = Unit.objects.bulk_create(Unit(version=version, position=u, code=f"{code}-U{u + 1}", title=f"Unit {u + 1}",
                                         credits=10) for u in range(units))
    outcomes = LearningOutcome.objects.bulk_create(LearningOutcome(unit=u, position=0, number="1", text="Outcome")
                                                   for u in made)
    AssessmentCriterion.objects.bulk_create(
        AssessmentCriterion(outcome=o, unit_id=o.unit_id, position=c, number=f"1.{c + 1}", text=f"Criterion {c + 1}")
        for o in outcomes for c in range(criteria))
    return version


def _learners(centre: Centre, assessor, prefix: str, count: int) -> list:
    users = User.objects.bulk_create(User(email=f"{prefix}{i:04d}@bench.leap.test", first_name="Bench",
                                          last_name=f"{prefix.title()} {i:04d}") for i in range(count))
    Membership.objects.bulk_create(Membership(user=u, centre=centre, role=Role.LEARNER, assessor=assessor)
                                   for u in users)
    return users


def _enrol(centre: Centre, version, assessor, learners) -> list[Enrolment]:
    today = timezone.localdate()
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(centre=centre, learner=u, version=version, assessor=assessor,
                  start_date=today - datetime.timedelta(days=90), planned_end_date=today + datetime.timedelta(days=270))
        for u in learners)
    units = list(version.units.all())
    EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=e, unit=u) for e in enrolments for u in units)
    progress_counts.refresh(e.pk for e in enrolments)
    return enrolments


def settle_statistics() -> None:
    """What autovacuum does within a minute of bulk writes like these: the planner's statistics and the visibility
    map (index-only scans). Measured straight after a bulk load, PostgreSQL plans with no statistics at all (it then
    takes 2,000 waiting items for one row and loops over them), which no running database does."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _files(evidence: list[Evidence], per_item: int) -> list[EvidenceFile]:
    return [EvidenceFile(evidence=e, file=f"evidence/bench-{e.pk}-{n}.jpg", original_name=f"photo-{n + 1}.jpg",
                         extension=".jpg", kind=EvidenceFile.Kind.IMAGE, content_type="image/jpeg", size=250_000,
                         sha256=f"{e.pk:032x}{n:032x}", processed_at=e.submitted_at)
            for e in evidence for n in range(per_item)]


# --- Scenario A: the queue ---------------------------------------------------------------------------------

def build_queue(centre: Centre, assessor) -> None:
    """2,000 submitted items, one claim and one photo each, spread over 200 learners and the last 60 days."""
    version = _specification(centre, "BENCH-QUEUE", QUEUE_UNITS, 5)
    enrolments = _enrol(centre, version, assessor, _learners(centre, assessor, "queue", QUEUE_LEARNERS))
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("unit__position", "position"))
    now = timezone.now()
    evidence = Evidence.objects.bulk_create(
        (Evidence(enrolment=enrolments[i % QUEUE_LEARNERS], title=f"Bench evidence {i:04d}", method="product",
                  status=Evidence.Status.SUBMITTED, submitted_at=now - datetime.timedelta(minutes=43 * i + 5),
                  declared_at=now - datetime.timedelta(minutes=43 * i + 5)) for i in range(QUEUE_ITEMS)),
        batch_size=500)
    claimed = [criteria[i % len(criteria)] for i in range(QUEUE_ITEMS)]
    EvidenceCriterion.objects.bulk_create(
        (EvidenceCriterion(evidence=e, criterion=c, unit_id=c.unit_id) for e, c in zip(evidence, claimed, strict=True)),
        batch_size=1000)
    EvidenceSubmission.objects.bulk_create(
        (EvidenceSubmission(evidence=e, number=1, submitted_at=e.submitted_at, title=e.title, claimed=[c.pk])
         for e, c in zip(evidence, claimed, strict=True)), batch_size=1000)
    EvidenceFile.objects.bulk_create(_files(evidence, 1), batch_size=1000)


def queue_pages(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    start = time.perf_counter()
    with transaction.atomic():
        build_queue(centre, assessor)
    built = time.perf_counter() - start
    settle_statistics()
    client, admin = _client(assessor), _client(User.objects.get(email=demo.ADMIN.email))
    return ([Row(scenario, f"bulk-create {QUEUE_ITEMS} submitted items", "total", round(built, 2), "s")]
            + page_rows(scenario, f"{QUEUE_URL} ({QUEUE_ITEMS} waiting) as assessor", client, QUEUE_URL)
            + page_rows(scenario, f"{QUEUE_URL}?page=20 as assessor", client, f"{QUEUE_URL}?page=20")
            + page_rows(scenario, f"{QUEUE_URL}?age=7 (filtered) as assessor", client, f"{QUEUE_URL}?age=7")
            + page_rows(scenario, f"{WORKLOAD_URL} as centre admin", admin, WORKLOAD_URL))


# --- Scenario B: sign-off ------------------------------------------------------------------------------------

def build_signed_off_ready(centre: Centre, assessor, version, learner) -> EnrolmentUnit:
    """An enrolment whose first unit is fully met through 60 accepted items of 2 files, each deciding 2 criteria."""
    [enrolment] = _enrol(centre, version, assessor, [learner])
    unit = version.units.order_by("position").first()
    criteria = list(unit.criteria.order_by("position"))
    now = timezone.now()
    evidence = Evidence.objects.bulk_create(
        Evidence(enrolment=enrolment, title=f"Signed-off evidence {i:02d}", method="product",
                 status=Evidence.Status.ACCEPTED, submitted_at=now - datetime.timedelta(days=60 - i, hours=2))
        for i in range(SIGN_OFF_ITEMS))
    claims = {e.pk: [criteria[(2 * i) % len(criteria)], criteria[(2 * i + 1) % len(criteria)]]
              for i, e in enumerate(evidence)}
    EvidenceCriterion.objects.bulk_create(EvidenceCriterion(evidence=e, criterion=c, unit=unit)
                                          for e in evidence for c in claims[e.pk])
    EvidenceFile.objects.bulk_create(_files(evidence, 2))
    submissions = EvidenceSubmission.objects.bulk_create(
        EvidenceSubmission(evidence=e, number=1, submitted_at=e.submitted_at, title=e.title,
                           claimed=[c.pk for c in claims[e.pk]]) for e in evidence)
    reviews = Review.objects.bulk_create(
        Review(submission=s, assessor=assessor, outcome=Review.Outcome.ACCEPTED, feedback="Well done.",
               decided_at=s.submitted_at + datetime.timedelta(hours=1)) for s in submissions)
    CriterionDecision.objects.bulk_create(
        CriterionDecision(review=r, enrolment=enrolment, unit=unit, criterion=c, met=True, decided_at=r.decided_at)
        for r, s in zip(reviews, submissions, strict=True) for c in claims[s.evidence_id])
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolment, criterion=c, unit=unit)
                                          for c in criteria)
    progress_counts.refresh([enrolment.pk])
    return EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)


def sign_off_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    version = _specification(centre, "BENCH-SIGNOFF", 2, SIGN_OFF_CRITERIA)
    learners = _learners(centre, assessor, "signoff", SIGN_OFF_REPEATS + 1)
    with transaction.atomic():
        ready = [build_signed_off_ready(centre, assessor, version, learner) for learner in learners]
    unit_sign_off(enrolment_unit=ready.pop(), actor=assessor, declared=True)  # warm up
    alone_ms, alone_queries, whole_ms, whole_queries = [], 0, [], 0
    for enrolment_unit in ready:
        sign_off, (alone, whole) = _timed_sign_off(enrolment_unit, assessor)
        (a_seconds, alone_queries), (w_seconds, whole_queries) = alone, whole
        alone_ms.append(a_seconds * 1000)
        whole_ms.append(w_seconds * 1000)
        files = len(sign_off.seal["files"])
        if files != 2 * SIGN_OFF_ITEMS:
            raise PageFailure(f"the seal holds {files} files, expected {2 * SIGN_OFF_ITEMS}")
        if not Award.objects.filter(sign_off=sign_off).exclude(baked_ob3="").exclude(credential_ob3={}).exists():
            raise PageFailure("the sign-off did not award, bake and sign the unit badge")
    alone_label = f"unit_sign_off alone ({SIGN_OFF_ITEMS} items): seal, lock, audit, commit; no badge"
    whole_label = (f"unit_sign_off + what its commit runs ({SIGN_OFF_ITEMS} items): unit badge awarded, baked "
                   "(OB 2.0, 3.0), signed, learner emailed; eager")
    rows = []
    for label, samples, queries in ((alone_label, alone_ms, alone_queries), (whole_label, whole_ms, whole_queries)):
        rows += [Row(scenario, label, f"wall time (median of {len(samples)})", round(statistics.median(samples), 1),
                     "ms"),
                 Row(scenario, label, "wall time (max)", round(max(samples), 1), "ms"),
                 Row(scenario, label, "queries (one sign-off)", queries, "queries")]
    return rows


def _timed_sign_off(enrolment_unit: EnrolmentUnit, assessor):
    """Sign off once: ((seconds, queries) up to the commit, (seconds, queries) including everything the commit
    runs). A callback queued before the sign-off's own runs first after the commit, so it marks the split."""
    marks: list[tuple[float, int]] = []
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda: marks.append((time.perf_counter() - start, _queries(captured))))
            sign_off = unit_sign_off(enrolment_unit=enrolment_unit, actor=assessor, declared=True)
        whole = (time.perf_counter() - start, _queries(captured))
    return sign_off, (marks[0], whole)


def _queries(captured: CaptureQueriesContext) -> int:
    # The outer transaction that marks the split adds savepoints the sign-off alone would not make.
    return sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper())



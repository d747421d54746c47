"""Scenario: the management information reports of a centre of 10,000 learners.

A centre of its own: 10,000 learners of 50 assessors on 3 qualifications of 12 units x 40 criteria, in 24 monthly
cohorts, 70 % active, 8 % on a break, 12 % completed, 10 % withdrawn; 20 evidence items each (200,000), each
claiming 5 criteria; every item but the waiting ones decided (about 1,000,000 criterion decisions, met ones
achieved), one in ten returned for resubmission, the first five assessors' decisions needing a countersignature;
a current sampling plan per qualification (a tenth of the learners), a third of its items signed with actions,
observations, and signed EQA reports with action points. People, enrolments and the IQA records are written in
bulk through the ORM; the portfolios (millions of rows) by PostgreSQL itself, so the scenario needs PostgreSQL.

Each report is measured twice: its `compute` alone (the report function, as the page and the exports call it),
and its whole page as the centre admin; then the centre admin's home (its headline figures worked out, and the
page as served while they are kept) and the at-risk list's XLSX export (the whole request: compute, the file, the
audit event). A report over 10 s is timed twice and its page not at all (no page rows then).
"""

import datetime
import os
import statistics
import sys
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import CriterionDecision
from centres.models import Centre, Membership, Role
from insights.headlines import RECENT_SECONDS, headlines
from insights.reports import catalogue  # noqa: F401 (every report registered)
from insights.reports.base import CATALOGUE, Filters
from leap.views import ADMIN_HEADLINES
from moderation.external.reports.models import EqaActionPoint, EqaChecklistItem, EqaRating, EqaReport
from moderation.models import (
    EqaGrant,
    Observation,
    PlanItem,
    Sample,
    SampleAction,
    SampleKind,
    SamplingPlan,
    SamplingStrategy,
)
from portfolios.models import (
    Enrolment,
    Evidence,
)
from qualifications.models import AssessmentCriterion
from tests.factories import with_totp

from ._assessment import _client, _specification
from ._measure import DEFAULT_REPEATS, MEDIAN_MS, P95_MS, QUERIES, Row, _p95, page_rows

User = get_user_model()

# LEAP_BENCH_MI_LEARNERS: a smaller centre, to try the scenario quickly (the rows say how many learners).
MI_LEARNERS = int(os.environ.get("LEAP_BENCH_MI_LEARNERS", "10000"))
MI_ASSESSORS, MI_QUALIFICATIONS, MI_UNITS, MI_CRITERIA = 50, 3, 12, 40
STATUSES = ([Enrolment.Status.ACTIVE] * 35 + [Enrolment.Status.ON_BREAK] * 4 + [Enrolment.Status.COMPLETED] * 6
            + [Enrolment.Status.WITHDRAWN] * 5)  # 70 %, 8 %, 12 %, 10 %
CENTRE_NAME = "Bench MI College"


def _day(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _people(centre: Centre) -> tuple[User, User, list[User]]:
    admin = with_totp(User.objects.create(email="mi-admin@bench.leap.test", first_name="Mi", last_name="Admin"))
    moderator = User.objects.create(email="mi-moderator@bench.leap.test", first_name="Mi", last_name="Moderator")
    assessors = User.objects.bulk_create(User(email=f"mi-assessor{i:02d}@bench.leap.test", first_name="Assessor",
                                              last_name=f"{i:02d}") for i in range(MI_ASSESSORS))
    Membership.objects.bulk_create([Membership(user=admin, centre=centre, role=Role.CENTRE_ADMIN),
                                    Membership(user=moderator, centre=centre, role=Role.MODERATOR)]
                                   + [Membership(user=a, centre=centre, role=Role.ASSESSOR) for a in assessors])
    return admin, moderator, assessors


def _enrolments(centre, versions, assessors, today) -> None:
    """The learners and their enrolments, through the ORM in bulk (10,000 of each)."""
    users = User.objects.bulk_create((User(email=f"mi-learner{i:05d}@bench.leap.test", first_name="Learner",
                                           last_name=f"{i:05d}") for i in range(MI_LEARNERS)), batch_size=2000)
    Membership.objects.bulk_create((Membership(user=u, centre=centre, role=Role.LEARNER,
                                               assessor=assessors[i % MI_ASSESSORS]) for i, u in enumerate(users)),
                                   batch_size=2000)
    enrolments = []
    for i, user in enumerate(users):
        start = today - datetime.timedelta(days=30 * (i % 24) + 5)
        end = start + datetime.timedelta(days=365 + 30 * (i % 4))
        status = STATUSES[i % len(STATUSES)]
        completed = _day(min(today, end + datetime.timedelta(days=40 * (i % 5) - 60))) \
            if status == Enrolment.Status.COMPLETED else None
        enrolments.append(Enrolment(centre=centre, learner=user, version=versions[i % MI_QUALIFICATIONS][0],
                                    assessor=assessors[i % MI_ASSESSORS], start_date=start, planned_end_date=end,
                                    status=status, completed_at=completed))
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)


# The portfolios, written by PostgreSQL itself (INSERT ... SELECT): millions of rows, no Python objects. Enrolment i
# (0-based, by id) has 20 evidence items k = 0..19, item k claiming its qualification's criteria 5k .. 5k + 4;
# the last item of every fourth active learner is waiting; item 9 and 19 are returned (decided not met); the rest
# accepted, decided (i + k) % 15 days and 5 hours after submission, met and achieved.
PORTFOLIO_SQL = (
    """INSERT INTO portfolios_enrolmentunit (enrolment_id, unit_id)
       SELECT e.id, u.id FROM portfolios_enrolment e JOIN qualifications_unit u ON u.version_id = e.version_id
       WHERE e.centre_id = %(centre)s""",
    """CREATE TEMPORARY TABLE mi_e ON COMMIT DROP AS
       SELECT e.*, row_number() OVER (ORDER BY e.id) - 1 AS i FROM portfolios_enrolment e
       WHERE e.centre_id = %(centre)s""",
    """INSERT INTO portfolios_evidence (enrolment_id, title, reflection, method, activity_place, status, revision,
                                        created_at, updated_at, submitted_at, declaration, draft_token)
       SELECT e.id, 'Task ' || (k + 1), '', 'observation',
              (ARRAY['Training kitchen', 'Restaurant', 'Salon'])[k %% 3 + 1],
              CASE WHEN e.status = 'active' AND k = 19 AND e.i %% 4 = 0 THEN 'submitted'
                   WHEN k %% 10 = 9 THEN 'returned' ELSE 'accepted' END, 1, %(now)s, %(now)s,
              (e.start_date + (GREATEST(LEAST(%(today)s::date, e.planned_end_date) - e.start_date, 1) * k / 20))
                  + time '10:00', '{}', ''
       FROM mi_e e CROSS JOIN generate_series(0, 19) AS k ORDER BY e.id, k""",
    """CREATE TEMPORARY TABLE mi_ev ON COMMIT DROP AS
       SELECT ev.id AS evidence_id, ev.status, ev.submitted_at, split_part(ev.title, ' ', 2)::int - 1 AS k, e.id AS
              enrolment_id, e.i, e.assessor_id, e.version_id
       FROM portfolios_evidence ev JOIN mi_e e ON ev.enrolment_id = e.id""",
    """INSERT INTO portfolios_evidencesubmission (evidence_id, number, submitted_at, title, reflection, declaration,
                                                  claimed)
       SELECT evidence_id, 1, submitted_at, 'Task', '', '{}', '[]' FROM mi_ev ORDER BY evidence_id""",
    """CREATE TEMPORARY TABLE mi_c ON COMMIT DROP AS
       SELECT c.id, c.unit_id, u.version_id, row_number() OVER (PARTITION BY u.version_id
                                                                 ORDER BY u.position, c.position) - 1 AS idx
       FROM qualifications_assessmentcriterion c JOIN qualifications_unit u ON c.unit_id = u.id
       WHERE u.version_id IN (SELECT DISTINCT version_id FROM mi_e)""",
    """INSERT INTO portfolios_evidencecriterion (evidence_id, criterion_id, unit_id)
       SELECT ev.evidence_id, c.id, c.unit_id FROM mi_ev ev CROSS JOIN generate_series(0, 4) AS j
       JOIN mi_c c ON c.version_id = ev.version_id AND c.idx = ev.k * 5 + j""",
    """INSERT INTO assessment_review (submission_id, assessor_id, started_at, outcome, feedback, actions,
                                      voice_feedback, voice_feedback_type, decided_at, needs_countersign,
                                      countersigned_at)
       SELECT s.id, ev.assessor_id, d.at, CASE WHEN ev.status = 'returned' THEN 'returned' ELSE 'accepted' END, '',
              '', '', '', d.at, ev.i %% 50 < 5, CASE WHEN ev.i %% 50 < 5 AND ev.k %% 2 = 1 THEN d.at END
       FROM portfolios_evidencesubmission s JOIN mi_ev ev ON s.evidence_id = ev.evidence_id
       CROSS JOIN LATERAL (SELECT LEAST(ev.submitted_at + ((ev.i + ev.k) %% 15) * interval '1 day'
                                        + interval '5 hours', %(now)s) AS at) d
       WHERE ev.status <> 'submitted'""",
    """INSERT INTO assessment_criteriondecision (review_id, enrolment_id, unit_id, criterion_id, met,
                                                 mapped_by_assessor, decided_at)
       SELECT r.id, ev.enrolment_id, ec.unit_id, ec.criterion_id, ev.status = 'accepted', false, r.decided_at
       FROM assessment_review r JOIN portfolios_evidencesubmission s ON r.submission_id = s.id
       JOIN mi_ev ev ON ev.evidence_id = s.evidence_id JOIN portfolios_evidencecriterion ec
           ON ec.evidence_id = ev.evidence_id""",
    """INSERT INTO portfolios_achievedcriterion (enrolment_id, criterion_id, unit_id, achieved_at)
       SELECT d.enrolment_id, d.criterion_id, d.unit_id, d.decided_at FROM assessment_criteriondecision d
       JOIN mi_e e ON d.enrolment_id = e.id WHERE d.met""",
)


def _portfolios(centre, today) -> None:
    params = {"centre": centre.pk, "today": today, "now": timezone.now()}
    with connection.cursor() as cursor:
        # Without the lock triggers for this load (a superuser's replica session, as the test flush does): no unit
        # is signed off, so they would refuse nothing, but each of them looks up the rows written before it in the
        # same transaction, which grows with the square of a million rows.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql in PORTFOLIO_SQL:
            cursor.execute(sql, params)


def _quality(centre, versions, moderator, admin, today) -> None:
    now = timezone.now()
    for version, units, _criteria in versions:
        strategy = SamplingStrategy.objects.create(centre=centre, qualification=version.qualification,
                                                   status=SamplingStrategy.Status.APPROVED, created_by=moderator)
        start, end = strategy.cycle_for(strategy.cycle_start_year_of(today))
        enrolments = list(Enrolment.objects.filter(version=version).order_by("pk")[::10])
        seen = sorted({(e.assessor_id, u.code) for e in enrolments for u in units[:2]})
        plan = SamplingPlan.objects.create(strategy=strategy, centre=centre, cycle_start=start, cycle_end=end,
                                           seed="bench", generated_by=moderator, summary={"seen": {
                                               "assessor_units": [[a, u, 1] for a, u in seen],
                                               "cohorts": [[f"{e.start_date:%Y-%m}", 1] for e in enrolments[:24]]}})
        items = PlanItem.objects.bulk_create(
            PlanItem(plan=plan, enrolment=e, unit=units[n % 2], assessor_id=e.assessor_id, reason="rate: tier=low",
                     kind=SampleKind.INTERIM if n % 2 else SampleKind.SUMMATIVE, position=n)
            for n, e in enumerate(enrolments))
        samples = Sample.objects.bulk_create(
            Sample(centre=centre, plan_item=item, enrolment_id=item.enrolment_id, unit_id=item.unit_id,
                   assessor_id=item.assessor_id, moderator=moderator, kind=item.kind, status=Sample.Status.SIGNED,
                   outcome=tuple(Sample.Outcome)[n % 4], signed_at=now) for n, item in enumerate(items[::3]))
        SampleAction.objects.bulk_create(
            SampleAction(sample=s, text="Review", owner_id=s.assessor_id,
                         due_date=today + datetime.timedelta(days=n % 20 - 10)) for n, s in enumerate(samples[::2]))
    assessors = Membership.objects.filter(centre=centre, role=Role.ASSESSOR).values_list("user_id", flat=True)
    Observation.objects.bulk_create(Observation(centre=centre, assessor_id=a, moderator=moderator,
                                                scheduled_for=today + datetime.timedelta(days=d))
                                    for a in assessors for d in (-3, 20))
    grant = EqaGrant.objects.create(centre=centre, email="mi-eqa@bench.leap.test", awarding_body="Bench body",
                                    scope=EqaGrant.Scope.CENTRE, starts_at=now,
                                    expires_at=now + datetime.timedelta(days=14), created_by=admin)
    item = EqaChecklistItem.objects.create(centre=centre, text="Records are accurate")
    for rating in ("red", "amber", "green"):
        report = EqaReport.objects.create(grant=grant, centre=centre, author=admin, status=EqaReport.Status.SIGNED,
                                          visit_date=today)
        EqaRating.objects.create(report=report, item=item, text=item.text, rating=rating)
        EqaActionPoint.objects.bulk_create(EqaActionPoint(report=report, centre=centre, text="Act", owner=admin,
                                                          due_date=today) for _ in range(4))


def build_mi_centre() -> tuple[Centre, User]:
    today = timezone.localdate()
    centre = Centre.objects.create(name=CENTRE_NAME, slug="bench-mi", country="GB")
    admin, moderator, assessors = _people(centre)
    versions = []
    for q in range(MI_QUALIFICATIONS):
        version = _specification(centre, f"MI-Q{q + 1}", MI_UNITS, MI_CRITERIA)
        units = list(version.units.order_by("position"))
        criteria = list(AssessmentCriterion.objects.filter(unit__version=version)
                        .order_by("unit__position", "position").values_list("pk", "unit_id"))
        versions.append((version, units, criteria))
    with transaction.atomic():
        _enrolments(centre, versions, assessors, today)
        _portfolios(centre, today)
    with transaction.atomic():
        _quality(centre, versions, moderator, admin, today)
    with connection.cursor() as cursor:  # what autovacuum would have done after such writes: statistics, visibility
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return centre, admin


SLOW_MS, TOO_SLOW_MS = 1000, 10_000


def _measure_compute(report, enrolments, today) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, runs timed): once to warm up, once counting queries, then 15 timed runs, or 3
    for a report over 1 s, or none more for one over 10 s (its two runs are the samples)."""
    def run() -> float:
        start = time.perf_counter()
        report.compute(enrolments, filters=Filters(), today=today)
        return (time.perf_counter() - start) * 1000

    warm = run()
    with CaptureQueriesContext(connection) as captured:
        counted = run()
    repeats = 0 if min(warm, counted) > TOO_SLOW_MS else 3 if min(warm, counted) > SLOW_MS else DEFAULT_REPEATS
    samples = [run() for _ in range(repeats)] or [warm, counted]
    return statistics.median(samples), _p95(samples), len(captured), len(samples)


def insights_rows(scenario: str) -> list[Row]:
    if connection.vendor != "postgresql":
        print("  skipped: the 10,000-learner centre is built by PostgreSQL (set DATABASE_URL)", file=sys.stderr)
        return []
    start = time.perf_counter()
    centre, admin = build_mi_centre()
    built = time.perf_counter() - start
    print(f"  built in {built:.0f} s", file=sys.stderr, flush=True)
    size = (f"{MI_LEARNERS:,} learners, {MI_QUALIFICATIONS} qualifications x {MI_UNITS} units x {MI_CRITERIA} "
            f"criteria, {Evidence.objects.filter(enrolment__centre=centre).count():,} evidence items, "
            f"{CriterionDecision.objects.filter(enrolment__centre=centre).count():,} decisions, {connection.vendor}")
    rows = [Row(scenario, f"bulk-create the centre ({size})", "total", round(built, 1), "s")]
    enrolments = Enrolment.objects.filter(centre=centre)
    today = timezone.localdate()
    client = _client(admin)
    slow: set[str] = set()
    for slug, report in CATALOGUE.items():
        median_ms, p95_ms, queries, runs = _measure_compute(report, enrolments, today)
        what = f"{slug}: compute over the whole centre, no filters ({MI_LEARNERS:,} learners; {runs} timed runs)"
        measured = [Row(scenario, what, MEDIAN_MS, round(median_ms, 2), "ms"),
                    Row(scenario, what, P95_MS, round(p95_ms, 2), "ms"),
                    Row(scenario, what, QUERIES, queries, "queries")]
        if median_ms > TOO_SLOW_MS:
            slow.add(slug)  # its page would take as long again, for nothing new
        else:
            measured += page_rows(scenario, f"/insights/{slug}/ (the whole request, charts and table) as centre "
                                  "admin", client, f"/insights/{slug}/", repeats=3 if median_ms > SLOW_MS else 9)
        _progress(measured)
        rows += measured
    rows += _admin_home_rows(scenario, client, enrolments, today)
    if "at_risk" in CATALOGUE and "at_risk" not in slow:
        measured = page_rows(scenario, "/insights/at_risk/export.xlsx (the at-risk list as XLSX: compute, the file, "
                             "the audit event) as centre admin", client, "/insights/at_risk/export.xlsx", repeats=3)
        _progress(measured)
        rows += measured
    return rows


def _admin_home_rows(scenario: str, client, enrolments, today) -> list[Row]:
    """The centre admin's home: its headline figures worked out (what a request finds when they are not kept, at
    most once every few minutes per centre), and the whole page as it is served the rest of the time."""
    samples = []
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            start = time.perf_counter()
            headlines(enrolments, wanted=ADMIN_HEADLINES, today=today)
            samples.append((time.perf_counter() - start) * 1000)
    what = (f"/ (home) as centre admin: the headline figures worked out ({MI_LEARNERS:,} learners; 3 runs; once per "
            f"{RECENT_SECONDS // 60} minutes per centre)")
    measured = [Row(scenario, what, MEDIAN_MS, round(statistics.median(samples), 1), "ms"),
                Row(scenario, what, QUERIES, len(captured) // 3, "queries")]
    measured += page_rows(scenario, f"/ (home, the whole request) as centre admin, headline figures kept from "
                          f"an earlier request ({MI_LEARNERS:,} learners)", client, "/")
    _progress(measured)
    return measured


def _progress(rows: list[Row]) -> None:
    """Each report's rows as soon as they are measured: the slow ones take minutes at this size."""
    for row in rows:
        print(f"  {row.page}: {row.measure} {row.value} {row.unit}", file=sys.stderr, flush=True)

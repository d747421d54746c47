"""The bench scenarios. Import only after ``django.setup()``.

A scenario is a function that sets up its data and returns rows; add one by writing the function and
putting it in SCENARIOS. Scenarios run in order on the same database, so each builds on what ran
before (and seeds whatever it relies on itself: ``seed_demo`` is safe to run again).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from centres.models import Centre
from centres.services import learner_register
from leap import demo
from notifications.models import Notification
from portfolios import progress_counts

from ._assessment import QUEUE_ITEMS, SIGN_OFF_ITEMS, queue_pages, settle_statistics, sign_off_rows
from ._badges import BADGE_AWARDS, badge_rows
from ._certificates import CERTIFICATES, certificate_rows
from ._dashboards import dashboard_rows
from ._exports import EXPORT_MB, export_rows
from ._insights import MI_LEARNERS, insights_rows
from ._measure import Row, page_rows
from ._packs import PACK_EVIDENCE_MB, PACK_LEARNERS, pack_rows
from ._plans import PLAN_LEARNERS, plan_rows
from ._throughput import throughput_rows
from ._upload import UPLOAD_MB, upload_and_thumbnails

User = get_user_model()

HOME_URL = "/"
LEARNER_LIST_URL = "/centre/learners/"
BULK_LEARNERS = 500

# (label, demo email) of the people whose home page is measured, one per role.
ROLE_LOGINS: tuple[tuple[str, str], ...] = (
    ("learner", demo.LEARNERS[0].email),
    ("assessor", demo.ASSESSORS[0].email),
    ("moderator", f"moderator@{demo.DOMAIN}"),
    ("external moderator", f"eqa@{demo.DOMAIN}"),
    ("centre admin", demo.ADMIN.email),
)


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[str], list[Row]]  # given its name, returns its rows


def client_for(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def role_home_rows(scenario: str) -> list[Row]:
    rows: list[Row] = []
    for label, email in ROLE_LOGINS:
        rows += page_rows(scenario, f"{HOME_URL} as {label}", client_for(email), HOME_URL)
    return rows


# --- Scenario 1 --------------------------------------------------------------------------------------

def home_pages_demo(scenario: str) -> list[Row]:
    demo.seed_demo()
    return role_home_rows(scenario)


# --- Scenario 2 --------------------------------------------------------------------------------------

FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Leo")
LAST_NAMES = ("Adams", "Baker", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jones",
              "Kowalski", "Lindqvist", "Moreau", "Novak", "O'Brien", "Patel", "Quinn", "Reyes", "Silva",
              "Tanaka", "Urban", "Vidal", "Walsh", "Young", "Zimmer")


def register_learners(centre: Centre, count: int) -> None:
    """Register ``count`` learners in one transaction, alternating between the two demo assessors."""
    admin = User.objects.get(email=demo.ADMIN.email)
    assessors = [User.objects.get(email=p.email) for p in demo.ASSESSORS]
    with transaction.atomic():  # the welcome emails go out (eagerly) when this commits
        for i in range(count):
            learner_register(
                centre=centre, email=f"bench.learner{i:04d}@bench.leap.test",
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)], last_name=LAST_NAMES[i % len(LAST_NAMES)],
                assessor=assessors[i % len(assessors)], actor=admin,
            )


def registration_rows(scenario: str, centre: Centre, count: int) -> list[Row]:
    operation = f"register {count} learners"
    sent_before = _welcome_emails_sent()
    start = time.perf_counter()
    register_learners(centre, count)
    seconds = time.perf_counter() - start
    return [
        Row(scenario, operation, "total", round(seconds, 3), "s"),
        Row(scenario, operation, "rate", round(count / seconds, 1), "learners/s"),
        Row(scenario, operation, "welcome emails sent", _welcome_emails_sent() - sent_before, "emails"),
    ]


def _welcome_emails_sent() -> int:
    return Notification.objects.filter(kind="learner_welcome", email_sent_at__isnull=False).count()


def home_pages_many_learners(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    rows = registration_rows(scenario, centre, BULK_LEARNERS)
    rows += role_home_rows(scenario)
    for label, email in (("centre admin", demo.ADMIN.email), ("assessor", demo.ASSESSORS[0].email)):
        rows += page_rows(scenario, f"{LEARNER_LIST_URL} as {label}", client_for(email), LEARNER_LIST_URL)
    return rows


# --- Scenario 3: a large caseload ------------------------------------------------------------------------

CASELOAD_LEARNERS, CASELOAD_UNITS, CASELOAD_CRITERIA = 150, 12, 40


def big_specification(centre: Centre):
    """A published qualification of 12 units x 40 criteria (5 outcomes of 8), built in bulk."""
    from django.utils import timezone

    from qualifications.models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit

    qualification, _ = Qualification.objects.get_or_create(centre=centre, code="BENCH-12x40")
    version = QualificationVersion.objects.filter(qualification=qualification).first()
    if version is not None:
        return version
    version = QualificationVersion.objects.create(
        qualification=qualification, number=1, title="Bench Diploma (12 units x 40 criteria)", level="3",
        status=QualificationVersion.Status.PUBLISHED, frozen_at=timezone.now())
    units = Unit.objects.bulk_create(
        Unit(version=version, position=u, code=f"B{u + 1:02d}", title=f"Bench unit {u + 1}", credits=10)
        for u in range(CASELOAD_UNITS))
    outcomes = LearningOutcome.objects.bulk_create(
        LearningOutcome(unit=unit, position=o, number=str(o + 1), text=f"Outcome {o + 1}")
        for unit in units for o in range(5))
    AssessmentCriterion.objects.bulk_create(
        AssessmentCriterion(outcome=o, unit_id=o.unit_id, position=o.position * 8 + c,
                            number=f"{o.number}.{c + 1}", text=f"Criterion {c + 1}")
        for o in outcomes for c in range(8))
    return version


def enrol_caseload(centre: Centre, version, assessor) -> None:
    """150 learners of one assessor, each on all 12 units, each with a different share of criteria met."""
    import datetime

    from django.utils import timezone

    from centres.models import Membership, Role
    from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit
    from qualifications.models import AssessmentCriterion

    today = timezone.localdate()
    users = User.objects.bulk_create(
        User(email=f"caseload{i:03d}@bench.leap.test", first_name=FIRST_NAMES[i % 12],
             last_name=LAST_NAMES[i % len(LAST_NAMES)]) for i in range(CASELOAD_LEARNERS))
    Membership.objects.bulk_create(Membership(user=u, centre=centre, role=Role.LEARNER, assessor=assessor)
                                   for u in users)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(centre=centre, learner=u, version=version, assessor=assessor,
                  start_date=today - datetime.timedelta(days=100 + i),
                  planned_end_date=today + datetime.timedelta(days=200))
        for i, u in enumerate(users))
    units = list(version.units.all())
    EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=e, unit=u) for e in enrolments for u in units)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).values_list("pk", "unit_id"))
    AchievedCriterion.objects.bulk_create(
        (AchievedCriterion(enrolment=e, criterion_id=c, unit_id=u)
         for i, e in enumerate(enrolments) for c, u in criteria[: (i * 7) % len(criteria)]), batch_size=5000)
    progress_counts.refresh(e.pk for e in enrolments)


def caseload_pages(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    assessor = User.objects.get(email=demo.ASSESSORS[1].email)
    version = big_specification(centre)
    with transaction.atomic():
        enrol_caseload(centre, version, assessor)
    settle_statistics()
    learner = User.objects.get(email="caseload100@bench.leap.test")
    return (page_rows(scenario, f"/caseload/ ({CASELOAD_LEARNERS} learners) as assessor",
                      client_for(assessor.email), "/caseload/")
            + page_rows(scenario, f"/caseload/ ({CASELOAD_LEARNERS} learners) as centre admin",
                        client_for(demo.ADMIN.email), "/caseload/")
            + page_rows(scenario, "/ (home) as that assessor", client_for(assessor.email), HOME_URL)
            + page_rows(scenario, f"/progress/ (My Progress, {CASELOAD_UNITS} units) as learner",
                        client_for(learner.email), "/progress/"))


SCENARIOS: list[Scenario] = [
    Scenario("throughput under gunicorn and wrk: framework overhead and signed-in pages", throughput_rows),
    Scenario("home pages, demo data", home_pages_demo),
    Scenario(f"home pages, {BULK_LEARNERS} learners", home_pages_many_learners),
    Scenario(f"caseload, {CASELOAD_LEARNERS} learners x {CASELOAD_UNITS} units x {CASELOAD_CRITERIA} criteria",
             caseload_pages),
    Scenario(f"upload {UPLOAD_MB} MB in embedded mode, thumbnails", upload_and_thumbnails),
    Scenario(f"queue, {QUEUE_ITEMS:,} waiting items", queue_pages),
    Scenario(f"sign-off of a unit with {SIGN_OFF_ITEMS} evidence items", sign_off_rows),
    Scenario(f"certificates (PDF), {CERTIFICATES} issued and rendered", certificate_rows),
    Scenario(f"Open Badges, {BADGE_AWARDS} awards: baked, OB 3.0 signed and verified", badge_rows),
    Scenario(f"IQA sampling plan, {PLAN_LEARNERS:,} learners: generate and CAMERA", plan_rows),
    Scenario(f"IQA dashboard, demo centre and {PLAN_LEARNERS:,} learners", dashboard_rows),
    Scenario(f"management information reports, {MI_LEARNERS:,} learners", insights_rows),
    Scenario(f"EQA sample pack, {PACK_LEARNERS} learners and {PACK_EVIDENCE_MB:,} MB of evidence", pack_rows),
    Scenario(f"portfolio export, one learner with {EXPORT_MB:,} MB of evidence files", export_rows),
]

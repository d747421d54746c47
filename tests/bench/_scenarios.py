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

from ._measure import Row, page_rows

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


SCENARIOS: list[Scenario] = [
    Scenario("home pages, demo data", home_pages_demo),
    Scenario(f"home pages, {BULK_LEARNERS} learners", home_pages_many_learners),
]

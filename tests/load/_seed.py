"""The centre `make load` works on: the demo centre, plus assessors and learners of its own, each learner on the
Level 3 hospitality diploma with evidence already waiting in their assessor's queue. Import after django.setup().

People and enrolments go through LEAP's services, as an admin would make them; only the password hash is
computed once and shared, since hashing a password takes a noticeable part of a second.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from centres.models import Centre, Membership, Role
from centres.services import learner_register, membership_grant
from leap import demo
from portfolios.enrolments.services import enrolment_create
from portfolios.evidence.services import claimable_criteria, evidence_create, evidence_save_draft, evidence_submit
from portfolios.models import Enrolment, Evidence
from qualifications.models import QualificationVersion

User = get_user_model()

DOMAIN = "load.leap.test"
PASSWORD = demo.DEMO_PASSWORD
WAITING_PER_LEARNER = 5  # submitted items in the assessor's queue before the run starts
LEARNERS_PER_ASSESSOR = 4


@dataclass(frozen=True)
class Person:
    email: str
    role: str  # Role.LEARNER or Role.ASSESSOR
    totp_secret: str = ""  # assessors sign in with a second factor
    enrolment: int | None = None  # the learner's enrolment


def split(users: int) -> tuple[int, int]:
    """(assessors, learners) for `users` simulated people: one assessor for every four learners."""
    assessors = max(1, users // (LEARNERS_PER_ASSESSOR + 1))
    return assessors, max(0, users - assessors)


@transaction.atomic
def seed_load_centre(users: int) -> list[Person]:
    centre, _logins = demo.seed_demo()
    admin = User.objects.get(email=demo.ADMIN.email)
    version = _hospitality(centre)
    password = make_password(PASSWORD)
    assessor_count, learner_count = split(users)
    people: list[Person] = []
    assessors = []
    for i in range(assessor_count):
        user = _user(f"assessor{i + 1:02d}@{DOMAIN}", "Assessor", f"{i + 1:02d}", password)
        membership_grant(centre=centre, user=user, role=Role.ASSESSOR, actor=admin)
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        assessors.append(user)
        people.append(Person(user.email, Role.ASSESSOR, totp_secret=secret))
    for i in range(learner_count):
        user = _user(f"learner{i + 1:03d}@{DOMAIN}", "Learner", f"{i + 1:03d}", password)
        membership = learner_register(centre=centre, email=user.email, first_name=user.first_name,
                                      last_name=user.last_name, assessor=assessors[i % assessor_count], actor=admin)
        enrolment = _enrol(membership, version, admin)
        _waiting_evidence(enrolment, user)
        people.append(Person(user.email, Role.LEARNER, enrolment=enrolment.pk))
    return people


def _hospitality(centre: Centre) -> QualificationVersion:
    return Enrolment.objects.filter(centre=centre, learner__email=demo.LEARNERS[0].email).get().version


def _user(email: str, first_name: str, last_name: str, password: str):
    user = User.objects.create(email=email, first_name=first_name, last_name=last_name, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _enrol(membership: Membership, version: QualificationVersion, admin) -> Enrolment:
    units = list(version.units.order_by("position"))
    chosen = [u for u in units if u.mandatory]
    for unit in (u for u in units if not u.mandatory):  # optional units up to the minimum credits, as the demo
        if sum(u.credits for u in chosen) >= version.minimum_credits:
            break
        chosen.append(unit)
    today = timezone.localdate()
    return enrolment_create(learner_membership=membership, version=version, units=chosen, actor=admin,
                            start_date=today - datetime.timedelta(days=60),
                            planned_end_date=today + datetime.timedelta(days=300))


def _waiting_evidence(enrolment: Enrolment, learner) -> None:
    criteria = list(claimable_criteria(enrolment).order_by("unit__position", "position"))
    for n in range(WAITING_PER_LEARNER):
        evidence = evidence_create(enrolment=enrolment, actor=learner)
        evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner,
                            title=f"Seeded evidence {n + 1}", method="observation", activity_date=None,
                            activity_place="Training kitchen", criteria=criteria[2 * n:2 * n + 2],
                            reflection="I prepared and served the dish during a busy lunch service.")
        evidence = Evidence.objects.get(pk=evidence.pk)
        evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)

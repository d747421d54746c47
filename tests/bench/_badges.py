"""Scenario: Open Badges. Baked PNGs per second (``award_bake``: the OB 2.0 image and the OB 3.0 image, whose
credential is signed on the way), then OB 3.0 sign + verify per second, as eddsa-rdfc-2022 Data Integrity proofs
and as VC-JWTs (RS256), each checked by our own verifier.

The awards are written in bulk straight through the ORM, for a unit badge of 12 criteria (12 alignments): the
point is the credential, not the sign-off.
"""

import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from badges.awards.badge_classes import badge_class_for_unit
from badges.models import Award, IssuerKey
from badges.openbadges import ob3
from badges.openbadges.baking import award_bake
from badges.openbadges.keys import issuer_key
from centres.models import Centre
from leap import demo

from ._assessment import _learners, _specification
from ._measure import PageFailure, Row

User = get_user_model()

BADGE_AWARDS, BADGE_CRITERIA = 30, 12


def _awards(centre: Centre, assessor, count: int) -> list[Award]:
    unit = _specification(centre, "BENCH-BADGES", 1, BADGE_CRITERIA).units.get()
    badge = badge_class_for_unit(unit=unit, centre=centre)
    learners = _learners(centre, assessor, "badge", count)
    first = (Award.objects.filter(badge_class__centre=centre).aggregate(m=Max("status_index"))["m"] or 0) + 1
    now = timezone.now()
    return Award.objects.bulk_create(
        Award(badge_class=badge, recipient=u, recipient_email=u.email, issued_on=now, status_index=first + i,
              narrative=f"Signed off unit {unit.code}: every criterion met.")
        for i, u in enumerate(learners))


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _bake_rows(scenario: str, awards: list[Award]) -> list[Row]:
    samples = []
    for award in awards:
        samples.append(_timed(lambda award=award: award_bake(award_id=award.pk)))
    baked = Award.objects.filter(pk__in=[a.pk for a in awards]).exclude(baked_ob2="").exclude(baked_ob3="").count()
    if baked != len(awards):
        raise PageFailure(f"only {baked} of {len(awards)} awards were baked in both formats")
    operation = f"award_bake: {len(awards)} awards (an OB 2.0 and an OB 3.0 PNG each)"
    return [
        Row(scenario, operation, "rate", round(2 * len(awards) / (sum(samples) / 1000), 1), "PNGs/s"),
        Row(scenario, operation, "median per award", round(statistics.median(samples), 1), "ms"),
    ]


def _sign_verify_rows(scenario: str, awards: list[Award], label: str, sign: Callable[[Award], object]) -> list[Row]:
    signing, verifying = [], []
    for award in awards:
        start = time.perf_counter()
        signed = sign(award)
        middle = time.perf_counter()
        report = ob3.verify_credential(signed)
        verifying.append((time.perf_counter() - middle) * 1000)
        signing.append((middle - start) * 1000)
        if report.status != ob3.VALID:
            raise PageFailure(f"{label}: award {award.pk} did not verify: {report.reason}")
    total_s = (sum(signing) + sum(verifying)) / 1000
    operation = f"OB 3.0 {label}: sign + verify {len(awards)} credentials"
    return [
        Row(scenario, operation, "rate", round(len(awards) / total_s, 1), "credentials/s"),
        Row(scenario, operation, "median sign", round(statistics.median(signing), 2), "ms"),
        Row(scenario, operation, "median verify", round(statistics.median(verifying), 2), "ms"),
    ]


def badge_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    with transaction.atomic():
        warm_up, *awards = _awards(centre, assessor, BADGE_AWARDS + 1)
    for algorithm in IssuerKey.Algorithm.values:  # made on first use: not what is measured
        issuer_key(centre, algorithm)
    award_bake(award_id=warm_up.pk)
    ob3.verify_credential(ob3.signed_jwt(warm_up))
    rows = _bake_rows(scenario, awards)
    awards = list(Award.objects.filter(pk__in=[a.pk for a in awards]).select_related("badge_class__centre"))
    rows += _sign_verify_rows(scenario, awards, "eddsa-rdfc-2022",
                              lambda award: ob3.signed_credential(award, resign=True))
    rows += _sign_verify_rows(scenario, awards, "VC-JWT RS256", lambda award: ob3.signed_jwt(award, resign=True))
    return rows

"""Scenario: certificates (PDF) per second. Each certificate is issued by the centre admin and its PDF rendered
(eagerly on commit, or here if a worker would do it), one after another, as a busy admin would.

The completed enrolments are written in bulk straight through the ORM: the point is the certificate.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from badges.certificates.rendering import certificate_render
from badges.certificates.services import certificate_issue
from badges.models import Certificate
from centres.models import Centre
from leap import demo
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import Unit

from ._assessment import _enrol, _learners, _specification
from ._measure import Row

User = get_user_model()

CERTIFICATES, CERTIFICATE_UNITS = 10, 8


def _completed_enrolments(centre: Centre, assessor, count: int) -> list[Enrolment]:
    version = _specification(centre, "BENCH-CERT", CERTIFICATE_UNITS, 3)
    Unit.objects.filter(version=version).update(guided_learning_hours=60)  # 480 hours: a diploma
    enrolments = _enrol(centre, version, assessor, _learners(centre, assessor, "certificate", count))
    now = timezone.now()
    EnrolmentUnit.objects.filter(enrolment__in=enrolments).update(locked_at=now)
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(status=Enrolment.Status.COMPLETED,
                                                                       completed_at=now)
    return list(Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).order_by("pk"))


def _issue_and_render(enrolment: Enrolment, admin) -> Certificate:
    certificate = certificate_issue(enrolment=enrolment, actor=admin)
    certificate_render(certificate_id=certificate.pk)  # does nothing if the eager task has already rendered it
    certificate.refresh_from_db()
    return certificate


def certificate_rows(scenario: str) -> list[Row]:
    centre, _logins = demo.seed_demo()
    admin = User.objects.get(email=demo.ADMIN.email)
    assessor = User.objects.get(email=demo.ASSESSORS[0].email)
    with transaction.atomic():
        first, *enrolments = _completed_enrolments(centre, assessor, CERTIFICATES + 1)
    start = time.perf_counter()
    _issue_and_render(first, admin)  # the first loads WeasyPrint and the fonts
    cold_ms = (time.perf_counter() - start) * 1000
    samples, sizes = [], []
    for enrolment in enrolments:
        start = time.perf_counter()
        certificate = _issue_and_render(enrolment, admin)
        samples.append((time.perf_counter() - start) * 1000)
        sizes.append(certificate.pdf.size)
    operation = f"issue + render {CERTIFICATES} certificates ({CERTIFICATE_UNITS} units each)"
    return [
        Row(scenario, operation, "rate", round(len(samples) / (sum(samples) / 1000), 2), "certificates/s"),
        Row(scenario, operation, "median per certificate", round(statistics.median(samples), 1), "ms"),
        Row(scenario, operation, "slowest certificate", round(max(samples), 1), "ms"),
        Row(scenario, operation, "first (cold)", round(cold_ms, 1), "ms"),
        Row(scenario, operation, "PDF size", round(statistics.median(sizes) / 1024, 1), "KB"),
    ]

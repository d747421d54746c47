"""Reads for the award pages and the Open Badges 2.0 documents, each a fixed number of queries."""

from django.db.models import Count, Q, QuerySet

from badges.models import Award, BadgeClass, Certificate
from centres.models import Centre, Membership, Role
from portfolios.enrolments.selectors import EnrolmentProgress, EnrolmentSummary
from portfolios.models import Evidence


def badge_classes_of_centre(*, centre: Centre) -> QuerySet[BadgeClass]:
    return (BadgeClass.objects.filter(centre=centre)
            .annotate(awarded=Count("awards", filter=Q(awards__revoked_at__isnull=True)))
            .order_by("kind", "name"))


def awards_of_badge_class(*, badge_class: BadgeClass) -> QuerySet[Award]:
    return badge_class.awards.select_related("recipient").order_by("-issued_on", "-pk")


def awards_of_learner(*, user) -> QuerySet[Award]:
    return Award.objects.filter(recipient=user).select_related("badge_class__centre").order_by("-issued_on", "-pk")


def revoked_awards_of_centre(*, centre: Centre) -> list[Award]:
    return list(Award.objects.filter(badge_class__centre=centre, revoked_at__isnull=False)
                .order_by("revoked_at", "pk"))


def shareable_evidence(*, user) -> QuerySet[Evidence]:
    """What a learner may make public on a badge: their own accepted evidence."""
    return (Evidence.objects.filter(enrolment__learner=user, status=Evidence.Status.ACCEPTED)
            .select_related("enrolment__version").order_by("-submitted_at", "-pk"))


def learners_of_centre(*, centre: Centre, assessor=None) -> QuerySet[Membership]:
    """Current learners of a centre, or of one assessor's caseload there."""
    learners = (Membership.objects.current().filter(centre=centre, role=Role.LEARNER).select_related("user")
                .order_by("user__first_name", "user__last_name", "user__email"))
    return learners.filter(assessor=assessor) if assessor is not None else learners


def with_awards(progress: list[EnrolmentProgress]) -> list[EnrolmentProgress]:
    """My Progress with its badges: each unit's current award and each enrolment's qualification badge and
    certificate (the latest not revoked). Two queries, however many enrolments and units."""
    enrolment_ids = [p.enrolment.pk for p in progress]
    awards = (Award.objects.filter(enrolment_id__in=enrolment_ids, revoked_at__isnull=True)
              .select_related("badge_class").order_by("issued_on", "pk"))
    by_unit, by_enrolment = {}, {}
    for award in awards:  # oldest first: the latest award of each unit or qualification wins
        if award.badge_class.kind == BadgeClass.Kind.UNIT:
            by_unit[(award.enrolment_id, award.badge_class.unit_id)] = award
        elif award.badge_class.kind == BadgeClass.Kind.QUALIFICATION:
            by_enrolment[award.enrolment_id] = award
    certificates = {}
    for certificate in (Certificate.objects.filter(enrolment_id__in=enrolment_ids, revoked_at__isnull=True)
                        .order_by("issued_on", "pk")):
        certificates[certificate.enrolment_id] = certificate
    for p in progress:
        p.badge, p.certificate = by_enrolment.get(p.enrolment.pk), certificates.get(p.enrolment.pk)
        for unit in p.units:
            unit.badge = by_unit.get((p.enrolment.pk, unit.enrolment_unit.unit_id))
    return progress


def with_certificates(summaries: list[EnrolmentSummary]) -> list[EnrolmentSummary]:
    """The home's progress with each completed enrolment's certificate (the latest not revoked): one query, none
    when no enrolment is completed (only a completed one shows its certificate)."""
    completed = [s.enrolment.pk for s in summaries if s.completed]
    if completed:
        certificates = {c.enrolment_id: c for c in Certificate.objects.filter(
            enrolment_id__in=completed, revoked_at__isnull=True).order_by("issued_on", "pk")}
        for summary in summaries:
            summary.certificate = certificates.get(summary.enrolment.pk)
    return summaries

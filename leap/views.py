"""The home page (one section per role the person holds in their current centre, drawn from each app) and My
Progress, which joins portfolios' progress to badges' awards."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import signed_in
from assessment import home_selectors as assessment_home
from badges.awards import selectors as badge_selectors
from centres import selectors as centre_selectors
from centres.access import role_required
from centres.forms import EnrolmentCodeForm
from centres.models import Role
from insights import headlines as insights_headlines
from insights.scope import enrolments_for
from moderation.dashboards import selectors as iqa_selectors
from moderation.external import scope as eqa_scope
from moderation.external import selectors as eqa_selectors
from portfolios.enrolments import selectors as portfolio_selectors
from portfolios.models import Enrolment
from records.gdpr import selectors as gdpr_selectors

# The reports' headline figures each role's home shows (report slug, figure key, variant). An assessor's queue and
# behind-schedule figures come from the queue and the caseload (`home_work.html`), as the pages they link to count.
ADMIN_HEADLINES = (("achievement", "in_learning", None), ("progress", "off_track", None), ("at_risk", "all", None),
                   ("planned_end", "late", None), ("achievement", "achievement_rate", insights_headlines.THIS_YEAR),
                   ("workload", "waiting", None), ("workload", "turnaround_median", None))
ASSESSOR_HEADLINES = (("achievement", "in_learning", None), ("planned_end", "late", None),
                      ("achievement", "achievement_rate", insights_headlines.THIS_YEAR),
                      ("workload", "turnaround_median", None))


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    leap = request.leap
    if leap.centre is None and leap.is_grantless_external:  # nothing of any centre, not even its name
        return render(request, "home.html", {"eqa_without_grant": True})
    if leap.centre is None:
        return render(request, "centres/home_no_centre.html", {"form": EnrolmentCodeForm()})
    centre, today = leap.centre, timezone.localdate()
    context = {"centre": centre, "today": today, "insights_headlines": _headlines(request, today)}
    if leap.grant is not None:
        context["eqa"] = eqa_scope.grant_summary(leap.grant)
    if leap.has(Role.CENTRE_ADMIN):
        context["overview"] = centre_selectors.centre_overview(centre=centre)
        context["next_visit"] = visit = eqa_selectors.next_visit(centre=centre)
        context["next_visit_days"] = (visit.visit_on - today).days if visit else None
        context["data_requests"] = gdpr_selectors.open_requests(centre=centre, today=today)
    if leap.has(Role.ASSESSOR):
        context.update(_assessor_home(request))
    if leap.has(Role.MODERATOR):
        context["iqa"] = iqa_selectors.moderator_dashboard(centre=centre, moderator=request.user)
    if leap.has(Role.LEARNER):
        context["learner_membership"] = leap.learner_membership
        context["progress"] = badge_selectors.with_certificates(
            portfolio_selectors.my_progress_summary(learner=request.user, centre=centre))
    return render(request, "home.html", context)


def _headlines(request: HttpRequest, today) -> list:
    leap = request.leap
    if leap.has(Role.CENTRE_ADMIN):  # the whole centre's figures: kept a few minutes (the page says when they were)
        return insights_headlines.recent_headlines(enrolments_for(request), wanted=ADMIN_HEADLINES, today=today)
    if leap.has(Role.MODERATOR):
        return insights_headlines.headlines(enrolments_for(request), wanted=insights_headlines.QUALITY, today=today)
    if leap.has(Role.ASSESSOR):  # their caseload's figures, kept the same few minutes (the page says so too)
        return insights_headlines.recent_headlines(enrolments_for(request), wanted=ASSESSOR_HEADLINES, today=today)
    return []


def _assessor_home(request: HttpRequest) -> dict:
    centre, user = request.leap.centre, request.user
    rows = portfolio_selectors.caseload(
        enrolments=Enrolment.objects.filter(centre=centre, assessor=user),
        filters=portfolio_selectors.CaseloadFilter(sort="last_activity", descending=True))
    qualified = any(m.qualified for m in request.leap.memberships
                    if m.centre_id == centre.pk and m.role == Role.ASSESSOR)
    return {
        "caseload": {"count": len(rows), "behind": rows.behind, "recent": rows[:10]},
        "work": assessment_home.assessor_work(centre=centre, assessor=user, qualified=qualified),
        "counts": portfolio_selectors.assessor_counts(centre=centre, assessor=user),
        "iqa_actions": iqa_selectors.assessor_open_actions(centre=centre, assessor=user),
        "behind_margin": settings.LEAP_BEHIND_SCHEDULE_MARGIN,
        "overdue_days": centre.review_reminder_days,
    }


def _my_progress(request: HttpRequest) -> list:
    """The learner's progress with the badges and certificates it earned (badges sit above portfolios)."""
    return badge_selectors.with_awards(
        portfolio_selectors.my_progress(learner=request.user, centre=request.leap.centre))


@role_required(Role.LEARNER)
def my_progress(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolios/my_progress.html", {"progress": _my_progress(request)})

"""The home page (one section per role the person holds in their current centre, drawn from each app) and My
Progress, which joins portfolios' progress to badges' awards."""

import dataclasses
import hashlib
import secrets

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from accounts.access import signed_in
from accounts.request_cache import read_through
from assessment import freshness as assessment_freshness
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
from records.transfers import selectors as prior_learning_selectors

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
        context["learner_progress"] = _learner_progress(request, today)
    return render(request, "home.html", context)


def _learner_progress(request: HttpRequest, today) -> str:
    """The learner's progress summaries rendered, kept under their generation (every change of their portfolio,
    decisions, badges and certificates replaces it) for their centre, language and day ("days left")."""
    centre = request.leap.centre

    def render_progress() -> str:
        progress = badge_selectors.with_certificates(
            portfolio_selectors.my_progress_summary(learner=request.user, centre=centre))
        return render_to_string("portfolios/includes/home_progress.html", {"progress": progress}, request)

    return read_through(f"home:learner-html:{centre.pk}:{get_language()}:{today.isoformat()}", request.user.pk,
                        render_progress)


def _headlines(request: HttpRequest, today) -> list:
    leap = request.leap
    if leap.has(Role.CENTRE_ADMIN):  # the whole centre's figures: kept a few minutes (the page says when they were)
        return insights_headlines.recent_headlines(enrolments_for(request), wanted=ADMIN_HEADLINES, today=today)
    if leap.has(Role.MODERATOR):  # the quality figures of what they moderate, kept the same few minutes
        return insights_headlines.recent_headlines(enrolments_for(request), wanted=insights_headlines.QUALITY,
                                                   today=today)
    if leap.has(Role.ASSESSOR):  # their caseload's figures, kept the same few minutes (the page says so too)
        return insights_headlines.recent_headlines(enrolments_for(request), wanted=ASSESSOR_HEADLINES, today=today)
    return []


def _assessor_home(request: HttpRequest) -> dict:
    """The assessor's sections, read under their generation (their learners' changes replace it) and the centre's
    assessment generation (anyone's decisions there), for today: only the clock is worked out on every request."""
    centre, user = request.leap.centre, request.user
    qualified = any(m.qualified for m in request.leap.memberships
                    if m.centre_id == centre.pk and m.role == Role.ASSESSOR)
    today = timezone.localdate()
    figures = read_through(f"home:assessor:{centre.pk}:{today.isoformat()}:{int(qualified)}", user.pk,
                           lambda: _assessor_figures(centre, user, qualified), shared=_assessor_shared(centre))
    context = {**figures, "work": dataclasses.replace(figures["work"], now=timezone.now()), "today": today,
               "behind_margin": settings.LEAP_BEHIND_SCHEDULE_MARGIN, "overdue_days": centre.review_reminder_days}
    return {"assessor_sections": _assessor_sections(request, context)}


def _assessor_shared(centre) -> tuple[str, ...]:
    return (assessment_freshness.centre_generation(centre.pk),)


def _assessor_sections(request: HttpRequest, context: dict) -> dict[str, str]:
    """The assessor's sections rendered, kept while what they show is the same: the figures read (their token), the
    language, the day, the oldest item's days, each recent learner's "active ..." and the open IQA actions."""
    work = context["work"]
    shown = (context["token"], get_language(), context["today"].isoformat(), work.oldest_days,
             context["overdue_days"], context["behind_margin"],
             tuple(naturaltime(r.last_activity_at) for r in context["caseload"]["recent"]))
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:16]

    def render_sections() -> dict[str, str]:
        sections = {"work": "includes/home_work.html", "iqa": "includes/home_iqa_actions.html",
                    "caseload": "includes/home_caseload.html"}
        return {name: render_to_string(template, context, request) for name, template in sections.items()}

    return read_through(f"home:assessor-html:{request.leap.centre.pk}:{digest}", request.user.pk, render_sections,
                        shared=_assessor_shared(request.leap.centre))


def _assessor_figures(centre, user, qualified: bool) -> dict:
    rows = portfolio_selectors.caseload(
        enrolments=Enrolment.objects.filter(centre=centre, assessor=user),
        filters=portfolio_selectors.CaseloadFilter(sort="last_activity", descending=True))
    actions = iqa_selectors.assessor_open_actions(centre=centre, assessor=user)
    return {
        "caseload": {"count": len(rows), "behind": rows.behind, "recent": rows[:10]},
        "work": assessment_home.assessor_work(centre=centre, assessor=user, qualified=qualified),
        "counts": portfolio_selectors.assessor_counts(centre=centre, assessor=user),
        "iqa_actions": actions,
        "iqa_open_action_count": iqa_selectors.assessor_open_action_count(centre=centre, assessor=user)
        if actions else 0,
        "rpl_waiting": prior_learning_selectors.waiting_count(centre=centre, assessor=user),
        "token": secrets.token_hex(8),  # names the sections rendered from these figures
    }


def _my_progress(request: HttpRequest) -> list:
    """The learner's progress with the badges and certificates it earned (badges sit above portfolios)."""
    return badge_selectors.with_awards(
        portfolio_selectors.my_progress(learner=request.user, centre=request.leap.centre))


@role_required(Role.LEARNER)
def my_progress(request: HttpRequest) -> HttpResponse:
    """Rendered once per learner, centre, language and day ("days left"), kept under the learner's generation."""
    centre, today = request.leap.centre, timezone.localdate()

    def render_content() -> str:
        return render_to_string("portfolios/includes/my_progress_content.html",
                                {"progress": _my_progress(request)}, request)

    content = read_through(f"my_progress-html:{centre.pk}:{get_language()}:{today.isoformat()}", request.user.pk,
                           render_content)
    return render(request, "portfolios/my_progress.html", {"content": content})

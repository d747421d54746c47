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
from accounts.request_cache import page_cache, read_through
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
    headlines = _headlines_wanted(request)
    # What this home keeps in the shared cache, in the round trip that brings the layout's counts (a GET writes
    # nothing first): the headline figures and, for an assessor, their sections' figures.
    headline_keys = ([insights_headlines.recent_headlines_key(headlines[0], wanted=headlines[1], today=today)]
                     if headlines else [])
    reads = []
    if leap.has(Role.ASSESSOR):
        reads += [_assessor_figures_read(request, today), _assessor_sections_read(request)]
    if leap.has(Role.LEARNER):
        reads.append(_learner_progress_read(request, today))
    page_cache(request, reads=reads, keys=headline_keys)
    context = {"centre": centre, "today": today,
               "insights_section": _headlines_section(request, _headlines(request, today, headlines))}
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

    name, user_id, shared = _learner_progress_read(request, today)
    return read_through(name, user_id, render_progress, shared=shared, fetched=page_cache(request))


def _learner_progress_read(request: HttpRequest, today) -> tuple:
    return f"home:learner-html:{request.leap.centre.pk}:{get_language()}:{today.isoformat()}", request.user.pk, ()


def _headlines_wanted(request: HttpRequest) -> tuple[str, tuple] | None:
    """Whose figures the home's headlines count (a name for `enrolments_for`'s scope) and which figures."""
    leap = request.leap
    if leap.has(Role.CENTRE_ADMIN):  # the whole centre's figures: kept a few minutes (the page says when they were)
        return f"centre:{leap.centre.pk}", ADMIN_HEADLINES
    if leap.has(Role.MODERATOR):  # the quality figures of what they moderate (the centre), kept the same minutes
        return f"centre:{leap.centre.pk}", insights_headlines.QUALITY
    if leap.has(Role.ASSESSOR):  # their caseload's figures, kept the same few minutes (the page says so too)
        return f"assessor:{leap.centre.pk}:{request.user.pk}", ASSESSOR_HEADLINES
    return None


# The headline sections drawn in this process: the same kept figures draw the same section (see below).
_DRAWN_HEADLINES: dict[tuple, str] = {}


def _headlines_section(request: HttpRequest, headlines) -> str:
    """The home's "at a glance" section. Drawn once per process for each set of kept figures (their moment), the
    reader's roles and language, and whether they were read back from the cache: nothing else changes it."""
    if not headlines:
        return ""
    shown = (tuple((h.label, h.text, h.formula, h.url, h.value, h.unit, h.to_learners) for h in headlines),
             headlines.computed_at, headlines.cached, tuple(sorted(request.leap.roles)), get_language())
    drawn = _DRAWN_HEADLINES.get(shown)
    if drawn is None:
        if len(_DRAWN_HEADLINES) > 500:
            _DRAWN_HEADLINES.clear()
        drawn = _DRAWN_HEADLINES[shown] = render_to_string(
            "insights/_home_figures.html", {"insights_headlines": headlines, "leap": request.leap})
    return drawn


def _headlines(request: HttpRequest, today, wanted: tuple[str, tuple] | None) -> list:
    if wanted is None:
        return []
    scope, figures = wanted
    return insights_headlines.recent_headlines(enrolments_for(request), wanted=figures, today=today, scope=scope,
                                               fetched=page_cache(request))


def _assessor_home(request: HttpRequest) -> dict:
    """The assessor's sections, read under their generation (their learners' changes replace it) and the centre's
    assessment generation (anyone's decisions there), for today: only the clock is worked out on every request."""
    centre, user = request.leap.centre, request.user
    qualified = _qualified(request)
    today = timezone.localdate()
    name, user_id, shared = _assessor_figures_read(request, today)
    figures = read_through(name, user_id, lambda: _assessor_figures(centre, user, qualified), shared=shared,
                           fetched=page_cache(request))
    context = {**figures, "work": dataclasses.replace(figures["work"], now=timezone.now()), "today": today,
               "behind_margin": settings.LEAP_BEHIND_SCHEDULE_MARGIN, "overdue_days": centre.review_reminder_days}
    return {"assessor_sections": _assessor_sections(request, context)}


def _qualified(request: HttpRequest) -> bool:
    centre = request.leap.centre
    return any(m.qualified for m in request.leap.memberships if m.centre_id == centre.pk and m.role == Role.ASSESSOR)


def _assessor_figures_read(request: HttpRequest, today) -> tuple:
    centre = request.leap.centre
    return (f"home:assessor:{centre.pk}:{today.isoformat()}:{int(_qualified(request))}", request.user.pk,
            _assessor_shared(centre))


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
        return {"shown": digest,
                **{name: render_to_string(template, context, request) for name, template in sections.items()}}

    name, user_id, shared = _assessor_sections_read(request)
    return read_through(name, user_id, render_sections, shared=shared, fetched=page_cache(request),
                        valid=lambda sections: sections.get("shown") == digest)


def _assessor_sections_read(request: HttpRequest) -> tuple:
    return f"home:assessor-html:{request.leap.centre.pk}", request.user.pk, _assessor_shared(request.leap.centre)


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

    name = f"my_progress-html:{centre.pk}:{get_language()}:{today.isoformat()}"
    content = read_through(name, request.user.pk, render_content,
                           fetched=page_cache(request, reads=[(name, request.user.pk, ())]))
    return render(request, "portfolios/my_progress.html", {"content": content})

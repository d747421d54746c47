"""The home page: one section per role the person holds in their current centre, drawn from each app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import signed_in
from centres import selectors as centre_selectors
from centres.forms import EnrolmentCodeForm
from centres.models import Role
from insights import headlines as insights_headlines
from moderation.dashboards import selectors as iqa_selectors
from moderation.external import scope as eqa_scope
from portfolios.enrolments import selectors as portfolio_selectors
from portfolios.models import Enrolment


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    leap = request.leap
    if leap.centre is None and leap.is_grantless_external:  # nothing of any centre, not even its name
        return render(request, "home.html", {"eqa_without_grant": True})
    if leap.centre is None:
        return render(request, "centres/home_no_centre.html", {"form": EnrolmentCodeForm()})
    context = {"centre": leap.centre, "today": timezone.localdate()}
    if leap.grant is not None:
        context["eqa"] = eqa_scope.grant_summary(leap.grant)
    if leap.has(Role.CENTRE_ADMIN):
        context["overview"] = centre_selectors.centre_overview(centre=leap.centre)
    if leap.has(Role.ASSESSOR):
        rows = portfolio_selectors.caseload(
            enrolments=Enrolment.objects.filter(centre=leap.centre, assessor=request.user),
            filters=portfolio_selectors.CaseloadFilter(sort="last_activity", descending=True))
        context["caseload"] = {"count": len(rows), "behind": [r for r in rows if r.schedule.behind][:10],
                               "recent": rows[:10]}
        context["counts"] = portfolio_selectors.assessor_counts(centre=leap.centre, assessor=request.user)
        context["iqa_actions"] = iqa_selectors.assessor_open_actions(centre=leap.centre, assessor=request.user)
    if leap.has(Role.MODERATOR):
        context["iqa"] = iqa_selectors.moderator_dashboard(centre=leap.centre, moderator=request.user)
    if leap.has(Role.LEARNER):
        context["learner_membership"] = leap.learner_membership
        context["progress"] = portfolio_selectors.my_progress(learner=request.user, centre=leap.centre)
    context["insights_headlines"] = insights_headlines.headlines_for(request)  # the reports' headline figures
    return render(request, "home.html", context)

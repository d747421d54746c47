from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from centres.access import role_required
from centres.models import Role
from centres.services import ServiceError

from . import selectors
from .forms import ReassignForm
from .services import plan_items_reassign


@role_required(Role.MODERATOR, Role.CENTRE_ADMIN)
@require_safe
def iqa_dashboard(request: HttpRequest) -> HttpResponse:
    """A moderator's own dashboard, or (for the centre admin, or a lead moderator asking ?scope=all) every
    moderator's, with the reassignment form."""
    leap = request.leap
    is_moderator = leap.has(Role.MODERATOR)
    everyone = not is_moderator or request.GET.get("scope") == "all"
    dashboard = selectors.moderator_dashboard(centre=leap.centre, moderator=None if everyone else request.user)
    return render(request, "moderation/iqa_dashboard.html", {
        "dashboard": dashboard, "everyone": everyone, "is_moderator": is_moderator,
        "form": ReassignForm(centre=leap.centre) if everyone else None,
    })


@role_required(Role.MODERATOR, Role.CENTRE_ADMIN)
@require_POST
def iqa_reassign(request: HttpRequest) -> HttpResponse:
    form = ReassignForm(request.POST, centre=request.leap.centre)
    if not form.is_valid():
        messages.error(request, _("Choose whose items to move, and the moderator to move them to."))
        return redirect(_all_url())
    data = form.cleaned_data
    try:
        moved = plan_items_reassign(centre=request.leap.centre, from_moderator=data["from_moderator"],
                                    to_moderator=data["to_moderator"], assessor=data["assessor"],
                                    actor=request.user)
        messages.success(request, ngettext("%(n)d item moved to %(name)s.", "%(n)d items moved to %(name)s.", moved)
                         % {"n": moved, "name": data["to_moderator"].display_name})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect(_all_url())


def _all_url() -> str:
    return reverse("iqa_dashboard") + "?scope=all"

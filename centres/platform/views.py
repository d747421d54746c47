from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted

from ..access import get_centre_for_platform, platform_admin_required
from ..branding import logo_url
from ..services import ServiceError
from . import selectors
from .countries import country_name
from .forms import CentreCreateForm, CentreEditForm, InviteCentreAdminForm, language_names
from .services import platform_centre_admin_invite, platform_centre_set_up, platform_centre_update


@platform_admin_required
def platform_centres(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.platform_centres(), 50).get_page(request.GET.get("page"))
    for centre in page:
        centre.country_name, centre.language_names = country_name(centre.country), language_names(centre)
    return render(request, "centres/platform/centre_list.html", {"page": page})


@platform_admin_required
def platform_centre_create(request: HttpRequest) -> HttpResponse:
    form = CentreCreateForm(*posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        try:
            centre = platform_centre_set_up(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(centre)s is set up; an invitation to be its centre admin was sent to "
                                        "%(email)s.") % {"centre": centre.name,
                                                         "email": form.cleaned_data["admin_email"]})
            return redirect("platform_centre_edit", pk=centre.pk)
    return render(request, "centres/platform/centre_create.html", {"form": form})


@platform_admin_required
def platform_centre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    centre = get_centre_for_platform(request, pk)
    form = CentreEditForm(*posted(request, files=True), initial={
        "country": centre.country, "languages": centre.languages or [centre.main_language],
        "brand_colour": centre.brand_colour})
    if request.method == "POST" and form.is_valid():
        try:
            platform_centre_update(centre=centre, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Settings of %(centre)s saved.") % {"centre": centre.name})
            return redirect("platform_centre_edit", pk=centre.pk)
    return render(request, "centres/platform/centre_edit.html", {
        "centre": centre, "form": form, "invite": InviteCentreAdminForm(),
        "invitations": selectors.admin_invitations(centre=centre), "country_name": country_name(centre.country),
        "logo_url": logo_url(centre)})


@platform_admin_required
@require_POST
def platform_centre_invite(request: HttpRequest, pk: int) -> HttpResponse:
    centre = get_centre_for_platform(request, pk)
    form = InviteCentreAdminForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid email address to invite."))
    else:
        try:
            platform_centre_admin_invite(centre=centre, actor=request.user, email=form.cleaned_data["email"])
            messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
        except ServiceError as error:
            messages.error(request, str(error))
    return redirect("platform_centre_edit", pk=centre.pk)

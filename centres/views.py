from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.access import posted, public, signed_in
from accounts.sessions import sign_in_with_new_password

from . import selectors
from .access import (
    SESSION_CENTRE_KEY,
    get_invitation_for,
    get_learner_for,
    get_staff_membership_for,
    learners_in_grant,
    role_required,
)
from .branding import logo_version
from .forms import (
    AcceptInvitationForm,
    BrandingForm,
    ChangeAssessorForm,
    EnrolmentCodeForm,
    InviteStaffForm,
    LearnerCsvForm,
    LearnerForm,
    SelfRegistrationForm,
)
from .models import Centre, Role
from .services import (
    CsvImportError,
    ServiceError,
    centre_branding_set,
    centre_self_registration_set,
    invitation_accept,
    invitation_for_token,
    invitation_revoke,
    invited_user_create,
    learner_assessor_change,
    learner_register,
    learner_self_register,
    learners_import_csv,
    membership_end,
    staff_invite,
)

User = get_user_model()
ADMIN = Role.CENTRE_ADMIN
ANY_STAFF = (Role.CENTRE_ADMIN, Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR)


@signed_in
@require_POST
def centre_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("centre", "")
    if not any(str(c.pk) == wanted for c in request.leap.centres):
        messages.error(request, _("You are not a member of that centre."))
    else:
        request.session[SESSION_CENTRE_KEY] = int(wanted)
    return redirect("home")


@signed_in
def join_centre(request: HttpRequest) -> HttpResponse:
    form = EnrolmentCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            membership = learner_self_register(user=request.user, code=form.cleaned_data["enrolment_code"])
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            request.session[SESSION_CENTRE_KEY] = membership.centre_id
            messages.success(request, _("You have joined %(centre)s.") % {"centre": membership.centre.name})
            return redirect("home")
    return render(request, "centres/join_centre.html", {"form": form})


# --- Staff -------------------------------------------------------------------------------------------

@role_required(ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    form = InviteStaffForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            staff_invite(centre=request.leap.centre, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
            return redirect("staff_list")
    return render(request, "centres/staff_list.html", {
        "form": form,
        "staff": selectors.staff_memberships(centre=request.leap.centre),
        "invitations": selectors.invitations(centre=request.leap.centre),
    })


@role_required(ADMIN)
@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for(request, pk)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("staff_list")


@role_required(ADMIN)
@require_POST
def staff_membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_staff_membership_for(request, pk)
    try:
        membership_end(membership=membership, actor=request.user)
        messages.success(request, _("%(name)s no longer has the role %(role)s.")
                         % {"name": membership.user, "role": membership.get_role_display()})
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("staff_list")


@public
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None or invitation.status != invitation.Status.PENDING:
        return render(request, "centres/invitation_invalid.html", {"invitation": invitation}, status=410)
    account_exists = User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                invitation_accept(invitation=invitation, user=request.user)
            except ServiceError as error:
                messages.error(request, str(error))
            else:
                return _welcome_to(request, invitation)
    elif not account_exists:
        form = AcceptInvitationForm(posted(request), email=invitation.email)
        if request.method == "POST" and form.is_valid():
            try:
                user = invited_user_create(invitation=invitation, first_name=form.cleaned_data["first_name"],
                                           last_name=form.cleaned_data["last_name"],
                                           password=form.cleaned_data["password1"])
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                sign_in_with_new_password(request, user)
                return _welcome_to(request, invitation)
    return render(request, "centres/invitation_accept.html",
                  {"invitation": invitation, "form": form, "account_exists": account_exists})


def _welcome_to(request: HttpRequest, invitation) -> HttpResponse:
    request.session[SESSION_CENTRE_KEY] = invitation.centre_id
    messages.success(request, _("Welcome to %(centre)s.") % {"centre": invitation.centre.name})
    return redirect("home")


# --- Learners ----------------------------------------------------------------------------------------

@role_required(*ANY_STAFF)
def learner_list(request: HttpRequest) -> HttpResponse:
    leap = request.leap
    only_mine = not leap.has(ADMIN, Role.MODERATOR, Role.EXTERNAL_MODERATOR)
    # An external moderator lists the learners of the grant's scope, withdrawn and completed ones included.
    among = learners_in_grant(request) if leap.reads_under_grant else None
    learners = selectors.learner_memberships(centre=leap.centre, assessor=request.user if only_mine else None,
                                             search=request.GET.get("q", ""), among=among)
    page = Paginator(learners, 50).get_page(request.GET.get("page"))
    return render(request, "centres/learner_list.html", {"page": page, "q": request.GET.get("q", "")})


@role_required(ADMIN)
@require_POST
def learner_change_assessor(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_learner_for(request, pk, write=True)
    form = ChangeAssessorForm(request.POST, centre=request.leap.centre)
    if form.is_valid():
        try:
            learner_assessor_change(membership=membership, assessor=form.cleaned_data["assessor"],
                                    actor=request.user)
            messages.success(request, _("Assessor changed."))
        except ServiceError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose an assessor from the list."))
    return redirect("learner_detail", pk=membership.pk)


@role_required(ADMIN)
def learner_add(request: HttpRequest) -> HttpResponse:
    form = LearnerForm(posted(request), centre=request.leap.centre)
    if request.method == "POST" and form.is_valid():
        try:
            membership = learner_register(centre=request.leap.centre, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is registered and has been sent a welcome email.")
                             % {"name": membership.user})
            return redirect("learner_list")
    return render(request, "centres/learner_add.html", {"form": form})


@role_required(ADMIN)
def learner_import(request: HttpRequest) -> HttpResponse:
    form = LearnerCsvForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            created = learners_import_csv(centre=request.leap.centre, raw=form.cleaned_data["file"].read(),
                                          actor=request.user)
        except CsvImportError as error:
            problems = error.problems
            form.add_error("file", str(error))
        else:
            messages.success(request, ngettext("%(n)s learner registered and sent a welcome email.",
                                               "%(n)s learners registered; each has been sent a welcome email.",
                                               len(created))
                             % {"n": len(created)})
            return redirect("learner_list")
    return render(request, "centres/learner_import.html", {"form": form, "problems": problems})


@role_required(ADMIN)
def centre_settings(request: HttpRequest) -> HttpResponse:
    centre = request.leap.centre
    form = SelfRegistrationForm(posted(request) if "self_registration" in request.POST else None, centre=centre,
                                initial={"enabled": centre.self_registration_open,
                                         "assessor": centre.self_registration_assessor})
    branding = BrandingForm(*(posted(request, files=True) if "branding" in request.POST else (None, None)),
                            initial={"brand_colour": centre.brand_colour, "accent_colour": centre.accent_colour,
                                     "website": centre.website})
    if form.is_bound and form.is_valid():
        try:
            centre_self_registration_set(centre=centre, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error("assessor", str(error))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("centre_settings")
    if branding.is_bound and branding.is_valid():
        centre_branding_set(centre=centre, actor=request.user, **branding.cleaned_data)
        messages.success(request, _("Branding saved: the header, emails and new badges and certificates use it."))
        return redirect("centre_settings")
    return render(request, "centres/centre_settings.html", {"form": form, "branding": branding, "centre": centre})


@public
@require_safe
def centre_logo(request: HttpRequest, pk: int) -> HttpResponse:
    """A centre's logo, for its header and its emails (public, as on its badges); LEAP's icon once it has none,
    so that an email sent before the logo was removed still shows a picture."""
    centre = get_object_or_404(Centre.objects.only("logo"), pk=pk)
    if not centre.logo or not centre.logo.storage.exists(centre.logo.name):
        return redirect(static("icons/icon-192.png"))
    # Saved as logo.png or logo.jpg after Pillow read it (centres.branding), so the name tells the type.
    content_type = "image/png" if centre.logo.name.lower().endswith(".png") else "image/jpeg"
    response = FileResponse(centre.logo.open("rb"), content_type=content_type)
    current = request.GET.get("v") == logo_version(centre)
    response["Cache-Control"] = "public, max-age=31536000, immutable" if current else "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""Certificates: the public verification page, the PDF, and the centre admin's issue, reissue, revoke and rules."""

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import posted, public, signed_in
from badges.certificates import selectors, services
from badges.certificates.forms import CertificateIssueForm, CertificateReasonForm, CertificateRuleForm
from badges.certificates.tasks import render_certificate_pdf
from badges.models import Certificate
from badges.public.selectors import record_destroyed_on
from centres.access import role_required
from centres.models import STAFF_ROLES, Role
from centres.services import ServiceError
from moderation.samples.selectors import certification_holds
from portfolios.access import get_enrolment_for, grant_scope
from portfolios.models import Enrolment

ADMIN = Role.CENTRE_ADMIN
LIST_PAGE_SIZE = 50


# --- Access ---------------------------------------------------------------------------------------------

def _is_staff_of(request: HttpRequest, centre_id: int) -> bool:
    return any(m.centre_id == centre_id and m.role in STAFF_ROLES - {Role.EXTERNAL_MODERATOR}
               for m in request.leap.memberships)


def _may_read(request: HttpRequest, certificate: Certificate) -> bool:
    """Its learner, its centre's staff, and an external moderator whose grant there holds its enrolment."""
    if certificate.recipient_id == request.user.pk or _is_staff_of(request, certificate.centre_id):
        return True
    if certificate.centre_id not in request.leap.grants or certificate.enrolment_id is None:
        return False
    return grant_scope(request, certificate.centre_id).filter(pk=certificate.enrolment_id).exists()


def _may_manage(request: HttpRequest, certificate: Certificate) -> bool:
    leap = request.leap
    return leap.centre is not None and leap.centre.pk == certificate.centre_id and leap.has(ADMIN)


def get_certificate_for(request: HttpRequest, uuid: UUID, *, manage: bool = False) -> Certificate:
    """A certificate's private side: its learner and its centre's staff may read it; its centre's admins (in
    their current centre) manage it. Anyone else: 404."""
    certificate = Certificate.objects.select_related("centre", "recipient").filter(uuid=uuid).first()
    if certificate is None:
        raise Http404
    if manage:
        allowed = _may_manage(request, certificate)
    else:
        allowed = _may_read(request, certificate)
    if not allowed:
        raise Http404
    return certificate


# --- Public -------------------------------------------------------------------------------------------

@public
@require_safe
def certificate_verify(request: HttpRequest, uuid: UUID) -> HttpResponse:
    certificate = (Certificate.objects.select_related("centre", "replaces", "replaced_by")
                   .filter(uuid=uuid).first())
    if certificate is None:
        raise Http404
    signed_in_user = request.user.is_authenticated
    return render(request, "badges/certificate_verify.html", {
        "certificate": certificate,
        "content": certificate.content,
        "status": selectors.certificate_status(certificate),
        "replaced_by": getattr(certificate, "replaced_by", None),
        "verification_url": selectors.certificate_verification_url(certificate),
        "may_download": signed_in_user and _may_read(request, certificate),
        "may_manage": signed_in_user and _may_manage(request, certificate),
        "destroyed_on": record_destroyed_on(certificate),
    })


# --- The learner and the centre's staff -----------------------------------------------------------------

@signed_in
@require_safe
def certificate_pdf(request: HttpRequest, uuid: UUID) -> HttpResponse:
    certificate = get_certificate_for(request, uuid)
    if not certificate.pdf:
        render_certificate_pdf.delay(certificate.pk)  # idempotent: asking again never renders twice
        certificate.refresh_from_db(fields=["pdf"])
        if not certificate.pdf:
            return render(request, "badges/certificate_pdf_pending.html", {"certificate": certificate}, status=202)
    response = FileResponse(certificate.pdf.open("rb"), content_type="application/pdf",
                            filename=f"certificate-{certificate.number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Centre admins ----------------------------------------------------------------------------------------

@role_required(ADMIN)
def certificate_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for(request, pk, write=True)
    problems = services.certificate_tier_problems(enrolment)
    earned = [tier for tier, why in problems.items() if not why]
    form = CertificateIssueForm(posted(request), tiers=earned)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.certificate_issue(enrolment=enrolment, actor=request.user,
                                                     tier=form.cleaned_data["tier"])
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
            return redirect("certificate_verify", uuid=certificate.uuid)
    return render(request, "badges/certificate_issue.html", {
        "enrolment": enrolment, "form": form, "earned": earned,
        "problems": [(Certificate.Tier(tier).label, why) for tier, why in problems.items()],
        "issued": Certificate.objects.filter(enrolment=enrolment).select_related("replaced_by"),
        "holds": certification_holds(enrolment=enrolment),
    })


@role_required(ADMIN)
@require_POST
def certificate_reissue_view(request: HttpRequest, uuid: UUID) -> HttpResponse:
    certificate = get_certificate_for(request, uuid, manage=True)
    form = CertificateReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(_("Give the reason for the correction."))
        new = services.certificate_reissue(certificate=certificate, actor=request.user, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("certificate_verify", uuid=certificate.uuid)
    messages.success(request, _("Reissued as %(number)s.") % {"number": new.number})
    return redirect("certificate_verify", uuid=new.uuid)


@role_required(ADMIN)
@require_POST
def certificate_revoke_view(request: HttpRequest, uuid: UUID) -> HttpResponse:
    certificate = get_certificate_for(request, uuid, manage=True)
    form = CertificateReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(_("Give the reason for revoking the certificate."))
        services.certificate_revoke(certificate=certificate, actor=request.user, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Certificate %(number)s revoked.") % {"number": certificate.number})
    return redirect("certificate_verify", uuid=certificate.uuid)


@role_required(ADMIN)
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The centre's certificates, the completed enrolments still waiting for one, and the rules of each tier."""
    centre = request.leap.centre
    rules = services.certificate_rules_for(centre)
    forms = [CertificateRuleForm(posted(request), tier=tier, initial=CertificateRuleForm.initial_from(rules[tier]))
             for tier in reversed(services.TIER_ORDER)]
    if request.method == "POST" and all(f.is_valid() for f in forms):
        try:
            services.certificate_rules_set(centre=centre, actor=request.user, rules=[f.rule() for f in forms])
        except ServiceError as error:
            forms[0].add_error(None, str(error))
        else:
            messages.success(request, _("The certificate rules are saved."))
            return redirect("certificate_list")
    issued = (Certificate.objects.filter(centre=centre)
              .select_related("recipient", "replaced_by").order_by("-issued_on"))
    waiting = (Enrolment.objects.filter(centre=centre, status=Enrolment.Status.COMPLETED)
               .exclude(Exists(Certificate.objects.filter(enrolment=OuterRef("pk"), revoked_at__isnull=True)))
               .select_related("learner", "version").order_by("completed_at")[:LIST_PAGE_SIZE])
    page = Paginator(issued, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "badges/certificate_list.html", {
        "page": page, "rows": [(c, selectors.certificate_status(c)) for c in page], "waiting": waiting,
        "rule_forms": forms,
    })

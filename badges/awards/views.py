"""Badge classes and awards: the centre's pages, the learner's own badges, and the public OB 2.0 documents."""

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from accounts.access import posted, public, signed_in
from badges.awards import badge_classes, selectors, services
from badges.awards.forms import AwardByHandForm, AwardCsvForm, AwardRevokeForm, BadgeClassForm
from badges.awards.images import BadgeImageError
from badges.models import Award, BadgeClass
from badges.openbadges import baking, ob2
from centres.access import role_required
from centres.models import Centre, Role
from centres.services import ServiceError

ADMIN, ASSESSOR = Role.CENTRE_ADMIN, Role.ASSESSOR


# --- Access: one helper per object type ------------------------------------------------------------------

def get_badge_class_for(request: HttpRequest, uuid: UUID) -> BadgeClass:
    badge = BadgeClass.objects.filter(uuid=uuid, centre=request.leap.centre).first()
    if badge is None:
        raise Http404
    return badge


def get_award_for(request: HttpRequest, uuid: UUID, *, own: bool = False) -> Award:
    """`own`: the signed-in learner's own award (any centre); else an award of the current centre, for its admins."""
    awards = Award.objects.select_related("badge_class__centre", "recipient")
    if own:
        award = awards.filter(uuid=uuid, recipient=request.user).first()
    elif request.leap.has(ADMIN):
        award = awards.filter(uuid=uuid, badge_class__centre=request.leap.centre).first()
    else:
        award = None
    if award is None:
        raise Http404
    return award


def _caseload(request: HttpRequest):
    """The learners this person may award by hand: all of the centre's for an admin, their own for an assessor."""
    assessor = None if request.leap.has(ADMIN) else request.user
    return selectors.learners_of_centre(centre=request.leap.centre, assessor=assessor)


# --- The centre's badges ---------------------------------------------------------------------------------

@role_required(ADMIN, ASSESSOR)
def badge_class_list(request: HttpRequest) -> HttpResponse:
    badges = selectors.badge_classes_of_centre(centre=request.leap.centre)
    return render(request, "badges/badge_class_list.html", {"badges": badges, "is_admin": request.leap.has(ADMIN)})


@role_required(ADMIN)
def badge_class_create(request: HttpRequest) -> HttpResponse:
    form = BadgeClassForm(*posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        try:
            badge = badge_classes.badge_class_create(centre=request.leap.centre, actor=request.user,
                                                     **form.cleaned_data)
        except BadgeImageError as error:
            form.add_error("image", str(error))
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Badge “%(name)s” created.") % {"name": badge.name})
            return redirect("badge_class_detail", uuid=badge.uuid)
    return render(request, "badges/badge_class_create.html", {"form": form})


@role_required(ADMIN, ASSESSOR)
def badge_class_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    badge = get_badge_class_for(request, uuid)
    awards = selectors.awards_of_badge_class(badge_class=badge)
    if not request.leap.has(ADMIN):
        awards = awards.filter(recipient__in=_caseload(request).values("user"))
    return render(request, "badges/badge_class_detail.html", {
        "badge": badge, "awards": awards, "is_admin": request.leap.has(ADMIN),
        "hand_awardable": badge.kind in badge_classes.NON_FORMAL_KINDS, "now": timezone.now()})


@role_required(ADMIN, ASSESSOR)
def award_by_hand(request: HttpRequest, uuid: UUID) -> HttpResponse:
    badge = get_badge_class_for(request, uuid)
    form = AwardByHandForm(posted(request), learners=_caseload(request))
    if request.method == "POST" and form.is_valid():
        try:
            award = services.award_by_hand(badge_class=badge, actor=request.user, **form.cleaned_data)
        except services.BadgeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Badge awarded to %(name)s.") % {"name": award.recipient})
            return redirect("badge_class_detail", uuid=badge.uuid)
    return render(request, "badges/award_by_hand.html", {"badge": badge, "form": form})


@role_required(ADMIN)
def award_import(request: HttpRequest, uuid: UUID) -> HttpResponse:
    badge = get_badge_class_for(request, uuid)
    form = AwardCsvForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            awards = services.awards_import_csv(badge_class=badge, raw=form.cleaned_data["file"].read(),
                                                actor=request.user)
        except services.AwardCsvError as error:
            problems = error.problems
            form.add_error("file", str(error))
        except services.BadgeError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, ngettext("%(n)s badge awarded; the learner has been told.",
                                               "%(n)s badges awarded; each learner has been told.", len(awards))
                             % {"n": len(awards)})
            return redirect("badge_class_detail", uuid=badge.uuid)
    return render(request, "badges/award_import.html", {"badge": badge, "form": form, "problems": problems})


@role_required(ADMIN)
def award_revoke(request: HttpRequest, uuid: UUID) -> HttpResponse:
    award = get_award_for(request, uuid)
    form = AwardRevokeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.award_revoke(award=award, reason=form.cleaned_data["reason"], actor=request.user)
        except services.BadgeError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("The badge has been revoked; %(name)s has been told.")
                             % {"name": award.recipient})
            return redirect("badge_class_detail", uuid=award.badge_class.uuid)
    return render(request, "badges/award_revoke.html", {"award": award, "form": form})


# --- The learner's own badge images (the wallet, in public_views, lists them) ----------------------------

@signed_in
@require_safe
def award_download(request: HttpRequest, uuid: UUID, format: str) -> FileResponse:
    award = get_award_for(request, uuid, own=True)
    if format not in ("ob2", "ob3") or award.revoked_at:
        raise Http404
    field = f"baked_{format}"
    if not getattr(award, field):
        award = baking.award_bake(award_id=award.pk)  # not baked yet (the worker is behind): bake it now
    baked = getattr(award, field)
    if not baked:
        raise Http404
    response = FileResponse(baked.open("rb"), as_attachment=True, content_type="image/png",
                            filename=f"{slugify(award.badge_class.name) or 'badge'}-{format}.png")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Open Badges 2.0, hosted: deliberately public --------------------------------------------------------

def _json_ld(data: dict, status: int = 200, max_age: int = 300) -> JsonResponse:
    response = JsonResponse(data, status=status, content_type=ob2.CONTENT_TYPE, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in the browser fetch these
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@public
@require_safe
def ob2_assertion(request: HttpRequest, uuid: UUID) -> JsonResponse:
    award = Award.objects.select_related("badge_class").filter(uuid=uuid).first()
    if award is None:
        raise Http404
    if award.revoked_at:
        return _json_ld(ob2.revoked_assertion(award), status=410)
    return _json_ld(ob2.assertion(award), max_age=60)


@public
@require_safe
def ob2_badge_class(request: HttpRequest, uuid: UUID) -> JsonResponse:
    badge = BadgeClass.objects.select_related("centre").filter(uuid=uuid).first()
    if badge is None:
        raise Http404
    return _json_ld(ob2.badge_class(badge))


@public
@require_safe
def ob2_badge_image(request: HttpRequest, uuid: UUID) -> FileResponse:
    badge = BadgeClass.objects.filter(uuid=uuid).first()
    if badge is None or not badge.image:
        raise Http404
    response = FileResponse(badge.image.open("rb"), content_type="image/png")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@public
@require_safe
def ob2_issuer(request: HttpRequest, pk: int) -> JsonResponse:
    centre = Centre.objects.filter(pk=pk, badge_classes__isnull=False).distinct().first()
    if centre is None:
        raise Http404
    return _json_ld(ob2.issuer(centre))


@public
@require_safe
def ob2_revocation_list(request: HttpRequest, pk: int) -> JsonResponse:
    centre = Centre.objects.filter(pk=pk, badge_classes__isnull=False).distinct().first()
    if centre is None:
        raise Http404
    return _json_ld(ob2.revocation_list(centre, selectors.revoked_awards_of_centre(centre=centre)), max_age=60)


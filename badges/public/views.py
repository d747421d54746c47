"""What anyone may see of an award (its public page, chosen evidence, the showcase, the verify page), and the
learner's wallet where they choose what is shown."""

from dataclasses import replace

from allauth.core.internal.httpkit import get_client_ip
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import posted, public, signed_in
from badges.awards.badge_classes import BadgeError
from badges.awards.forms import PublicNameForm, SharingForm, ShowcaseForm, VerifyForm
from badges.awards.services import (
    award_set_sharing,
    public_name_choose,
    refuse_public_sharing,
    showcase_set_enabled,
)
from badges.models import Award, Showcase
from badges.openbadges.verification import verify_submission
from badges.public import selectors
from badges.public.linkedin import add_to_profile_url
from portfolios.evidence.views import stored_file_response
from portfolios.models import EvidenceFile

VERIFY_LIMIT, VERIFY_WINDOW = 30, 600  # checks per address per ten minutes
INLINE_KINDS = {EvidenceFile.Kind.IMAGE, EvidenceFile.Kind.VIDEO, EvidenceFile.Kind.AUDIO}


@public
def award_public(request: HttpRequest, uuid) -> HttpResponse:
    award = selectors.public_award(uuid)
    if award is None:
        raise Http404
    status = selectors.award_status(award)
    formats = selectors.award_formats(award)
    return render(request, "badges/public_award.html", {
        "award": award, "badge": award.badge_class, "centre": award.badge_class.centre, "status": status,
        "evidence": selectors.public_evidence(award), "formats": formats,
        "json_ld": next((f.url for f in formats if f.media_type == "application/ld+json"), None),
        "page_url": selectors.public_url(award), "image_url": selectors.badge_image_url(award),
        "destroyed_on": selectors.record_destroyed_on(award),
    })


@public
def award_public_evidence_file(request: HttpRequest, uuid, file_pk: int) -> HttpResponse:
    """A file of evidence the learner chose to show on this award; anything else is 404."""
    award = selectors.public_award(uuid)
    attached = selectors.public_evidence_file(award, file_pk) if award else None
    if attached is None:
        raise Http404
    thumbnail = request.GET.get("size") == "thumb" and bool(attached.thumbnail)
    # The learner's own file name stays private: it may carry their name.
    return stored_file_response(attached.thumbnail if thumbnail else attached.file,
                                content_type="image/jpeg" if thumbnail else attached.content_type,
                                filename=f"evidence-{attached.pk}{attached.extension}",
                                inline=thumbnail or attached.kind in INLINE_KINDS,
                                range_header=request.headers.get("Range", ""))


@public
def award_public_baked(request: HttpRequest, uuid, kind: str) -> HttpResponse:
    award = selectors.public_award(uuid)
    baked = selectors.public_baked_image(award, kind) if award else None
    if baked is None:
        raise Http404
    response = FileResponse(baked.open("rb"), as_attachment=True, content_type="image/png",
                            filename=f"{slugify(award.badge_class.name) or 'badge'}-{kind}.png")
    response["Cache-Control"] = "public, max-age=300"
    return response


@public
def showcase_public(request: HttpRequest, slug: str) -> HttpResponse:
    showcase = get_object_or_404(Showcase.objects.select_related("user"), slug=slug, enabled=True)
    try:
        refuse_public_sharing(showcase.user)  # switched on before the learner counted as under 18
    except BadgeError:
        raise Http404 from None
    awards = selectors.showcase_awards(showcase)
    return render(request, "badges/showcase_public.html", {
        "showcase": showcase, "awards": [(a, selectors.award_status(a)) for a in awards],
        "name": showcase.user.display_name if any(a.show_name_publicly for a in awards) else "",
        "page_url": selectors.absolute(request.path),
    })


@public
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(*posted(request, files=True))
    report = None
    if request.method == "POST":
        if _over_verify_limit(request):
            response = render(request, "badges/verify.html", {"form": form, "limited": True})
            response.status_code = 429
            return response
        if form.is_valid():
            report = verify_submission(png_bytes=form.cleaned_data["image"], text=form.cleaned_data["text"])
    return render(request, "badges/verify.html", {"form": form, "report": report})


def _over_verify_limit(request: HttpRequest) -> bool:
    key = "badges:verify:" + (get_client_ip(request) or "")  # the client behind the load balancer, not the balancer
    cache.add(key, 0, timeout=VERIFY_WINDOW)
    try:
        return cache.incr(key) > VERIFY_LIMIT
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=VERIFY_WINDOW)
        return False


# --- The learner's own ---------------------------------------------------------------------------------------

@signed_in
def wallet(request: HttpRequest) -> HttpResponse:
    awards = selectors.wallet_awards(request.user)
    evidence = selectors.shareable_evidence(request.user, {a.badge_class.centre_id for a in awards})
    name_choice = selectors.public_name_choice(request.user)
    items = [{
        "award": award, "status": selectors.award_status(award), "public_url": selectors.public_url(award),
        "linkedin_url": add_to_profile_url(award), "formats": _own_formats(award, asked=name_choice is not None),
        "share": {target: reverse("award_share", args=[award.uuid, target]) for target in SHARE_TARGETS},
        "image_url": selectors.badge_image_url(award),
        "form": SharingForm(evidence=evidence.get(award.badge_class.centre_id, []),
                            auto_id=f"id_{award.uuid.hex[:12]}_%s", initial=_sharing_initial(award)),
    } for award in awards]
    showcase = selectors.showcase_of(request.user)
    return render(request, "badges/wallet.html", {
        "items": items, "certificates": _certificate_links(request.user), "showcase": showcase,
        "name_choice": name_choice, "name_form": _name_form(name_choice),
        "showcase_form": ShowcaseForm(initial={"enabled": bool(showcase and showcase.enabled)}),
        "showcase_url": selectors.absolute(showcase.get_absolute_url()) if showcase else None,
    })


def _certificate_links(user) -> list[dict]:
    links = []
    for certificate in selectors.wallet_certificates(user):
        verify_path = selectors.reverse_or_none("certificate_verify", certificate.uuid)
        links.append({"certificate": certificate,
                      "pdf_url": selectors.reverse_or_none("certificate_pdf", certificate.uuid),
                      "verify_url": selectors.absolute(verify_path) if verify_path else None})
    return links


def _sharing_initial(award: Award) -> dict:
    return {"show_name_publicly": award.show_name_publicly, "in_showcase": award.in_showcase,
            "public_evidence": [e.pk for e in award.public_evidence.all()]}


@require_POST
@signed_in
def award_sharing(request: HttpRequest, uuid) -> HttpResponse:
    """The learner chooses what of their own award is public. Anyone else's award is 404, staff included."""
    award = get_object_or_404(Award.objects.select_related("badge_class"), uuid=uuid, recipient=request.user)
    evidence = selectors.shareable_evidence(request.user, {award.badge_class.centre_id})
    form = SharingForm(request.POST, evidence=evidence.get(award.badge_class.centre_id, []))
    if not form.is_valid():
        messages.error(request, _("Those choices could not be saved: pick only your accepted evidence."))
        return redirect("wallet")
    try:
        award_set_sharing(award=award, actor=request.user, in_showcase=form.cleaned_data["in_showcase"],
                          show_name_publicly=form.cleaned_data["show_name_publicly"],
                          public_evidence_ids=form.cleaned_data["public_evidence"])
    except BadgeError as error:
        messages.error(request, str(error))
        return redirect("wallet")
    messages.success(request, _("Saved what is shown of “%(badge)s”.") % {"badge": award.badge_class.name})
    return redirect(f"{reverse('wallet')}#award-{award.uuid}")


@signed_in
def showcase_settings(request: HttpRequest) -> HttpResponse:
    form = ShowcaseForm(posted(request))
    if form.is_valid():
        try:
            showcase = showcase_set_enabled(actor=request.user, enabled=form.cleaned_data["enabled"])
        except BadgeError as error:
            messages.error(request, str(error))
            return redirect("showcase_settings")
        messages.success(request, _("Your public showcase is on.") if showcase.enabled
                         else _("Your public showcase is off."))
        return redirect(f"{reverse('wallet')}#showcase")
    showcase = selectors.showcase_of(request.user)
    return render(request, "badges/showcase_settings.html", {
        "form": ShowcaseForm(initial={"enabled": bool(showcase and showcase.enabled)}), "showcase": showcase,
        "showcase_url": selectors.absolute(showcase.get_absolute_url()) if showcase else None,
    })


# --- Sharing: the first share asks whether public pages show the learner's name --------------------------------

SHARE_TARGETS = ("linkedin", "link", "ob2", "ob3")  # LinkedIn, the copy-link page, the two baked images


def _own_formats(award: Award, *, asked: bool) -> list[selectors.Format]:
    """The learner's downloads; until they have been asked about their name, the images go through the question."""
    formats = selectors.award_formats(award, own=True)
    if asked:
        return formats
    return [replace(f, url=reverse("award_share", args=[award.uuid, f.url.rsplit("/", 1)[-1]]), download=False,
                    media_type="") if f.download else f for f in formats]


def _name_form(choice, data=None) -> PublicNameForm:
    initial = {"show_name": "yes" if choice.show_name else "no"} if choice else {}
    return PublicNameForm(data, initial=initial)


@signed_in
def award_share(request: HttpRequest, uuid, target: str) -> HttpResponse:
    """The way out to a share target. Until the learner has said whether their name is shown on public pages,
    it asks (and a POST answers, then goes on); after that it goes straight through. Anyone else's award: 404."""
    award = get_object_or_404(Award.objects.select_related("badge_class__centre"), uuid=uuid, recipient=request.user)
    if target not in SHARE_TARGETS or (award.revoked_at and target != "link"):
        raise Http404
    choice = selectors.public_name_choice(request.user)
    form = _name_form(choice, posted(request))
    if target in ("linkedin", "link"):
        try:
            refuse_public_sharing(request.user)
        except BadgeError as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('wallet')}#award-{award.uuid}")
    if request.method == "POST" and form.is_valid():
        try:
            public_name_choose(actor=request.user, show_name=form.cleaned_data["show_name"])
        except BadgeError as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('wallet')}#award-{award.uuid}")
        return _share_continue(request, award, target, answered=True)
    if request.method == "GET" and choice is not None:
        return _share_continue(request, award, target, answered=False)
    return render(request, "badges/share_name_prompt.html", {
        "award": award, "badge": award.badge_class, "form": form, "target": target,
        "name": request.user.display_name, "centre": award.badge_class.centre})


def _share_continue(request: HttpRequest, award: Award, target: str, *, answered: bool) -> HttpResponse:
    if target == "link":
        if answered:
            return redirect("award_share", award.uuid, target)
        return render(request, "badges/share_link.html", {
            "award": award, "badge": award.badge_class, "public_url": selectors.public_url(award),
            "choice": selectors.public_name_choice(request.user)})
    url = add_to_profile_url(award) if target == "linkedin" else reverse(f"award_baked_{target}", args=[award.uuid])
    if answered:  # a page that goes on by itself: see the template for why not a redirect
        return render(request, "badges/share_continue.html", {
            "award": award, "badge": award.badge_class, "target": target, "continue_url": url})
    return HttpResponseRedirect(url)


@require_POST
@signed_in
def public_name_setting(request: HttpRequest) -> HttpResponse:
    """The learner changes their answer in the wallet: every badge follows it."""
    form = PublicNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether your name is shown."))
        return redirect(f"{reverse('wallet')}#public-name")
    try:
        choice = public_name_choose(actor=request.user, show_name=form.cleaned_data["show_name"])
    except BadgeError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('wallet')}#public-name")
    messages.success(request, _("Your public badge pages now show your name.") if choice.show_name
                     else _("Your public badge pages now hide your name."))
    return redirect(f"{reverse('wallet')}#public-name")

"""The platform administrator's acts: set up a centre (country, languages, branding, its first centre admin) and
change its country, languages and branding later. Only a superuser may; each act is audited."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from ..branding import HEX_COLOUR, MIN_CONTRAST_WITH_WHITE, contrast_with_white, logo_file_name, logo_format
from ..models import Centre, Role
from ..services import ServiceError, centre_create, staff_invite
from .countries import COUNTRY_CODES


def ensure_platform_admin(actor) -> None:
    if not (actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied


def _check_settings(*, country: str, languages: list[str], brand_colour: str) -> None:
    if country not in COUNTRY_CODES:
        raise ServiceError(_("Choose the centre's country from the list."))
    known = {code for code, _name in settings.LANGUAGES}
    if not languages or not set(languages) <= known:
        raise ServiceError(_("Choose at least one of the languages LEAP offers."))
    if not HEX_COLOUR.match(brand_colour) or contrast_with_white(brand_colour) < MIN_CONTRAST_WITH_WHITE:
        raise ServiceError(_("The main colour needs a contrast of at least 4.5:1 with white text."))


def _save_logo(centre: Centre, logo) -> None:
    centre.logo.save(logo_file_name(logo_format(logo)), logo, save=False)


def platform_centre_set_up(*, actor, name: str, country: str, languages: list[str], brand_colour: str,
                           admin_email: str, logo=None, creation_token: str = "") -> Centre:
    """A new centre with its settings, and an invitation to its first centre admin. With the token of the
    "Create a centre" page, a repeated post (a double click, a retried request) returns the centre it made."""
    ensure_platform_admin(actor)
    if creation_token and (made := Centre.objects.filter(creation_token=creation_token).first()):
        return made
    _check_settings(country=country, languages=languages, brand_colour=brand_colour)
    try:
        with transaction.atomic():
            centre = centre_create(name=name.strip(), country=country, actor=actor)
            centre.languages, centre.brand_colour = list(languages), brand_colour.upper()
            centre.creation_token = creation_token
            if logo is not None:
                _save_logo(centre, logo)
            centre.save(update_fields=["languages", "brand_colour", "creation_token", "logo"])
            audit_record(action="centre.set_up", actor=actor, centre=centre, target=centre,
                         data={"languages": centre.languages, "brand_colour": centre.brand_colour,
                               "logo": bool(logo), "first_admin": admin_email.strip().lower()})
            staff_invite(centre=centre, email=admin_email, role=Role.CENTRE_ADMIN, actor=actor)
    except IntegrityError:  # the same form, posted twice at once: the other request made the centre
        if not creation_token:
            raise
        return Centre.objects.get(creation_token=creation_token)
    return centre


def platform_centre_update(*, centre: Centre, actor, country: str, languages: list[str], brand_colour: str,
                           logo=None, remove_logo: bool = False) -> Centre:
    """Change a centre's country, languages, main colour and logo; the audit event records what changed."""
    ensure_platform_admin(actor)
    _check_settings(country=country, languages=languages, brand_colour=brand_colour)
    with transaction.atomic():
        centre = Centre.objects.select_for_update().get(pk=centre.pk)
        before = {"country": centre.country, "languages": centre.languages, "brand_colour": centre.brand_colour,
                  "logo": centre.logo.name}
        centre.country, centre.languages, centre.brand_colour = country, list(languages), brand_colour.upper()
        if logo is not None:
            _save_logo(centre, logo)
        elif remove_logo:
            centre.logo = ""
        centre.save(update_fields=["country", "languages", "brand_colour", "logo"])
        after = {"country": centre.country, "languages": centre.languages, "brand_colour": centre.brand_colour,
                 "logo": centre.logo.name}
        changed = {key: {"from": before[key], "to": after[key]} for key in before if before[key] != after[key]}
        if changed:
            audit_record(action="centre.settings_changed", actor=actor, centre=centre, target=centre, data=changed)
    return centre


def platform_centre_admin_invite(*, centre: Centre, actor, email: str):
    """Invite a (further) centre admin, say when the first invitation expired unused."""
    ensure_platform_admin(actor)
    return staff_invite(centre=centre, email=email, role=Role.CENTRE_ADMIN, actor=actor)

"""Where an award's OB 3.0 credential lives, and which award or centre an address of ours names."""

from django.urls import reverse

from badges.models import Award
from badges.openbadges import ob2
from badges.openbadges.keys import issuer_id
from centres.models import Centre


def credential_url(award: Award) -> str:
    return ob2.absolute(reverse("ob3_credential", args=[award.uuid]))


def jwt_url(award: Award) -> str:
    return ob2.absolute(reverse("ob3_credential_jwt", args=[award.uuid]))


def centre_of_issuer(issuer: str) -> Centre | None:
    match = ob2.our_match(issuer) if issuer else None
    if match is None or match.url_name != "ob3_issuer":
        return None
    centre = Centre.objects.filter(pk=match.kwargs["pk"]).first()
    return centre if centre is not None and issuer_id(centre) == issuer else None


def award_of_credential(credential_id: str, centre: Centre) -> Award | None:
    match = ob2.our_match(credential_id) if credential_id else None
    if match is None or match.url_name != "ob3_credential":
        return None
    return (Award.objects.filter(uuid=match.kwargs["uuid"], badge_class__centre=centre)
            .select_related("badge_class__centre", "recipient").first())

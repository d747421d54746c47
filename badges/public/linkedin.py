"""LinkedIn's "Add to profile" link, with the certification's fields filled in for the learner."""

from urllib.parse import quote, urlencode

from django.utils import timezone

from badges.models import Award
from badges.public.selectors import public_url

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(award: Award) -> str:
    badge_class = award.badge_class
    issued = timezone.localtime(award.issued_on)
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": badge_class.name,
        "organizationName": badge_class.centre.name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if award.expires_at:
        expires = timezone.localtime(award.expires_at)
        params |= {"expirationYear": expires.year, "expirationMonth": expires.month}
    params |= {"certUrl": public_url(award), "certId": str(award.uuid)}
    return f"{ADD_TO_PROFILE}?{urlencode(params, quote_via=quote)}"

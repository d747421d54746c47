"""LinkedIn's "Add to profile" link carries the certification's fields."""

import datetime
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from badges.public.linkedin import add_to_profile_url

from .test_public_award import (
    SITE,
    _site_url,  # noqa: F401 (autouse)
    make_award,
    make_badge_class,
)


def fields(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def test_the_link_fills_in_the_certification(personas):
    issued = timezone.make_aware(datetime.datetime(2026, 3, 14, 10, 0))
    award = make_award(make_badge_class(personas.centre, name="Food Safety & Hygiene"), personas.learner,
                       issued_on=issued)
    url = add_to_profile_url(award)
    assert url.startswith("https://www.linkedin.com/profile/add?")
    assert fields(url) == {
        "startTask": "CERTIFICATION_NAME", "name": "Food Safety & Hygiene",
        "organizationName": "North Vocational College", "issueYear": "2026", "issueMonth": "3",
        "certUrl": f"{SITE}/badges/awards/{award.uuid}/", "certId": str(award.uuid),
    }
    assert "organizationId" not in url


def test_the_link_carries_the_expiry_when_there_is_one(personas):
    award = make_award(make_badge_class(personas.centre), personas.learner,
                       expires_at=timezone.make_aware(datetime.datetime(2029, 11, 30, 12, 0)))
    found = fields(add_to_profile_url(award))
    assert (found["expirationYear"], found["expirationMonth"]) == ("2029", "11")


def test_the_values_are_url_encoded(personas):
    award = make_award(make_badge_class(personas.centre, name="Café & Bar: Level 2/3"), personas.learner)
    url = add_to_profile_url(award)
    assert " " not in url and "&Bar" not in url
    assert fields(url)["name"] == "Café & Bar: Level 2/3"

"""The public page of an award: what anyone may see, and what stays private.

The helpers here build badge classes, awards and evidence straight through the ORM; the other public, wallet
and verify-page test modules use them too.
"""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from badges.models import Award, BadgeClass
from badges.public.selectors import reverse_or_none
from portfolios.models import Evidence, EvidenceFile
from tests.portfolios.evidence_samples import jpeg_bytes, png_bytes
from tests.portfolios.factories import make_enrolment, make_spec

SITE = "https://leap.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def make_badge_class(centre, *, name="Food Safety Level 2", **fields) -> BadgeClass:
    fields = {"kind": BadgeClass.Kind.SKILL, "description": "Handles food safely in a professional kitchen.",
              "criteria_narrative": "Observed preparing food to HACCP standards.", **fields}
    badge_class = BadgeClass(centre=centre, name=name, **fields)
    badge_class.image.save("badge.png", ContentFile(png_bytes()), save=False)
    badge_class.save()
    return badge_class


def make_award(badge_class, recipient, **fields) -> Award:
    fields = {"issued_on": timezone.now() - datetime.timedelta(days=3), **fields}
    return Award.objects.create(badge_class=badge_class, recipient=recipient, recipient_email=recipient.email,
                                status_index=Award.objects.filter(badge_class=badge_class).count(), **fields)


def make_evidence(enrolment, *, title="Knife skills", status=Evidence.Status.ACCEPTED, processed=True,
                  reflection="I prepared a salad service for forty guests.") -> Evidence:
    evidence = Evidence.objects.create(enrolment=enrolment, title=title, reflection=reflection, status=status,
                                       activity_date=timezone.localdate())
    attach_photo(evidence, processed=processed)
    return evidence


def attach_photo(evidence, *, processed=True) -> EvidenceFile:
    content = jpeg_bytes()
    attached = EvidenceFile(evidence=evidence, original_name="maya-at-home-street.jpg", extension=".jpg",
                            kind=EvidenceFile.Kind.IMAGE, content_type="image/jpeg", size=len(content),
                            processed_at=timezone.now() if processed else None)
    attached.file.save("photo.jpg", ContentFile(content), save=False)
    attached.save()
    return attached


def learner_enrolment(personas, learner=None):
    version = make_spec(personas.centre, code=f"HOSP-{Evidence.objects.count()}-{timezone.now().microsecond}")
    return make_enrolment(learner or personas.learner, personas.assessor, version)


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.fixture
def award(personas):
    return make_award(make_badge_class(personas.centre), personas.learner)


def page(client, award) -> str:
    response = client.get(f"/badges/awards/{award.uuid}/")
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_can_open_the_public_page_without_signing_in(client, award):
    html = page(client, award)
    assert "Food Safety Level 2" in html
    assert "Handles food safely in a professional kitchen." in html
    assert "Observed preparing food to HACCP standards." in html
    assert "North Vocational College" in html


def test_the_learners_name_is_hidden_by_default(client, award, personas):
    html = page(client, award)
    assert "Awarded to a learner of North Vocational College" in html
    assert personas.learner.last_name not in html
    assert personas.learner.email not in html


def test_the_learners_name_is_shown_when_they_allow_it(client, award, personas):
    award.show_name_publicly = True
    award.save()
    assert f"Awarded to {personas.learner.display_name}" in page(client, award)


def test_a_valid_award_says_valid_and_when_it_was_issued(client, award):
    html = page(client, award)
    assert "badge-state valid" in html
    assert timezone.localtime(award.issued_on).strftime("%-d %B %Y") in html


def test_a_revoked_award_says_so_with_the_reason(client, award):
    award.revoked_at = timezone.now()
    award.revocation_reason = "Awarded in error to the wrong cohort"
    award.save()
    html = page(client, award)
    assert "badge-state revoked" in html
    assert "Revoked on" in html
    assert "Awarded in error to the wrong cohort" in html
    assert "badge-state valid" not in html


def test_an_expired_award_says_expired(client, award):
    award.expires_at = timezone.now() - datetime.timedelta(days=1)
    award.save()
    html = page(client, award)
    assert "badge-state expired" in html
    assert "Expired on" in html


def test_open_graph_and_twitter_tags_use_absolute_urls(client, award):
    html = page(client, award)
    assert meta(html, "og:title") == "Food Safety Level 2 · North Vocational College"
    assert meta(html, "og:description").startswith("Handles food safely")
    assert meta(html, "og:url") == f"{SITE}/badges/awards/{award.uuid}/"
    assert meta(html, "og:image").startswith(f"{SITE}/")
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "twitter:image") == meta(html, "og:image")


def test_the_page_links_its_json_ld_and_the_machine_readable_formats(client, award):
    html = page(client, award)
    alternate = re.search(r'<link rel="alternate" type="application/ld\+json" href="([^"]+)">', html)
    assert alternate and alternate.group(1).startswith(f"{SITE}/") and str(award.uuid) in alternate.group(1)
    assert "Open Badges 2.0 (JSON-LD)" in html
    if reverse_or_none("ob3_credential", award.uuid):
        assert f'href="{SITE}/badges/ob3/credentials/{award.uuid}"' in html and "Open Badges 3.0 (JSON)" in html
        assert f'href="{SITE}/badges/ob3/credentials/{award.uuid}.jwt"' in html


def test_baked_images_are_linked_and_served_only_once_baked(client, award):
    assert client.get(f"/badges/awards/{award.uuid}/image/ob2").status_code == 404
    assert "/image/ob2" not in page(client, award)
    award.baked_ob2.save("baked.png", ContentFile(png_bytes()), save=True)
    assert f"{SITE}/badges/awards/{award.uuid}/image/ob2" in page(client, award)
    response = client.get(f"/badges/awards/{award.uuid}/image/ob2")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_the_baked_image_of_a_revoked_award_is_not_served(client, award):
    award.baked_ob2.save("baked.png", ContentFile(png_bytes()), save=False)
    award.revoked_at = timezone.now()
    award.save()
    assert client.get(f"/badges/awards/{award.uuid}/image/ob2").status_code == 404
    assert client.get(f"/badges/awards/{award.uuid}/image/anything").status_code == 404


def test_only_the_evidence_the_learner_chose_is_shown(client, award, personas):
    enrolment = learner_enrolment(personas)
    chosen = make_evidence(enrolment, title="Salad service", reflection="I planned the mise en place.")
    make_evidence(enrolment, title="Private diary entry", reflection="Something personal.")
    award.public_evidence.add(chosen)
    html = page(client, award)
    assert "Salad service" in html and "I planned the mise en place." in html
    assert f"/badges/awards/{award.uuid}/evidence/{chosen.files.get().pk}" in html
    assert "Private diary entry" not in html and "Something personal." not in html
    assert "maya-at-home-street.jpg" not in html  # the learner's file names stay private


def test_chosen_evidence_that_is_no_longer_accepted_is_not_shown(client, award, personas):
    evidence = make_evidence(learner_enrolment(personas), title="Salad service")
    award.public_evidence.add(evidence)
    Evidence.objects.filter(pk=evidence.pk).update(status=Evidence.Status.RETURNED)
    assert "Salad service" not in page(client, award)


def test_a_revoked_award_shows_no_evidence(client, award, personas):
    evidence = make_evidence(learner_enrolment(personas), title="Salad service")
    award.public_evidence.add(evidence)
    award.revoked_at = timezone.now()
    award.save()
    assert "Salad service" not in page(client, award)


def test_nothing_else_of_the_portfolio_is_linked(client, award, personas):
    award.public_evidence.add(make_evidence(learner_enrolment(personas)))
    html = page(client, award)
    assert "/portfolio" not in html and "/evidence/files/" not in html and "/enrolments/" not in html


def test_an_unknown_award_is_404(client, db):
    assert client.get("/badges/awards/00000000-0000-0000-0000-000000000000/").status_code == 404

"""Reads behind the public award page, the showcase and the wallet: what may be shown, and to whom.

Only what the learner chose is public: the award itself, their name if they allowed it, and the evidence
items they picked (accepted ones, processed files only). Nothing else of the portfolio leaves through here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from badges.models import Award, Certificate, PublicNameChoice, Showcase
from portfolios.models import Evidence, EvidenceFile

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
# A centre's retention rule may destroy its record of an award or certificate (records/retention): its baked
# copies, PDF and personal texts go, and the act is recorded in the audit trail on the award or certificate. The
# public pages say so; the award itself (issuer, badge, date, hashed recipient) stays verifiable unless revoked.
RECORD_DESTROYED_ACTION = "retention.award_destroyed"


def record_destroyed_on(obj: Award | Certificate) -> datetime | None:
    """When the centre destroyed its record of the award or certificate under a retention rule, if it did."""
    return (AuditEvent.objects.for_object(obj).filter(action=RECORD_DESTROYED_ACTION)
            .values_list("created_at", flat=True).first())


def award_status(award: Award, *, now: datetime | None = None) -> str:
    if award.revoked_at:
        return REVOKED
    if award.expires_at and award.expires_at <= (now or timezone.now()):
        return EXPIRED
    return VALID


def absolute(path: str) -> str:
    """Our canonical address for a path: SITE_URL, never the Host header a visitor sent."""
    return settings.SITE_URL + path


def reverse_or_none(name: str, *args) -> str | None:
    """A URL of a part another module provides, or None while it does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def public_url(award: Award) -> str:
    return absolute(reverse("award_public", args=[award.uuid]))


@dataclass(frozen=True)
class Format:
    label: str
    url: str
    media_type: str
    download: bool = False


# (URL name, label, media type). Each link shows only once its view exists.
DOCUMENT_LINKS = (
    ("ob2_assertion", _("Open Badges 2.0 (JSON-LD)"), "application/ld+json"),
    ("ob3_credential", _("Open Badges 3.0 (JSON)"), "application/vc+ld+json"),
    ("ob3_credential_jwt", _("Open Badges 3.0 (JWT)"), "application/vc+jwt"),
)
IMAGE_LABELS = {"ob2": _("Badge image with Open Badges 2.0 inside (PNG)"),
                "ob3": _("Badge image with Open Badges 3.0 inside (PNG)")}


def award_formats(award: Award, *, own: bool = False) -> list[Format]:
    """The machine-readable forms of an award, as absolute URLs. The learner downloads their baked images
    (baked on demand); the public gets those already baked, never of a revoked award."""
    formats = []
    for name, label, media_type in DOCUMENT_LINKS:
        if (path := reverse_or_none(name, award.uuid)) is not None:
            formats.append(Format(str(label), absolute(path), media_type))
    if award.revoked_at:
        return formats
    for kind, label in IMAGE_LABELS.items():
        if own:
            path = reverse_or_none(f"award_baked_{kind}", award.uuid)
        else:
            path = reverse_or_none("award_public_baked", award.uuid, kind) if getattr(award, f"baked_{kind}") else None
        if path is not None:
            formats.append(Format(str(label), absolute(path), "image/png", download=True))
    return formats


def public_baked_image(award: Award, kind: str):
    """The baked image of a current award, if it has been baked: public like the documents it carries."""
    if kind not in IMAGE_LABELS or award.revoked_at:
        return None
    return getattr(award, f"baked_{kind}") or None


def badge_image_url(award: Award) -> str | None:
    path = reverse_or_none("ob2_badge_image", award.badge_class.uuid)
    return absolute(path) if path else None


def public_award(uuid) -> Award | None:
    return (Award.objects.filter(uuid=uuid)
            .select_related("badge_class__centre", "recipient").first())


def _chosen_evidence(award: Award) -> QuerySet[Evidence]:
    """The evidence the learner chose for this award, still theirs and accepted; none once revoked."""
    if award.revoked_at:
        return Evidence.objects.none()
    return award.public_evidence.filter(enrolment__learner_id=award.recipient_id, status=Evidence.Status.ACCEPTED,
                                        enrolment__centre_id=award.badge_class.centre_id)


def public_evidence(award: Award) -> list[Evidence]:
    processed = EvidenceFile.objects.filter(processed_at__isnull=False).order_by("uploaded_at", "pk")
    return list(_chosen_evidence(award).order_by("activity_date", "pk")
                .prefetch_related(Prefetch("files", queryset=processed, to_attr="public_files")))


def public_evidence_file(award: Award, file_pk: int) -> EvidenceFile | None:
    return EvidenceFile.objects.filter(pk=file_pk, evidence__in=_chosen_evidence(award),
                                       processed_at__isnull=False).first()


def showcase_awards(showcase: Showcase) -> list[Award]:
    return list(Award.objects.filter(recipient_id=showcase.user_id, in_showcase=True, revoked_at__isnull=True)
                .select_related("badge_class__centre"))


def wallet_awards(user) -> list[Award]:
    return list(Award.objects.filter(recipient=user).select_related("badge_class__centre")
                .prefetch_related(Prefetch("public_evidence", queryset=Evidence.objects.only("pk"))))


def wallet_certificates(user) -> list[Certificate]:
    return list(Certificate.objects.filter(recipient=user).select_related("centre"))


def shareable_evidence(user, centre_ids) -> dict[int, list[Evidence]]:
    """The learner's accepted evidence, by centre: what they may choose to show on that centre's awards."""
    by_centre: dict[int, list[Evidence]] = {}
    evidence = (Evidence.objects.filter(enrolment__learner=user, enrolment__centre_id__in=centre_ids,
                                        status=Evidence.Status.ACCEPTED)
                .select_related("enrolment").only("pk", "title", "activity_date", "enrolment__centre_id")
                .order_by("-activity_date", "-pk"))
    for item in evidence:
        by_centre.setdefault(item.enrolment.centre_id, []).append(item)
    return by_centre


def showcase_of(user) -> Showcase | None:
    return Showcase.objects.filter(user=user).first()


def public_name_choice(user) -> PublicNameChoice | None:
    """The learner's answer about their name on public pages; None until they have been asked and answered."""
    return PublicNameChoice.objects.filter(user=user).first()

"""What a certificate's public side reads: its verification address and its status."""

from django.conf import settings
from django.urls import reverse

from badges.models import Certificate


class CertificateStatus:
    VALID = "valid"
    REVOKED = "revoked"
    REPLACED = "replaced"


def certificate_verification_url(certificate: Certificate) -> str:
    """The absolute address the QR code carries."""
    return settings.SITE_URL + reverse("certificate_verify", args=[certificate.uuid])


def certificate_status(certificate: Certificate) -> str:
    if certificate.revoked_at is None:
        return CertificateStatus.VALID
    replaced = getattr(certificate, "replaced_by", None) if certificate.pk else None
    return CertificateStatus.REPLACED if replaced else CertificateStatus.REVOKED

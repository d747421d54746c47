"""The certificate's PDF, rendered once by a worker."""

from django.core.files.base import ContentFile
from django.db import transaction

from badges.certificates.pdf import certificate_pdf_bytes
from badges.models import Certificate


def certificate_render(*, certificate_id: int) -> bool:
    """Render and store a certificate's PDF once. Safe to run twice: a stored PDF is never replaced."""
    certificate = Certificate.objects.select_related("centre").filter(pk=certificate_id).first()
    if certificate is None or certificate.pdf:
        return False
    body = certificate_pdf_bytes(certificate)  # outside the lock: rendering takes a moment
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        if locked.pdf:
            return False
        locked.pdf.save(f"{locked.uuid.hex}.pdf", ContentFile(body), save=False)
        Certificate.objects.filter(pk=certificate_id).update(pdf=locked.pdf.name)
    return True

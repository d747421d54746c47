"""Processing an evidence file once its upload is committed: hash, location stripped, thumbnail or poster.

Run by the `portfolios.tasks.process_evidence_file` task, which `services` queues on commit; kept apart from
`services` so that the task module imports this and `services` imports the task, without a cycle.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portfolios.evidence.files import (
    HEIF_CONTENT_TYPES,
    heif_as_jpeg,
    image_capture_time,
    make_thumbnail,
    sha256_of,
    strip_image_location,
    video_poster,
)
from portfolios.models import EvidenceFile


def evidence_file_process(*, file_id: int) -> bool:
    """Hash the file (unless it was hashed as it arrived and is unchanged), strip GPS from photos, make a thumbnail
    or poster. Idempotent: done once only."""
    with transaction.atomic():
        attached = EvidenceFile.objects.select_for_update().filter(pk=file_id).first()
        if attached is None or attached.processed_at:
            return False
        storage = attached.file.storage
        old_name = None
        if attached.kind == EvidenceFile.Kind.IMAGE:
            with attached.file.open("rb") as handle:
                taken = image_capture_time(handle)
                # Cameras write local time without a zone: read it in the centre's zone.
                attached.capture_time = timezone.make_aware(taken) if taken and timezone.is_naive(taken) else taken
                handle.seek(0)
                if attached.content_type in HEIF_CONTENT_TYPES:
                    stripped = heif_as_jpeg(handle)
                    if stripped is not None:
                        _now_jpeg(attached)
                else:
                    stripped = strip_image_location(handle, attached.content_type)
            if stripped is not None:
                old_name = attached.file.name
                attached.file.save(f"x{attached.extension}", ContentFile(stripped), save=False)
                attached.size = len(stripped)
                attached.location_removed = True
            with attached.file.open("rb") as handle:
                thumb = _thumbnail_or_none(handle)
            if thumb:
                attached.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        elif attached.kind == EvidenceFile.Kind.VIDEO:
            poster = _poster_or_none(attached)
            if poster:
                attached.thumbnail.save("poster.jpg", ContentFile(poster), save=False)
        if old_name or not attached.sha256:  # rewritten here, or not hashed as it arrived (direct to S3)
            with attached.file.open("rb") as handle:
                attached.sha256 = sha256_of(handle)
        attached.processed_at = timezone.now()
        attached.save()
        if old_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return True


def _now_jpeg(attached: EvidenceFile) -> None:
    """A HEIC photo is kept as the JPEG made from it (browsers cannot show HEIC; its location is gone)."""
    stem = attached.original_name.rsplit(".", 1)[0] if "." in attached.original_name else attached.original_name
    attached.content_type, attached.extension, attached.original_name = "image/jpeg", ".jpg", f"{stem}.jpg"


def _thumbnail_or_none(handle) -> bytes | None:
    try:
        return make_thumbnail(handle)
    except Exception:  # HEIC without a decoder, say: the file stays valid, it just has no preview
        return None


def _poster_or_none(attached: EvidenceFile) -> bytes | None:
    try:
        path = attached.file.path
    except NotImplementedError:  # object storage: posters need a local copy, skipped for now
        return None
    return video_poster(path)

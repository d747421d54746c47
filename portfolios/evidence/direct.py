"""Direct uploads: the browser sends a file straight to S3 with a presigned POST, so the web processes never carry
the bytes; the server then confirms the object by its content before attaching it.

Only keys issued here (a PendingUpload) can be confirmed. The confirmed object is copied, inside S3, to a key the
browser was never given: the presigned POST stays valid for its hour, and without the copy it could replace the
object after it was checked and hashed. Every read and the copy name the ETag seen by HEAD, so the bytes checked
are exactly the bytes kept.

How much is read to check it: objects up to FULL_CHECK_BYTES (every photo, PDF, document and text file under the
default limits) are downloaded whole to a temporary file and fully verified, images decoded included. Larger
objects (videos, long recordings) are checked on their first HEAD_BYTES only: the signature, the container's
header and, when the MP4 index comes first, its tracks. A document allowed above FULL_CHECK_BYTES by a raised
LEAP_MAX_UPLOAD_BYTES would be refused as damaged, since its ZIP directory sits at the end.
"""

import datetime
import io
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.models import User
from portfolios.evidence import files as evidence_files
from portfolios.evidence.files import CheckedFile, FileRefused, check_upload
from portfolios.evidence.services import EvidenceError, ensure_learner_may_change, evidence_file_register
from portfolios.models import Evidence, EvidenceFile, PendingUpload, evidence_file_path

UPLOAD_LIFETIME = datetime.timedelta(hours=1)
FULL_CHECK_BYTES = 60 * 1024 * 1024
HEAD_BYTES = 1024 * 1024
MAX_PENDING_PER_LEARNER = 50  # uploads granted and not yet confirmed or expired: bounds what one person can start


class UploadMissing(EvidenceError):
    pass


class TooManyUploads(EvidenceError):
    pass


@dataclass(frozen=True)
class UploadGrant:
    pending: PendingUpload
    url: str
    fields: dict[str, str]


def size_limit_message() -> str:
    return _("Files can be at most %(mb)s MB.") % {"mb": evidence_files.MAX_ANY_UPLOAD_BYTES // (1024 * 1024)}


def _s3() -> tuple[Any, str]:
    """The boto3 client and bucket of the default storage, which must be S3Storage (settings.S3_BUCKET)."""
    return default_storage.connection.meta.client, default_storage.bucket_name


def upload_grant(*, evidence: Evidence, name: str, size: int, actor: User) -> UploadGrant:
    """Authorise one direct upload of at most `size` bytes to a new random key. Changes nothing yet: no audit."""
    ensure_learner_may_change(evidence, actor)
    if not 0 < size <= evidence_files.MAX_ANY_UPLOAD_BYTES:
        raise EvidenceError(size_limit_message())
    now = timezone.now()
    if PendingUpload.objects.filter(evidence__enrolment__learner=actor, expires_at__gt=now).count() \
            >= MAX_PENDING_PER_LEARNER:
        raise TooManyUploads(_("Too many uploads are in progress. Wait for them to finish, then try again."))
    pending = PendingUpload.objects.create(evidence=evidence, key=f"uploads/{uuid.uuid4().hex}",
                                           original_name=name[:200], declared_size=size,
                                           expires_at=now + UPLOAD_LIFETIME)
    client, bucket = _s3()
    # No ACL field: the object inherits the private bucket's. S3 refuses any form field the policy does not list.
    post = client.generate_presigned_post(
        Bucket=bucket, Key=pending.key, ExpiresIn=int(UPLOAD_LIFETIME.total_seconds()),
        Conditions=[{"key": pending.key}, ["content-length-range", 1, size]])
    return UploadGrant(pending=pending, url=post["url"], fields=post["fields"])


def pending_upload_for(evidence: Evidence, pk: int) -> PendingUpload | None:
    """A granted upload of this evidence that may still be confirmed."""
    return PendingUpload.objects.filter(evidence=evidence, pk=pk, expires_at__gt=timezone.now()).first()


def upload_confirm(*, pending: PendingUpload, actor: User) -> EvidenceFile:
    """Check the object the browser sent and attach it. A refused file is deleted and raises FileRefused."""
    evidence = pending.evidence
    ensure_learner_may_change(evidence, actor)
    client, bucket = _s3()
    try:
        checked, key, size = _check_and_keep(client, bucket, pending)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            raise UploadMissing(_("The upload did not arrive. Try again.")) from error
        if error.response["Error"]["Code"] in ("412", "PreconditionFailed"):
            raise UploadMissing(_("The file changed while it was being checked. Try again.")) from error
        raise
    try:
        with transaction.atomic():
            # Deleting the row claims the upload: a second confirm, even a concurrent one, finds nothing.
            if not PendingUpload.objects.filter(pk=pending.pk).delete()[0]:
                raise EvidenceError(_("This upload has already been added."))
            attached = evidence_file_register(evidence=evidence, key=key, checked=checked, size=size, actor=actor)
            transaction.on_commit(lambda: client.delete_object(Bucket=bucket, Key=pending.key))
    except BaseException:
        client.delete_object(Bucket=bucket, Key=key)
        raise
    return attached


def _check_and_keep(client, bucket: str, pending: PendingUpload) -> tuple[CheckedFile, str, int]:
    """Check the object by its content, then copy it to its lasting key: (what it is, that key, its size)."""
    head = client.head_object(Bucket=bucket, Key=pending.key)
    size, etag = head["ContentLength"], head["ETag"]
    try:
        if size > pending.declared_size:  # S3 enforces this too (content-length-range); never trust one check
            raise FileRefused(pending.original_name, _("the file is larger than its upload allowed"))
        with _fetched(client, bucket, pending.key, size=size, etag=etag) as content:
            checked = check_upload(content, pending.original_name, size)
    except FileRefused:
        _discard(client, bucket, [pending])
        raise
    key = evidence_file_path(EvidenceFile(extension=checked.extension), checked.clean_name)
    # The object's own headers, for any link made without response overrides: its sniffed type, a download.
    client.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": pending.key},
                       CopySourceIfMatch=etag, MetadataDirective="REPLACE", ContentType=checked.content_type,
                       ContentDisposition=content_disposition_header(as_attachment=True,
                                                                     filename=checked.clean_name))
    return checked, key, size


@contextmanager
def _fetched(client, bucket: str, key: str, *, size: int, etag: str) -> Iterator[IO[bytes]]:
    """What check_upload reads: the whole object in a temporary file, or the first HEAD_BYTES of a large one."""
    if size > FULL_CHECK_BYTES:
        body = client.get_object(Bucket=bucket, Key=key, IfMatch=etag, Range=f"bytes=0-{HEAD_BYTES - 1}")["Body"]
        yield io.BytesIO(body.read())
        return
    # Streamed by get_object rather than download_fileobj, which cannot pin the ETag.
    with tempfile.TemporaryFile() as tmp:
        shutil.copyfileobj(client.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"], tmp, 1024 * 1024)
        tmp.seek(0)
        yield tmp


def _discard(client, bucket: str, uploads: list[PendingUpload]) -> None:
    for start in range(0, len(uploads), 1000):  # DeleteObjects takes at most 1000 keys
        batch = uploads[start:start + 1000]
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": u.key} for u in batch], "Quiet": True})
        PendingUpload.objects.filter(pk__in=[u.pk for u in batch]).delete()


def pending_uploads_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploads granted and never confirmed in time, and whatever the browser sent for them.
    Idempotent; meant for Celery beat, every hour or so."""
    expired = list(PendingUpload.objects.filter(expires_at__lte=now or timezone.now()))
    if expired:
        _discard(*_s3(), expired)
    return len(expired)

"""Sample packs: asked for by the grant's centre admin or its external moderator, built by a worker, downloaded
only by the person who asked, until the link expires (LEAP_SAMPLE_PACK_DAYS, default 7)."""

import datetime
import logging

from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Role
from centres.services import ServiceError, has_role
from moderation.models import EqaGrant, SamplePack

from .builder import TRANSIENT
from .selectors import pending_pack
from .tasks import build_sample_pack

log = logging.getLogger(__name__)


def may_request_pack(grant: EqaGrant, user: User) -> bool:
    """The grant's centre admins, and its external moderator while the grant is active."""
    if user.pk is not None and user.pk == grant.moderator_id:
        return grant.is_active()
    return has_role(user, grant.centre, Role.CENTRE_ADMIN)


def sample_pack_request(*, grant: EqaGrant, actor: User) -> SamplePack:
    """Queue a sample pack of the grant for `actor`. Asking again while theirs is queued or being built gives
    that one (a double click makes one pack)."""
    if not may_request_pack(grant, actor):
        raise PermissionDenied
    if grant.state in ("revoked", "expired"):
        raise ServiceError(_("This grant has ended: a sample pack can only be made while it runs."))
    with transaction.atomic():
        EqaGrant.objects.select_for_update().get(pk=grant.pk)  # two clicks at once: the second waits, finds the first
        existing = pending_pack(grant=grant, user=actor)
        if existing is not None:
            transaction.on_commit(lambda: _queue_build(existing.pk))  # harmless if already running: idempotent
            return existing
        pack = SamplePack.objects.create(grant=grant, requested_by=actor, expires_at=timezone.now()
                                         + datetime.timedelta(days=settings.LEAP_SAMPLE_PACK_DAYS))
        audit_record(action="eqa.pack_requested", actor=actor, centre=grant.centre, target=pack,
                     data={"grant": grant.pk, "expires_at": pack.expires_at.isoformat()})
        transaction.on_commit(lambda: _queue_build(pack.pk))
    return pack


def _queue_build(pack_id: int) -> None:
    try:
        build_sample_pack.delay(pack_id)
    except TRANSIENT:  # no broker: the pack stays queued, and asking again queues it again
        log.warning("sample pack %s could not be queued", pack_id, exc_info=True)
    except Retry:  # eager (no worker): the build was retried in this request, and the pack says how it went
        log.warning("sample pack %s was retried", pack_id, exc_info=True)


def sample_pack_downloaded(*, pack: SamplePack, actor: User) -> SamplePack:
    """The person who asked for the pack takes it: only theirs, only while ready and not expired."""
    if pack.requested_by_id != actor.pk:
        raise PermissionDenied
    if pack.status != SamplePack.Status.READY or pack.is_expired:
        raise ServiceError(_("This sample pack cannot be downloaded."))
    with transaction.atomic():
        first = pack.downloaded_at is None
        if first:
            pack.downloaded_at = timezone.now()
            SamplePack.objects.filter(pk=pack.pk).update(downloaded_at=pack.downloaded_at)
        audit_record(action="eqa.pack_downloaded", actor=actor, centre=pack.grant.centre, target=pack,
                     data={"grant": pack.grant_id, "first": first, "sha256": pack.sha256})
    return pack

"""Portfolio exports: asked for by the learner (everything they hold anywhere) or, for one centre's part, by their
assessor or a centre admin; built by a worker (`tasks.build_portfolio_export`), announced with a link that works
once and until the ZIP expires, 7 days after the build; then the sweep deletes the ZIP."""

import datetime
import logging
import secrets
import tempfile

from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role, hash_token, new_token
from centres.services import ServiceError, has_role
from centres.workflow import move_status
from centres.zip_stream import file_digest
from notifications.delivery import SECRET
from notifications.services import notify
from portfolios.models import Enrolment

from .builder import write_portfolio_export
from .models import LINK_DAYS, ExportRequest

log = logging.getLogger(__name__)

Purpose, Status = ExportRequest.Purpose, ExportRequest.Status
# Errors worth another try (the database or the storage away for a moment); anything else fails the build.
TRANSIENT = (OperationalError, OSError, ConnectionError)
# An export still "being prepared" this long after it started lost its worker: the redelivered task builds it again.
STALE_BUILD = datetime.timedelta(hours=2)


class ExportUnavailable(ServiceError):
    """The export (or the link followed) cannot give the file; `reason` says why: used, expired or not_ready."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- Who may ask ---------------------------------------------------------------------------------------------

def may_request_export(*, learner: User, actor: User, centre: Centre | None = None, purpose: str = Purpose.SELF
                       ) -> bool:
    """The learner for themselves (everything, or one of their centres); for one centre's part, the assessor of
    one of the learner's enrolments there or a centre admin of it; a subject-access export, a centre admin only."""
    if not actor.is_authenticated:
        return False
    if actor.pk == learner.pk:
        return purpose == Purpose.SELF and (centre is None or _is_learner_at(learner, centre))
    if centre is None or purpose not in (Purpose.STAFF, Purpose.SUBJECT_ACCESS):
        return False
    if has_role(actor, centre, Role.CENTRE_ADMIN):
        return _is_learner_at(learner, centre)
    return (purpose == Purpose.STAFF and has_role(actor, centre, Role.ASSESSOR)
            and Enrolment.objects.filter(learner=learner, centre=centre, assessor=actor).exists())


def _is_learner_at(learner: User, centre: Centre) -> bool:
    """A learner of the centre now or before (a learner who has left still has a record there)."""
    return (Membership.objects.filter(user=learner, centre=centre, role=Role.LEARNER).exists()
            or Enrolment.objects.filter(learner=learner, centre=centre).exists())


# --- Asking -------------------------------------------------------------------------------------------------

def export_request(*, learner: User, actor: User, centre: Centre | None = None, purpose: str = Purpose.SELF
                   ) -> ExportRequest:
    """Queue a build of the learner's portfolio (the Celery task runs on commit). Asking again while the same
    export is queued or being prepared gives that one: a double click makes one export."""
    if not may_request_export(learner=learner, actor=actor, centre=centre, purpose=purpose):
        raise PermissionDenied
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=learner.pk).first()  # two clicks at once: the second waits
        existing = ExportRequest.objects.filter(learner=learner, requested_by=actor, centre=centre, purpose=purpose,
                                                status__in=ExportRequest.PENDING).first()
        if existing is not None:
            transaction.on_commit(lambda: _queue_build(existing.pk))  # harmless if running: the build is claimed
            return existing
        export = ExportRequest.objects.create(learner=learner, requested_by=actor, centre=centre, purpose=purpose)
        audit_record(action="export.requested", actor=actor, centre=centre, target=export, subject=learner,
                     data={"export": export.pk, "purpose": purpose, "centre": centre.pk if centre else None})
        transaction.on_commit(lambda: _queue_build(export.pk))
    return export


def _queue_build(export_id: int) -> None:
    from .tasks import build_portfolio_export  # the task module calls back into this one

    try:
        build_portfolio_export.delay(export_id)
    except TRANSIENT:  # no broker: the export stays queued, and asking again queues it again
        log.warning("portfolio export %s could not be queued", export_id, exc_info=True)
    except Retry as retry:  # eager (no worker): no later attempt will come, so the failure is final
        log.warning("portfolio export %s failed in the request", export_id, exc_info=True)
        _failed_told(export_id, retry.exc)


# --- Building ---------------------------------------------------------------------------------------------------

def export_build(*, export_id: int, last_attempt: bool = True) -> bool:
    """Build a queued export, mark it ready with a fresh link and tell the people. Safe to run twice: an export
    that is ready, or being prepared by another worker, is left alone. A transient error is raised again for the
    task to retry, unless this is its last attempt; a failed export says so to the learner and the requester."""
    export = _claim(export_id)
    if export is None:
        return False
    try:
        name, size, digest, summary = _build_to_storage(export)
    except Exception as error:
        _fail(export_id, error)
        if isinstance(error, TRANSIENT) and not last_attempt:
            raise
        log.exception("portfolio export %s failed", export_id)
        _failed_told(export_id, error)
        return False
    with transaction.atomic():
        export = _locked(export_id)
        move_status(export, Status.READY)
        export.file.name, export.size, export.sha256, export.file_count = name, size, digest, summary.file_count
        export.finished_at, export.error = timezone.now(), ""
        export.expires_at = export.finished_at + datetime.timedelta(days=LINK_DAYS)
        token = _new_link(export)
        export.save()
        audit_record(action="export.built", centre=export.centre, target=export, subject=export.learner, data={
            "export": export.pk, "size": size, "sha256": digest, "files": summary.file_count,
            "expires_at": export.expires_at.isoformat()})
        _tell_ready(export, token)
    return True


def _locked(export_id: int) -> ExportRequest:
    # `of`: PostgreSQL locks no row of the outer-joined (nullable) centre.
    return (ExportRequest.objects.select_for_update(of=("self",)).select_related("learner", "requested_by", "centre")
            .get(pk=export_id))


def _claim(export_id: int) -> ExportRequest | None:
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status not in (Status.QUEUED, Status.BUILDING, Status.FAILED):
            return None
        if export.status == Status.BUILDING:
            if export.started_at and timezone.now() - export.started_at < STALE_BUILD:
                return None  # another worker is on it
            move_status(export, Status.FAILED)
        move_status(export, Status.BUILDING)
        export.started_at, export.error = timezone.now(), ""
        export.save(update_fields=["status", "started_at", "error"])
    return ExportRequest.objects.select_related("learner", "centre").get(pk=export_id)


def _build_to_storage(export: ExportRequest):
    """The ZIP in a temporary file on disk (never in memory), then copied chunk by chunk into the default storage
    under portfolio-exports/ (private: served only through the download views)."""
    with tempfile.TemporaryFile(prefix="leap-export-") as out:
        summary = write_portfolio_export(learner=export.learner, out=out, centre=export.centre,
                                         purpose=export.purpose)
        # Hashed as it was written when the builder could; else read back once.
        size, digest = (summary.size, summary.sha256) if summary.sha256 else file_digest(out)
        out.seek(0)
        name = export.file.field.generate_filename(
            export, f"export-{export.pk}-{secrets.token_hex(8)}.zip")
        name = export.file.storage.save(name, File(out, name=name), max_length=300)
    return name, size, digest, summary


def _fail(export_id: int, error: Exception) -> None:
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().get(pk=export_id)
        if export.status != Status.BUILDING:
            return
        move_status(export, Status.FAILED)
        export.error, export.finished_at = f"{type(error).__name__}: {error}"[:2000], timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])


def _failed_told(export_id: int, error: Exception) -> None:
    with transaction.atomic():
        export = ExportRequest.objects.select_related("learner", "requested_by", "centre").get(pk=export_id)
        audit_record(action="export.failed", centre=export.centre, target=export, subject=export.learner,
                     data={"export": export.pk, "error": type(error).__name__})
        context = _context(export)
        if export.purpose != Purpose.SUBJECT_ACCESS:
            notify(recipient=export.learner, kind="portfolio_export_failed", url=profile_exports_url(),
                   context={**context, "for_learner": True}, centre=export.centre)
        if export.requested_by_id != export.learner_id:
            notify(recipient=export.requested_by, kind="portfolio_export_failed", email=False,
                   url=_staff_url(export), context={**context, "for_learner": False}, centre=export.centre)


def _tell_ready(export: ExportRequest, token: str) -> None:
    """The person who downloads it gets the link (the learner by email and in the app; for a subject-access
    request, the admin in the app); a member of staff who asked for the learner is told it is ready, no link."""
    context = _context(export)
    if export.purpose == Purpose.SUBJECT_ACCESS:
        notify(recipient=export.requested_by, kind="portfolio_export_prepared", email=False,
               url=reverse("portfolio_export_file", args=[export.pk]), context={**context, "subject_access": True},
               centre=export.centre)
        return
    notify(recipient=export.learner, kind="portfolio_export_ready", url=profile_exports_url(),
           context={**context, SECRET: {"download_url": absolute(download_path(token))}}, essential=True,
           centre=export.centre)
    if export.requested_by_id != export.learner_id:
        notify(recipient=export.requested_by, kind="portfolio_export_prepared", email=False, url=_staff_url(export),
               context=context, centre=export.centre)


def _context(export: ExportRequest) -> dict:
    expires = timezone.localtime(export.expires_at) if export.expires_at else None
    return {"learner_name": export.learner.display_name, "centre_name": export.centre.name if export.centre else "",
            "staff_asked": export.requested_by_id != export.learner_id,
            "requested_by_name": export.requested_by.display_name, "days": LINK_DAYS,
            "expires_on": date_format(expires, "j M Y, H:i") if expires else "", "size": export.size}


def _staff_url(export: ExportRequest) -> str:
    membership = Membership.objects.filter(user=export.learner_id, centre=export.centre_id,
                                           role=Role.LEARNER).first()
    return reverse("learner_detail", args=[membership.pk]) if membership else ""


# --- The link and the download ----------------------------------------------------------------------------------

def _new_link(export: ExportRequest) -> str:
    """A fresh random token for the export's link: only its SHA-256 is kept; the raw token goes into the link."""
    token = new_token()
    export.token_hash, export.token_used_at = hash_token(token), None
    return token


def download_path(token: str) -> str:
    return reverse("portfolio_export_download", args=[token])


def profile_exports_url() -> str:
    return reverse("profile") + "#portfolio-export"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _check_downloadable(export: ExportRequest, actor: User) -> None:
    if actor.pk != export.recipient_id:
        raise PermissionDenied
    if export.is_expired:
        raise ExportUnavailable("expired", _("This portfolio export has expired and its file has been deleted."))
    if not export.is_downloadable:
        raise ExportUnavailable("not_ready", _("This portfolio export is not ready to download."))


def export_downloaded(*, export: ExportRequest, actor: User, token: str | None = None) -> ExportRequest:
    """The person the export is for takes the file: from their profile (no token), or through the emailed link,
    which is then used up. Refused (ExportUnavailable) once the link is used or the export expired."""
    with transaction.atomic():
        export = _locked(export.pk)
        _check_downloadable(export, actor)
        if token is not None:
            if export.token_hash != hash_token(token):
                raise PermissionDenied  # a link replaced by a newer one: found by nobody
            if export.token_used_at is not None:
                raise ExportUnavailable("used", _("This download link has already been used."))
            export.token_used_at = timezone.now()
        first = export.downloaded_at is None
        if first:
            export.downloaded_at = timezone.now()
        export.save(update_fields=["token_used_at", "downloaded_at"])
        audit_record(action="export.downloaded", actor=actor, centre=export.centre, target=export,
                     subject=export.learner, data={"export": export.pk, "first": first, "by_link": token is not None,
                                                   "sha256": export.sha256})
    return export


def export_new_link(*, export: ExportRequest, actor: User, send: bool = True) -> str:
    """A fresh link to a ready, unexpired export, without building it again (the expiry stays: the ZIP is
    deleted then). The earlier link stops working. `send`: email it to the person it is for. Returns the raw
    token (shown nowhere else)."""
    with transaction.atomic():
        export = _locked(export.pk)
        _check_downloadable(export, actor)
        token = _new_link(export)
        export.save(update_fields=["token_hash", "token_used_at"])
        audit_record(action="export.link_renewed", actor=actor, centre=export.centre, target=export,
                     subject=export.learner, data={"export": export.pk, "sent": send})
        if send:
            notify(recipient=actor, kind="portfolio_export_ready", url=profile_exports_url(), essential=True,
                   context={**_context(export), SECRET: {"download_url": absolute(download_path(token))},
                            "renewed": True},
                   centre=export.centre)
    return token


# --- Expiry -------------------------------------------------------------------------------------------------

def exports_sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete the ZIP of every export whose link has expired and mark it expired (the record stays, with the
    ZIP's hash). Safe to run twice."""
    now = now or timezone.now()
    swept = 0
    due = ExportRequest.objects.filter(status=Status.READY, expires_at__lte=now).select_related("centre", "learner")
    for export in due.iterator(chunk_size=200):
        if export.file:
            export.file.delete(save=False)
        with transaction.atomic():
            locked = ExportRequest.objects.select_for_update().get(pk=export.pk)
            if locked.status != Status.READY:
                continue
            move_status(locked, Status.EXPIRED)
            locked.file = ""
            locked.save(update_fields=["status", "file"])
            audit_record(action="export.expired", centre=export.centre, target=locked, subject=export.learner,
                         data={"export": locked.pk, "sha256": locked.sha256})
        swept += 1
    return swept

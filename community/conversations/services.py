"""Conversation acts: send a message (text, a voice note, attachments), read, and turn a learner's attachment into a
draft evidence item for them. Each act checks who acts, runs in a transaction with its audit event, and tells people
once the transaction commits."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.services import ServiceError
from community.sharing.limits import check_rate
from notifications.models import Notification
from notifications.selectors import forget_unread
from notifications.services import notify
from portfolios.evidence.files import (
    HEIF_CONTENT_TYPES,
    CheckedFile,
    FileRefused,
    check_upload,
    heif_as_jpeg,
    sha256_of,
    strip_image_location,
)
from portfolios.models import Enrolment, Evidence, EvidenceFile
from portfolios.tasks import process_evidence_file
from qualifications.models import AssessmentCriterion

from .models import Conversation, ConversationRead, Message, MessageFile
from .selectors import Participant, forget_unread_messages, participants_of, referable_criteria, referable_evidence

MAX_ATTACHMENTS = 5


class MessageError(ServiceError):
    pass


@dataclass
class Upload:
    """A file as it arrived: its content, the name the sender gave it and its size in bytes."""

    content: IO[bytes]
    name: str
    size: int


@dataclass
class _Accepted:
    role: str
    checked: CheckedFile
    content: File
    name: str
    content_type: str
    extension: str
    location_removed: bool


def _accept(upload: Upload, role: str) -> _Accepted:
    """Checked by its content as evidence files are; a photo loses its location before it is stored."""
    try:
        checked = check_upload(upload.content, upload.name, upload.size)
    except FileRefused as refused:
        raise MessageError(str(refused)) from refused
    if role == MessageFile.Role.VOICE and checked.kind != "audio":
        raise MessageError(_("“%(name)s” is not an audio recording, so it cannot be sent as a voice note. "
                             "Send it as an attachment instead.") % {"name": checked.clean_name})
    name, content_type, extension, cleaned = checked.clean_name, checked.content_type, checked.extension, None
    if checked.kind == "image":
        if content_type in HEIF_CONTENT_TYPES:
            cleaned = heif_as_jpeg(upload.content)
            if cleaned is not None:  # browsers cannot show HEIC: the JPEG made from it, without its location
                name, content_type, extension = f"{name.rsplit('.', 1)[0]}.jpg", "image/jpeg", ".jpg"
        else:
            cleaned = strip_image_location(upload.content, content_type)
    upload.content.seek(0)
    content = ContentFile(cleaned, name=name) if cleaned is not None else File(upload.content, name=name)
    return _Accepted(role, checked, content, name, content_type, extension, cleaned is not None)


def _ensure_participant(enrolment: Enrolment, actor: User) -> list[Participant]:
    participants = participants_of(enrolment)
    if actor.pk not in {p.user.pk for p in participants}:
        raise PermissionDenied
    return participants


def _ensure_reference(enrolment: Enrolment, evidence: Evidence | None, criterion: AssessmentCriterion | None) -> None:
    if evidence is not None and not referable_evidence(enrolment).filter(pk=evidence.pk).exists():
        raise MessageError(_("That evidence is not part of this course's submitted evidence."))
    if criterion is not None and not referable_criteria(enrolment).filter(pk=criterion.pk).exists():
        raise MessageError(_("That criterion is not one of this course's units."))


def message_send(
    *,
    enrolment: Enrolment,
    actor: User,
    text: str,
    voice: Upload | None = None,
    attachments: Sequence[Upload] = (),
    evidence: Evidence | None = None,
    criterion: AssessmentCriterion | None = None,
    form_token: str = "",
) -> tuple[Message, bool]:
    """Send a message to the other participants; returns it and whether it is new. The same form (its token)
    sent twice makes one message: the second time the first is returned and nothing else happens."""
    participants = _ensure_participant(enrolment, actor)
    if form_token and (sent := _sent_with(enrolment, actor, form_token)):
        return sent, False
    text = text.strip()
    if not text and voice is None and not attachments:
        raise MessageError(_("Write a message, record a voice note or attach a file."))
    if len(attachments) > MAX_ATTACHMENTS:
        raise MessageError(_("Attach at most %(n)s files to one message.") % {"n": MAX_ATTACHMENTS})
    _ensure_reference(enrolment, evidence, criterion)
    accepted = ([_accept(voice, MessageFile.Role.VOICE)] if voice else []) + [
        _accept(a, MessageFile.Role.ATTACHMENT) for a in attachments]
    check_rate(user=actor, action="message")
    try:
        with transaction.atomic():
            message = _store(enrolment, actor, text, accepted, evidence, criterion, form_token)
            _tell(message, enrolment, actor, participants)
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        if form_token and (sent := _sent_with(enrolment, actor, form_token)):
            return sent, False
        raise
    return message, True


def _sent_with(enrolment: Enrolment, actor: User, form_token: str) -> Message | None:
    return Message.objects.filter(conversation__enrolment=enrolment, author=actor, form_token=form_token).first()


def _store(enrolment, actor, text, accepted: list[_Accepted], evidence, criterion, form_token) -> Message:
    conversation, _created = Conversation.objects.get_or_create(enrolment=enrolment,
                                                               defaults={"centre": enrolment.centre})
    message = Message.objects.create(conversation=conversation, author=actor, text=text, evidence=evidence,
                                     criterion=criterion, form_token=form_token)
    files = []
    for item in accepted:
        stored = MessageFile(message=message, role=item.role, original_name=item.name, extension=item.extension,
                             kind=item.checked.kind, content_type=item.content_type, size=item.content.size,
                             sha256=sha256_of(item.content), location_removed=item.location_removed)
        stored.file.save(item.name, item.content, save=False)
        stored.save()
        files.append(stored)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    _read_up_to(conversation, actor, message.created_at)
    audit_record(action="conversation.message_sent", actor=actor, centre=enrolment.centre, target=message,
                 subject=enrolment, data={
                     "conversation": conversation.pk, "message": message.pk,
                     "evidence": evidence.pk if evidence else None, "criterion": criterion.pk if criterion else None,
                     "files": [{"id": f.pk, "role": f.role, "kind": f.kind, "size": f.size, "sha256": f.sha256}
                               for f in files]})
    return message


def _tell(message: Message, enrolment: Enrolment, actor: User, participants: list[Participant]) -> None:
    """In-app at once; by email as each person prefers. The enrolment's assessor may read a learner's messages
    in their daily digest instead (digestible). The text stays out of notifications and emails."""
    files = list(message.files.all())
    url = reverse("conversation_detail", args=[enrolment.pk])
    for person in participants:
        user = person.user
        if user.pk == actor.pk or not user.is_active:
            continue
        notify(recipient=user, kind="message_received", url=url, centre=enrolment.centre, essential=False,
               digestible=user.pk == enrolment.assessor_id and actor.pk == enrolment.learner_id,
               context={"recipient_name": user.first_name or user.display_name, "author_name": str(actor),
                        "qualification": enrolment.version.title, "learner_name": str(enrolment.learner),
                        "voice": any(f.role == MessageFile.Role.VOICE for f in files),
                        "attachments": sum(f.role == MessageFile.Role.ATTACHMENT for f in files)})


def _read_up_to(conversation: Conversation, user: User, moment) -> None:
    if not ConversationRead.objects.filter(conversation=conversation, user=user).update(last_read_at=moment):
        ConversationRead.objects.get_or_create(conversation=conversation, user=user,
                                               defaults={"last_read_at": moment})
    forget_unread_messages()


def conversation_mark_read(*, conversation: Conversation, actor: User) -> None:
    """The participant has seen every message so far: what "Seen by" shows. A read receipt, not an act on the
    record, so it writes no audit event (it would add one per page view)."""
    if actor.pk not in {p.user.pk for p in participants_of(conversation.enrolment)}:
        raise PermissionDenied
    if conversation.last_message_at:
        _read_up_to(conversation, actor, timezone.now())
        # Its messages' notifications are read too: the bell agrees with the page.
        Notification.objects.filter(user=actor, kind="message_received", read_at__isnull=True,
                                    url=reverse("conversation_detail", args=[conversation.enrolment_id])
                                    ).update(read_at=timezone.now())
        forget_unread([actor.pk])  # updates send no signal: the bell's and the Chat tab's counts are read again
        forget_unread_messages()


def message_file_to_evidence(*, message_file: MessageFile, actor: User) -> Evidence:
    """The enrolment's assessor copies a file the learner sent into a new draft evidence item of the learner's.
    The message is not evidence: the learner still adds the criteria, declares the draft their own and submits it."""
    message = message_file.message
    enrolment = message.conversation.enrolment
    if actor.pk != enrolment.assessor_id:
        raise PermissionDenied
    if message.author_id != enrolment.learner_id:
        raise MessageError(_("Only a file the learner sent can become their evidence."))
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise MessageError(_("Evidence can be added only while the enrolment is active."))
    with transaction.atomic():
        fresh = MessageFile.objects.select_for_update().get(pk=message_file.pk)
        if fresh.evidence_id:
            raise MessageError(_("This file is already a draft evidence item of the learner's."))
        evidence = Evidence.objects.create(enrolment=enrolment, title=fresh.original_name.rsplit(".", 1)[0][:200])
        attached = EvidenceFile(evidence=evidence, original_name=fresh.original_name, extension=fresh.extension,
                                kind=fresh.kind, content_type=fresh.content_type, size=fresh.size)
        with fresh.file.open("rb") as handle:
            attached.file.save(fresh.original_name, File(handle), save=False)
        attached.save()
        fresh.evidence = evidence
        fresh.save(update_fields=["evidence"])
        for action, data in (("evidence.created", {"from_message_file": fresh.pk}),
                             ("evidence.file_uploaded", {"file": attached.pk, "kind": attached.kind,
                                                         "size": attached.size, "from_message_file": fresh.pk})):
            audit_record(action=action, actor=actor, centre=enrolment.centre, target=evidence, subject=enrolment,
                         data=data)
        audit_record(action="conversation.file_to_evidence", actor=actor, centre=enrolment.centre, target=fresh,
                     subject=enrolment, data={"message_file": fresh.pk, "evidence": evidence.pk,
                                              "sha256": fresh.sha256})
        notify(recipient=enrolment.learner, kind="message_evidence_draft", centre=enrolment.centre, essential=False,
               url=reverse("evidence_edit", args=[evidence.pk]),
               context={"recipient_name": enrolment.learner.first_name or enrolment.learner.display_name,
                        "assessor_name": str(actor), "file_name": fresh.original_name,
                        "qualification": enrolment.version.title})
        transaction.on_commit(lambda: process_evidence_file.delay(attached.pk))
    message_file.evidence = evidence
    return evidence

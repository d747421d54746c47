"""Messages between a learner and their staff: one conversation per enrolment, with voice notes and attachments.

Messages, voice notes and attachments are personal data (of their author and of the learner): they are kept with
the enrolment's record and will be covered by its retention rules and by erasure requests. They are never
assessment evidence; an assessor may copy an attachment into a draft evidence item the learner then submits.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """The one conversation of an enrolment. Who takes part is worked out from the enrolment
    (`community.conversations.selectors.participants_of`), never stored: a change of assessor changes it."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.OneToOneField("portfolios.Enrolment", on_delete=models.PROTECT, related_name="conversation")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["centre", "last_message_at"], name="conversation_centre_latest")]

    def __str__(self) -> str:
        return f"conversation of enrolment {self.enrolment_id}"


class Message(models.Model):
    """One message, immutable once sent (no editing or deleting in this version). Personal data."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("message"), blank=True)
    evidence = models.ForeignKey("portfolios.Evidence", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("about evidence"))
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", verbose_name=_("about criterion"))
    # The random token of the form it was sent from: the same form posted twice makes one message.
    form_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conversation_time")]
        constraints = [models.UniqueConstraint(fields=["conversation", "author", "form_token"],
                                               condition=~models.Q(form_token=""), name="message_form_token_once")]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation}"


def message_file_path(instance: "MessageFile", filename: str) -> str:
    """A random, unguessable key: the sender's file name is kept only in `original_name`."""
    return f"messages/{uuid.uuid4().hex}{instance.extension}"


class MessageFile(models.Model):
    """A voice note or an attachment of a message, checked as evidence files are. Personal data."""

    class Role(models.TextChoices):
        VOICE = "voice", _("Voice note")
        ATTACHMENT = "attachment", _("Attachment")

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="files")
    role = models.CharField(max_length=12, choices=Role.choices)
    file = models.FileField(upload_to=message_file_path, max_length=200)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=10)
    kind = models.CharField(max_length=10)  # portfolios.evidence.files.formats.Kind
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    location_removed = models.BooleanField(default=False)
    # The draft evidence item an assessor made from this file for the learner (gone if the learner deletes it).
    evidence = models.ForeignKey("portfolios.Evidence", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "role", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ConversationRead(models.Model):
    """How far one participant has read: messages sent after `last_read_at` by others are unread to them."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} up to {self.last_read_at}"

"""Cohort groups: a centre's learners and staff brought together, with a discussion board.

Threads, posts and their attachments are personal data (what people wrote and uploaded): retention rules and
erasure requests will cover them. Audit events about them carry ids only, never the text.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from centres.models import Centre

# An author may correct their own latest post for this long after posting it (the rule peer comments follow).
EDIT_WINDOW = timedelta(minutes=10)


class CohortGroup(models.Model):
    """A group of one centre's learners and staff, for example one per cohort or class. Archived: read-only."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="cohort_groups")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The random token of the "New group" form: the same form posted twice finds the group it made.
    creation_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["centre", "creation_token"], condition=~Q(creation_token=""),
                                               name="cohort_group_creation_token_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class GroupMember(models.Model):
    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        STAFF = "staff", _("Staff")

    group = models.ForeignKey(CohortGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohort_group_members")
    role = models.CharField(_("role in the group"), max_length=8, choices=Role.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="cohort_group_member_once")]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.group}"


class Thread(models.Model):
    """A discussion on a group's board: a title and its posts (the first post opens it). Personal data."""

    group = models.ForeignKey(CohortGroup, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=160)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-pk"]
        indexes = [models.Index(fields=["group", "-pinned", "-last_activity_at"], name="cohort_thread_board")]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """One post in a thread. Personal data. A removed post keeps its row (and says who removed it), not its text."""

    class Removal(models.TextChoices):
        AUTHOR = "author", _("removed by the author")
        MODERATOR = "moderator", _("removed by a moderator")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed = models.CharField(max_length=10, choices=Removal.choices, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removal_reason = models.CharField(max_length=300, blank=True)  # a moderator's reason, shown to staff only
    # The random token of the form that made it: the same form posted twice makes one post.
    post_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["author", "post_token"], condition=~Q(post_token=""),
                                               name="cohort_post_token_once")]
        indexes = [models.Index(fields=["thread", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread} #{self.pk}"

    @property
    def is_removed(self) -> bool:
        return bool(self.removed)


def attachment_path(instance: "PostAttachment", filename: str) -> str:
    """A random, unguessable key: the uploader's file name is kept only in `original_name`."""
    return f"community/groups/{uuid.uuid4().hex}{instance.extension}"


class PostAttachment(models.Model):
    """A file on a post, accepted by the evidence file checks; served only to the group's members. Personal data."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=10)
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    location_removed = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "pk"]

    def __str__(self) -> str:
        return self.original_name

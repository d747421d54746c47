"""Sharing with a group: shared items, peer comments and their moderation, reports, the under-18 setting."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SharingSettings(models.Model):
    """Per-centre choices for sharing. `treat_learners_as_under_18`: every learner gets the under-18 rule."""

    centre = models.OneToOneField("centres.Centre", on_delete=models.CASCADE, related_name="sharing_settings")
    treat_learners_as_under_18 = models.BooleanField(
        _("treat every learner as under 18"), default=False,
        help_text=_("Learners then share only with groups that have staff in them, and never publicly."))

    def __str__(self) -> str:
        return f"sharing settings of {self.centre}"


class SharedItem(models.Model):
    """A learner's piece of evidence (submitted or accepted) or their showcase, shared with one of their groups.

    Withdrawn (`withdrawn_at`): the group sees it, and its comments, no more; the owner still does.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shared_items")
    group = models.ForeignKey("cohort_groups.CohortGroup", on_delete=models.CASCADE, related_name="shared_items")
    evidence = models.ForeignKey("portfolios.Evidence", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="shared_items")
    showcase = models.ForeignKey("badges.Showcase", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="shared_items")
    comments_need_approval = models.BooleanField(
        _("I approve comments before the group sees them"), default=True)
    shared_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-shared_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(evidence__isnull=False, showcase__isnull=True)
                                   | Q(evidence__isnull=True, showcase__isnull=False),
                                   name="shared_item_evidence_or_showcase"),
            models.UniqueConstraint(fields=["group", "evidence"], condition=Q(withdrawn_at__isnull=True),
                                    name="shared_evidence_once_per_group"),
            models.UniqueConstraint(fields=["group", "showcase"], condition=Q(withdrawn_at__isnull=True),
                                    name="shared_showcase_once_per_group"),
        ]
        indexes = [models.Index(fields=["group", "-shared_at"])]

    def __str__(self) -> str:
        return f"shared item {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("shared_item", args=[self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class PeerComment(models.Model):
    """A group member's comment on a shared item. Personal data (what they wrote): retention rules and erasure
    requests will cover it. Never evidence: the assessor sees one only if the owner includes it, marked as a peer
    comment. A removed comment keeps its row and who removed it, not its text."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REMOVED = "removed", _("Removed")

    class RemovedBy(models.TextChoices):
        AUTHOR = "author", _("Removed by the author")
        OWNER = "owner", _("Removed by the owner")
        MODERATOR = "moderator", _("Removed by a moderator")

    item = models.ForeignKey(SharedItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=2000)
    private_to_owner = models.BooleanField(_("only for the owner to see"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    removed_by_role = models.CharField(max_length=10, choices=RemovedBy.choices, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # The owner's choice: show this approved comment to the assessor beside the evidence, as a peer comment.
    include_for_assessor = models.BooleanField(_("Include in my evidence for the assessor"), default=False)
    # The random token of the form that made it: the same form posted twice makes one comment.
    comment_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "comment_token"], condition=~Q(comment_token=""),
                                    name="peer_comment_token_once"),
            models.CheckConstraint(condition=~Q(status="removed") | ~Q(removed_by_role=""),
                                   name="peer_comment_removed_says_by_whom"),
        ]
        indexes = [models.Index(fields=["item", "created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk}"

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED


class Report(models.Model):
    """A member's report of a peer comment or a board post, for the group's staff and the centre admins.

    `detail` is personal data (what the reporter wrote). Hiding the target or dismissing closes every open report
    of it."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        POST = "post", _("Board post")

    class Reason(models.TextChoices):
        UNKIND = "unkind", _("Unkind or bullying")
        PERSONAL = "personal", _("Shares someone's personal information")
        INAPPROPRIATE = "inappropriate", _("Inappropriate or offensive")
        SPAM = "spam", _("Spam or off-topic")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Hidden")
        DISMISSED = "dismissed", _("Dismissed")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("cohort_groups.CohortGroup", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(max_length=8, choices=Kind.choices)
    target_id = models.PositiveBigIntegerField()
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("anything to add (optional)"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "target_kind", "target_id"],
                                    condition=Q(status="open"), name="report_open_once_per_reporter"),
        ]
        indexes = [models.Index(fields=["centre", "status", "created_at"]),
                   models.Index(fields=["target_kind", "target_id"])]

    def __str__(self) -> str:
        return f"report {self.pk}"

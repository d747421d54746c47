"""The comment bank: reusable feedback an assessor inserts into a review's feedback or actions.

Imported by `assessment.models`, so the model belongs to the assessment app. A **snippet** is personal (its owner
is the person who wrote it and the only one who sees it) or centre-wide (no owner: written by a centre admin, seen
by every assessor of the centre); it suits one qualification or, without one, any.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

MAX_SNIPPET_LENGTH = 2000
MAX_TITLE_LENGTH = 80


class CommentSnippet(models.Model):
    class Suits(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback")
        ACTIONS = "actions", _("Actions for the learner")
        BOTH = "both", _("Feedback and actions")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="comment_snippets")
    # None: centre-wide.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    # None: any qualification.
    qualification = models.ForeignKey("qualifications.Qualification", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+", verbose_name=_("qualification"))
    title = models.CharField(_("short title"), max_length=MAX_TITLE_LENGTH, blank=True)
    text = models.TextField(_("text"))
    suits = models.CharField(_("suits"), max_length=8, choices=Suits.choices, default=Suits.BOTH)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["centre", "owner"], name="comment_snippet_centre_owner")]
        constraints = [
            models.CheckConstraint(condition=LessThanOrEqual(Length("text"), MAX_SNIPPET_LENGTH),
                                   name="comment_snippet_text_length"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_centre_wide(self) -> bool:
        return self.owner_id is None

    @property
    def label(self) -> str:
        return self.title or Truncator(self.text).words(8)

    @property
    def suits_feedback(self) -> bool:
        return self.suits in (self.Suits.FEEDBACK, self.Suits.BOTH)

    @property
    def suits_actions(self) -> bool:
        return self.suits in (self.Suits.ACTIONS, self.Suits.BOTH)

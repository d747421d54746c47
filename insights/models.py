"""Management information keeps one thing of its own: a staff member's manual at-risk flag on a learner."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RiskFlag(models.Model):
    """A staff member's own reason to watch a learner. The at-risk list shows it beside the reasons it computes;
    it never replaces them. A flag is raised, and later cleared with a note; both are in the audit trail."""

    class Status(models.TextChoices):
        RAISED = "raised", _("Raised")
        CLEARED = "cleared", _("Cleared")

    MOVES = {
        Status.RAISED: {Status.CLEARED},
        Status.CLEARED: set(),
    }

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="risk_flags")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RAISED)
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enrolment"], condition=models.Q(status="raised"),
                                               name="risk_flag_raised_once")]
        verbose_name = _("at-risk flag")

    def __str__(self) -> str:
        return f"at-risk flag on {self.enrolment_id} ({self.status})"

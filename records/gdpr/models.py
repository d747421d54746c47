"""Data-subject requests (UK/EU GDPR Art. 15 and 17): a person asks a centre for what it holds about them, or
for it to be erased. The centre has one calendar month from receipt to answer (Art. 12(3))."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def due_date(received_on: datetime.date) -> datetime.date:
    """One calendar month after receipt: the same day of the next month, or that month's last day if it has no
    such day (31 January -> 28 or 29 February)."""
    year, month = (received_on.year + 1, 1) if received_on.month == 12 else (received_on.year, received_on.month + 1)
    return datetime.date(year, month, min(received_on.day, calendar.monthrange(year, month)[1]))


class DataRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("Subject access")
        ERASURE = "erasure", _("Erasure")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    MOVES = {Status.OPEN: {Status.DONE, Status.REFUSED}, Status.DONE: set(), Status.REFUSED: set()}

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="data_requests")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("person"))
    kind = models.CharField(_("kind of request"), max_length=12, choices=Kind.choices)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    due_on = models.DateField(_("answer due by"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    # Access: the portfolio export and the account data file; what was handed over, when done.
    export = models.ForeignKey("exports.ExportRequest", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    account_file = models.FileField(upload_to="data-requests/account/", max_length=200, blank=True)
    account_sha256 = models.CharField(max_length=64, blank=True)
    provided = models.JSONField(default=dict, blank=True)
    # Erasure: the plan as confirmed, each step's outcome, and the letter (the only place the person's name as
    # held at the time of the request is kept).
    erasure = models.JSONField(default=dict, blank=True)
    letter = models.FileField(upload_to="data-requests/letters/", max_length=200, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["centre", "status", "due_on"])]
        constraints = [models.CheckConstraint(condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                                              name="data_request_refusal_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request #{self.pk}"

    def days_left(self, today: datetime.date) -> int:
        """Days from `today` to the due date: negative once overdue."""
        return (self.due_on - today).days

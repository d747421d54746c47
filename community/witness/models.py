"""Witness statements by link: a learner or their assessor asks a witness (a supervisor, an employer) by email; the
witness opens a single-use, expiring link without an account and writes a statement against the criteria named.

A statement is witness testimony, one of the assessment methods: it is attached to the evidence item for the
assessor to weigh and sets no criterion as met. Both models hold personal data (the witness's name, email address,
job title, what they wrote, their IP address and browser): retention rules and erasure requests will cover them.
Audit events about them carry ids and a hash of the witness's email address, never the address or the text.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WitnessRequest(models.Model):
    """One emailed link asking one witness for a statement about one evidence item. Only the token's SHA-256 is
    kept; the raw token is in the email alone."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the witness")
        USED = "used", _("Statement received")
        REVOKED = "revoked", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    # Used up by the statement, withdrawn by the requester or the assessor, or run out (the sweep, or the link
    # opened after its time); each of those is final.
    MOVES = {
        Status.PENDING: {Status.USED, Status.REVOKED, Status.EXPIRED},
        Status.USED: set(),
        Status.REVOKED: set(),
        Status.EXPIRED: set(),
    }
    # How a status is shown: the kinds of `{% status %}` (leap_ui).
    STATUS_KINDS = {Status.PENDING: "waiting", Status.USED: "done", Status.REVOKED: "withdrawn",
                    Status.EXPIRED: "cancelled"}

    evidence = models.ForeignKey("portfolios.Evidence", on_delete=models.CASCADE, related_name="witness_requests")
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("witness's name"), max_length=120)
    email = models.EmailField(_("witness's email address"))
    role = models.CharField(_("their role"), max_length=120)
    message = models.TextField(_("message to the witness"), blank=True, max_length=2000)
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", related_name="+",
                                      verbose_name=_("criteria to cover"))
    token_hash = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # when it stopped being pending, whichever way
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # The random token of the "Ask a witness" form: the same form posted twice finds the request it made.
    form_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [models.UniqueConstraint(fields=["evidence", "form_token"], condition=~models.Q(form_token=""),
                                               name="witness_request_form_token_once")]
        verbose_name = _("witness request")

    def __str__(self) -> str:
        return f"{self.name} about evidence {self.evidence_id}"

    @property
    def is_usable(self) -> bool:
        """Pending and not yet run out: the link opens the form (the sweep records the expiry later)."""
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()

    @property
    def shown_status(self) -> str:
        return self.Status.EXPIRED if self.status == self.Status.PENDING and not self.is_usable else self.status

    def get_shown_status_display(self) -> str:
        return self.Status(self.shown_status).label

    @property
    def status_kind(self) -> str:
        return self.STATUS_KINDS[self.shown_status]


class WitnessStatement(models.Model):
    """What the witness wrote, signed by their typed name, with where it came from. Never edited once received."""

    request = models.OneToOneField(WitnessRequest, on_delete=models.CASCADE, related_name="statement")
    text = models.TextField(_("your statement"), max_length=10000)
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", related_name="+",
                                      verbose_name=_("criteria covered"))
    role = models.CharField(_("your role or job title"), max_length=120)
    relationship = models.CharField(_("your relationship to the learner"), max_length=200)
    observed_from = models.DateField(_("observed on (or from)"))
    observed_to = models.DateField(_("observed until"), null=True, blank=True)
    typed_name = models.CharField(_("your full name"), max_length=120)
    declaration = models.TextField()
    email = models.EmailField()  # the address the link was sent to
    submitted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("witness statement")

    def __str__(self) -> str:
        return f"statement by {self.typed_name} ({self.request_id})"

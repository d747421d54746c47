"""Open Badges (2.0 and 3.0) and PDF certificates, issued by centres."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class BadgeClass(models.Model):
    """What can be earned: issued by a centre."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit badge")
        QUALIFICATION = "qualification", _("Qualification badge")
        PARTICIPATION = "participation", _("Participation")
        SKILL = "skill", _("Skill")
        EVENT = "event", _("Event")

    FORMAL_KINDS = (Kind.UNIT, Kind.QUALIFICATION)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="badge_classes")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    criteria_narrative = models.TextField(_("criteria"))
    image = models.FileField(_("image"), upload_to="badges/", max_length=200)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    alignments = models.JSONField(
        _("alignments"), default=list, blank=True,
        help_text=_("Each: {targetName, targetUrl, targetDescription, targetFramework, targetCode}"))
    validity_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True)
    # EU micro-credential elements, where known.
    credits = models.PositiveIntegerField(_("credits"), null=True, blank=True)
    notional_hours = models.PositiveIntegerField(_("notional workload (hours)"), null=True, blank=True)
    level = models.CharField(_("level (EQF)"), max_length=20, blank=True)
    assessment_type = models.CharField(_("type of assessment"), max_length=200, blank=True)
    participation_form = models.CharField(_("form of participation"), max_length=200, blank=True)
    quality_assurance = models.CharField(_("quality assurance"), max_length=300, blank=True)
    unit = models.ForeignKey("qualifications.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    qualification = models.ForeignKey("qualifications.Qualification", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    # A qualification badge belongs to one version: another version may stack other units.
    version = models.ForeignKey("qualifications.QualificationVersion", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre", "name"]
        verbose_name_plural = _("badge classes")

    def __str__(self) -> str:
        return self.name

    @property
    def is_formal(self) -> bool:
        return self.kind in self.FORMAL_KINDS


def new_salt() -> str:
    return secrets.token_hex(16)


class Award(models.Model):
    """One learner's badge: an Open Badges 2.0 assertion and an Open Badges 3.0 credential."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    badge_class = models.ForeignKey(BadgeClass, on_delete=models.PROTECT, related_name="awards")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards")
    recipient_email = models.EmailField()
    salt = models.CharField(max_length=32, default=new_salt)
    issued_on = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    evidence_url = models.URLField(_("evidence URL"), blank=True)
    enrolment = models.ForeignKey("portfolios.Enrolment", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    # A unit badge's sign-off: one award per sign-off; a reopened unit's award is revoked, its re-sign-off awards anew.
    sign_off = models.ForeignKey("assessment.UnitSignOff", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    # Index in the issuer's status lists (1EdTech revocation list and Bitstring Status List).
    status_index = models.PositiveIntegerField()
    show_name_publicly = models.BooleanField(_("show my name on the public page"), default=False)
    in_showcase = models.BooleanField(_("show in my public showcase"), default=False)
    public_evidence = models.ManyToManyField("portfolios.Evidence", blank=True, related_name="+")
    baked_ob2 = models.FileField(upload_to="baked/", max_length=200, blank=True)
    baked_ob3 = models.FileField(upload_to="baked/", max_length=200, blank=True)
    credential_ob3 = models.JSONField(default=dict, blank=True, help_text="The signed OB 3.0 credential.")
    credential_jwt = models.TextField(blank=True)
    baked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [models.UniqueConstraint(fields=["badge_class", "status_index"], name="award_status_index")]

    def __str__(self) -> str:
        return f"{self.badge_class} for {self.recipient}"


class IssuerKey(models.Model):
    """A signing key of a centre. Private keys are stored encrypted; retired keys still verify old awards."""

    class Algorithm(models.TextChoices):
        ED25519 = "Ed25519", "Ed25519 (eddsa-rdfc-2022)"
        RSA = "RS256", "RSA (VC-JWT RS256)"

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="issuer_keys")
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices)
    key_id = models.CharField(max_length=120, unique=True)
    public_key = models.TextField(help_text="Multibase (Ed25519) or PEM (RSA).")
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["centre", "algorithm", "-created_at"]

    def __str__(self) -> str:
        return self.key_id


class Certificate(models.Model):
    class Tier(models.TextChoices):
        PARTICIPATION = "participation", _("Certificate of participation")
        ACHIEVEMENT = "achievement", _("Certificate of achievement")
        DIPLOMA = "diploma", _("Diploma")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=40, unique=True)
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="certificates")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    enrolment = models.ForeignKey("portfolios.Enrolment", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    tier = models.CharField(max_length=16, choices=Tier.choices)
    title = models.CharField(max_length=200)
    content = models.JSONField(default=dict, help_text="What the certificate states: units, credits, hours, date.")
    issued_on = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to="certificates/", max_length=200, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CertificateRule(models.Model):
    """A centre's rule for one certificate tier. A tier without a row uses the defaults in badges.certificates."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="certificate_rules")
    tier = models.CharField(_("tier"), max_length=16, choices=Certificate.Tier.choices)
    offered = models.BooleanField(_("this centre issues this certificate"), default=True)
    minimum_hours = models.PositiveIntegerField(
        _("minimum learning hours"), help_text=_("Guided learning hours of the units the learner is enrolled on."))
    requires_summative_assessment = models.BooleanField(
        _("requires summative assessment"), help_text=_("The enrolment must be complete: every unit signed off."))
    capstone_unit_code = models.CharField(
        _("capstone unit code"), max_length=40, blank=True,
        help_text=_("If set, the learner must have this unit signed off."))
    pass_mark = models.CharField(_("pass mark"), max_length=200, blank=True,
                                 help_text=_("Printed on the certificate, e.g. \"All units achieved\"."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre", "tier"]
        constraints = [models.UniqueConstraint(fields=["centre", "tier"], name="certificate_rule_per_tier")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} rule of {self.centre}"


def new_showcase_slug() -> str:
    return secrets.token_urlsafe(12)


class Showcase(models.Model):
    """A learner's opt-in public page of the badges they choose (Award.in_showcase), at an unguessable address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="showcase")
    slug = models.SlugField(max_length=32, unique=True, default=new_showcase_slug)
    enabled = models.BooleanField(_("show my public showcase"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"showcase of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("showcase_public", args=[self.slug])


class PublicNameChoice(models.Model):
    """A learner's answer to "show my name on my public badge pages?", asked the first time they share a badge.

    Until there is one, sharing a badge asks first. The answer sets every badge's `show_name_publicly` and is the
    default of badges awarded later; each badge can still be changed on its own in the wallet.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="public_name_choice")
    show_name = models.BooleanField(_("show my name on my public badge pages"))
    chosen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"public name choice of {self.user}"

"""Certificates: the tier rules, issuing, correcting (reissue) and revoking. Rendering is in certificate_pdf.

The three tiers (DOMAIN.md): participation (>= 1 learning hour, no summative assessment), achievement
(summative assessment, pass mark), diploma (capstone, 300+ hours). A centre may set its own rule per tier
(`CertificateRule`); a tier without one uses DEFAULT_RULES:

- "learning hours" are the guided learning hours (GLH) of the units the learner is enrolled on, or the
  qualification version's GLH when its units carry none;
- "summative assessment" means the enrolment is completed (every chosen unit signed off, rules of
  combination met). Achievement and diploma always require it; participation does only if the centre says so;
- a capstone is required only when the centre names its unit code: that unit must be signed off.

A certificate states what was true when it was issued: `content` is a snapshot, and the PDF and the public
verification page are drawn from it alone. A correction is a reissue (a new number; the old certificate is
kept, revoked as "Replaced by ..."), never an edit.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from badges.certificates.tasks import render_certificate_pdf
from badges.models import Certificate, CertificateRule
from centres.models import Centre, Role
from centres.services import ServiceError, has_role
from moderation.samples.selectors import certification_holds
from notifications.services import notify
from portfolios.models import Enrolment, EnrolmentUnit

Tier = Certificate.Tier
# Highest first: an enrolment gets the highest tier whose rule it meets.
TIER_ORDER = (Tier.DIPLOMA, Tier.ACHIEVEMENT, Tier.PARTICIPATION)
ALWAYS_SUMMATIVE = frozenset({Tier.ACHIEVEMENT, Tier.DIPLOMA})
NUMBER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: no 0/O or 1/I to misread
NUMBER_RANDOM_LENGTH = 6
NUMBER_CENTRE_LENGTH = 20  # keeps the whole number within Certificate.number's 40 characters
NUMBER_ATTEMPTS = 10


class CertificateError(ServiceError):
    pass


@dataclass(frozen=True)
class TierRule:
    tier: str
    offered: bool
    minimum_hours: int
    requires_summative_assessment: bool
    capstone_unit_code: str = ""
    pass_mark: str = ""


DEFAULT_RULES: dict[str, TierRule] = {
    Tier.PARTICIPATION: TierRule(Tier.PARTICIPATION, True, 1, False),
    Tier.ACHIEVEMENT: TierRule(Tier.ACHIEVEMENT, True, 1, True, pass_mark="All units achieved"),
    Tier.DIPLOMA: TierRule(Tier.DIPLOMA, True, 300, True, pass_mark="All units achieved"),
}


# --- Rules ---------------------------------------------------------------------------------------------

def certificate_rules_for(centre: Centre) -> dict[str, TierRule]:
    """The effective rule of each tier at a centre: its own where set, else the default."""
    rules = dict(DEFAULT_RULES)
    for row in CertificateRule.objects.filter(centre=centre):
        rules[row.tier] = TierRule(
            tier=row.tier, offered=row.offered, minimum_hours=row.minimum_hours,
            requires_summative_assessment=row.requires_summative_assessment or row.tier in ALWAYS_SUMMATIVE,
            capstone_unit_code=row.capstone_unit_code, pass_mark=row.pass_mark)
    return rules


def learning_hours(enrolment: Enrolment) -> int:
    hours = EnrolmentUnit.objects.filter(enrolment=enrolment).aggregate(h=Sum("unit__guided_learning_hours"))["h"]
    return hours or enrolment.version.guided_learning_hours


def tier_problems(enrolment: Enrolment, rule: TierRule, *, hours: int | None = None) -> list[str]:
    """Why the enrolment does not meet the rule of a tier; an empty list when it does."""
    problems = []
    if not rule.offered:
        problems.append(_("This centre does not issue this certificate."))
    hours = learning_hours(enrolment) if hours is None else hours
    if hours < rule.minimum_hours:
        problems.append(ngettext("It needs at least %(minimum)s learning hour; this enrolment has %(hours)s.",
                                 "It needs at least %(minimum)s learning hours; this enrolment has %(hours)s.",
                                 rule.minimum_hours) % {"minimum": rule.minimum_hours, "hours": hours})
    if rule.requires_summative_assessment and enrolment.status != Enrolment.Status.COMPLETED:
        problems.append(_("The enrolment is not complete: every unit must be signed off."))
    if rule.capstone_unit_code and not EnrolmentUnit.objects.filter(
            enrolment=enrolment, unit__code=rule.capstone_unit_code, locked_at__isnull=False).exists():
        problems.append(_("The capstone unit %(code)s is not signed off.") % {"code": rule.capstone_unit_code})
    return problems


def certificate_tier_problems(enrolment: Enrolment) -> dict[str, list[str]]:
    """Each tier, highest first, with what stands in the way (empty: the enrolment earns it)."""
    rules, hours = certificate_rules_for(enrolment.centre), learning_hours(enrolment)
    return {tier: tier_problems(enrolment, rules[tier], hours=hours) for tier in TIER_ORDER}


def certificate_tier_for(enrolment: Enrolment) -> str | None:
    """The highest tier the enrolment earns under its centre's rules, or None."""
    return next((tier for tier, problems in certificate_tier_problems(enrolment).items() if not problems), None)


def certificate_rules_set(*, centre: Centre, actor: User, rules: list[TierRule]) -> list[CertificateRule]:
    if not has_role(actor, centre, Role.CENTRE_ADMIN):
        raise PermissionDenied
    saved = []
    with transaction.atomic():
        for rule in rules:
            if rule.tier in ALWAYS_SUMMATIVE and not rule.requires_summative_assessment:
                raise CertificateError(_("An achievement certificate or a diploma needs summative assessment."))
            row, _created = CertificateRule.objects.update_or_create(centre=centre, tier=rule.tier, defaults={
                "offered": rule.offered, "minimum_hours": rule.minimum_hours,
                "requires_summative_assessment": rule.requires_summative_assessment,
                "capstone_unit_code": rule.capstone_unit_code.strip(), "pass_mark": rule.pass_mark.strip()})
            saved.append(row)
        audit_record(action="certificate.rules_set", actor=actor, centre=centre,
                     data={r.tier: {"offered": r.offered, "minimum_hours": r.minimum_hours,
                                    "requires_summative_assessment": r.requires_summative_assessment,
                                    "capstone_unit_code": r.capstone_unit_code, "pass_mark": r.pass_mark}
                           for r in saved})
    return saved


# --- What a certificate says ----------------------------------------------------------------------------


def certificate_content(enrolment: Enrolment, *, tier: str, rule: TierRule, issued_on: datetime) -> dict:
    """The snapshot a certificate states. Nothing private: it is shown on the public verification page."""
    version, centre, learner = enrolment.version, enrolment.centre, enrolment.learner
    achieved = (EnrolmentUnit.objects.filter(enrolment=enrolment, locked_at__isnull=False)
                .select_related("unit").order_by("unit__position", "unit__code"))
    units = [{"code": eu.unit.code, "title": eu.unit.title, "level": eu.unit.level, "credits": eu.unit.credits,
              "glh": eu.unit.guided_learning_hours, "achieved_on": timezone.localdate(eu.locked_at).isoformat()}
             for eu in achieved]
    return {
        "learner_name": learner.get_full_name(),
        "tier": tier,
        "tier_label": str(Tier(tier).label),
        "qualification": {"title": version.title, "code": version.qualification.code, "version": version.number,
                          "level": version.level, "framework": version.framework,
                          "framework_label": str(version.get_framework_display()) if version.framework else "",
                          "kind": version.qualification.kind},
        "awarding_body": version.awarding_body,
        "units": units,
        "total_credits": sum(u["credits"] for u in units),
        "total_glh": sum(u["glh"] for u in units),
        "learning_hours": learning_hours(enrolment),
        "pass_mark": rule.pass_mark,
        "start_date": enrolment.start_date.isoformat(),
        "completed_on": timezone.localdate(enrolment.completed_at).isoformat() if enrolment.completed_at else None,
        "date": timezone.localdate(issued_on).isoformat(),
        "centre": {"name": centre.name, "country": centre.country, "website": centre.website},
    }


def new_certificate_number(centre: Centre, year: int) -> str:
    code = centre.slug.upper()[:NUMBER_CENTRE_LENGTH].strip("-") or f"C{centre.pk}"
    random = "".join(secrets.choice(NUMBER_ALPHABET) for _i in range(NUMBER_RANDOM_LENGTH))
    return f"LEAP-{code}-{year}-{random}"


def _unused_number(centre: Centre, year: int) -> str:
    for _attempt in range(NUMBER_ATTEMPTS):
        number = new_certificate_number(centre, year)
        if not Certificate.objects.filter(number=number).exists():
            return number
    raise IntegrityError("no unused certificate number found")  # 32**6 numbers per centre and year


# --- Acts -------------------------------------------------------------------------------------------

def _ensure_admin(actor: User, centre: Centre) -> None:
    if not (actor.is_authenticated and has_role(actor, centre, Role.CENTRE_ADMIN)):
        raise PermissionDenied


def _create(*, enrolment: Enrolment, tier: str, rule: TierRule, actor: User, replaces: Certificate | None = None):
    now = timezone.now()
    certificate = Certificate.objects.create(
        number=_unused_number(enrolment.centre, timezone.localdate(now).year), centre=enrolment.centre,
        recipient=enrolment.learner, enrolment=enrolment, tier=tier, title=enrolment.version.title,
        content=certificate_content(enrolment, tier=tier, rule=rule, issued_on=now), issued_on=now,
        issued_by=actor, replaces=replaces)
    transaction.on_commit(lambda: _queue_render(certificate.pk))
    notify(recipient=enrolment.learner, kind="certificate_issued", url=reverse("certificate_verify",
                                                                              args=[certificate.uuid]),
           context={"learner_name": enrolment.learner.first_name, "tier_label": certificate.content["tier_label"],
                    "title": certificate.title, "number": certificate.number, "centre_name": enrolment.centre.name,
                    "corrected": replaces is not None})
    return certificate


def _queue_render(certificate_id: int) -> None:
    render_certificate_pdf.delay(certificate_id)


def certificate_issue(*, enrolment: Enrolment, actor: User, tier: str | None = None) -> Certificate:
    """A centre admin issues the certificate an enrolment has earned (the highest tier, unless one is named).

    The PDF is rendered by a worker once this commits; the learner is told.
    """
    _ensure_admin(actor, enrolment.centre)
    rules = certificate_rules_for(enrolment.centre)
    tier = tier or certificate_tier_for(enrolment)
    if tier is None:
        raise CertificateError(_("This enrolment does not earn a certificate yet."))
    if tier not in rules:
        raise CertificateError(_("Unknown certificate."))
    problems = tier_problems(enrolment, rules[tier])
    if not enrolment.learner.get_full_name():
        problems.append(_("The learner's name is missing: a certificate is made out to a name."))
    if problems:
        raise CertificateError(" ".join(problems))
    holds = certification_holds(enrolment=enrolment)
    if holds:
        raise CertificateError(_("The certificate is held by quality assurance: %(holds)s.")
                               % {"holds": "; ".join(str(hold) for hold in holds)})
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()  # one issue at a time per enrolment
        if Certificate.objects.filter(enrolment=enrolment, tier=tier, revoked_at__isnull=True).exists():
            raise CertificateError(_("This certificate has already been issued; reissue it to correct it."))
        certificate = _create(enrolment=enrolment, tier=tier, rule=rules[tier], actor=actor)
        audit_record(action="certificate.issued", actor=actor, centre=enrolment.centre, target=certificate,
                     subject=enrolment, data={"number": certificate.number, "tier": tier,
                                              "learner": enrolment.learner.email, "content": certificate.content})
    return certificate


def certificate_reissue(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """A correction: a new certificate with a new number, drawn afresh from the enrolment; the old one is kept,
    revoked as replaced, and its verification page points to the new one."""
    _ensure_admin(actor, certificate.centre)
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason for the correction."))
    if certificate.enrolment_id is None:
        raise CertificateError(_("This certificate was not issued for an enrolment and cannot be reissued."))
    # Drawn afresh from the database: a correction states what the records say now.
    enrolment = (Enrolment.objects.select_related("learner", "centre", "version__qualification")
                 .get(pk=certificate.enrolment_id))
    rule = certificate_rules_for(certificate.centre)[certificate.tier]
    problems = tier_problems(enrolment, rule)
    if problems:
        raise CertificateError(_("The enrolment no longer meets the rule of this certificate: revoke it instead. ")
                               + " ".join(problems))
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None:
            raise CertificateError(_("This certificate is revoked or already replaced."))
        new = _create(enrolment=enrolment, tier=old.tier, rule=rule, actor=actor, replaces=old)
        old.revoked_at = new.issued_on
        old.revocation_reason = _("Replaced by %(number)s: %(reason)s") % {"number": new.number, "reason": reason}
        old.save(update_fields=["revoked_at", "revocation_reason"])
        audit_record(action="certificate.reissued", actor=actor, centre=old.centre, target=new, subject=enrolment,
                     data={"number": new.number, "replaces": old.number, "reason": reason, "tier": new.tier,
                           "content": new.content})
    certificate.revoked_at, certificate.revocation_reason = old.revoked_at, old.revocation_reason
    return new


def certificate_revoke(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    _ensure_admin(actor, certificate.centre)
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise CertificateError(_("This certificate is already revoked."))
        _revoke(locked, reason=reason, actor=actor)
    certificate.revoked_at, certificate.revocation_reason = locked.revoked_at, locked.revocation_reason
    return certificate


def _revoke(locked: Certificate, *, reason: str, actor: User) -> None:
    locked.revoked_at, locked.revocation_reason = timezone.now(), reason
    locked.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(action="certificate.revoked", actor=actor, centre=locked.centre, target=locked,
                 subject=locked.enrolment, data={"number": locked.number, "reason": reason})


def certificates_revoke_for_reopened(*, enrolment: Enrolment, reason: str, actor: User) -> list[Certificate]:
    """A unit of the enrolment was reopened: its certificates whose tier rule it no longer meets (those that need
    every unit signed off) are revoked with the unlock's reason. The caller holds the enrolment's lock."""
    rules = certificate_rules_for(enrolment.centre)
    revoked = []
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(enrolment=enrolment,
                                                                           revoked_at__isnull=True):
            if tier_problems(enrolment, rules[certificate.tier]):
                _revoke(certificate, reason=reason, actor=actor)
                revoked.append(certificate)
    return revoked



"""Awards: automatic on sign-off and completion, by hand or in bulk, revoked, and shared as the learner chooses."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.models import UnitSignOff
from audit.services import audit_record
from badges.awards.announce import wallet_url
from badges.awards.badge_classes import (
    NON_FORMAL_KINDS,
    BadgeError,
)
from badges.awards.selectors import shareable_evidence
from badges.models import Award, BadgeClass, PublicNameChoice, Showcase
from badges.openbadges.tasks import bake_award
from centres.csv_files import CsvProblem, CsvUnreadable, csv_records
from centres.models import Centre, Membership, Role
from centres.services import CsvImportError, ServiceError, ensure_role, has_role
from centres.web_urls import web_url_problem
from notifications.services import notify
from portfolios.models import Enrolment

User = get_user_model()


def award_badge(
    *,
    badge_class: BadgeClass,
    recipient,
    actor: User,
    narrative: str = "",
    evidence_url: str = "",
    enrolment: Enrolment | None = None,
    sign_off: UnitSignOff | None = None,
    issued_on: datetime | None = None,
) -> Award:
    """Award a badge to a learner of its centre: recorded, the learner told, the image baked once committed.

    The callers (automatic rules, by hand, bulk) check who may award what; this checks the award itself.
    """
    centre = badge_class.centre
    if not Membership.objects.filter(user=recipient, centre=centre, role=Role.LEARNER).exists():
        raise BadgeError(_("%(name)s is not a learner at %(centre)s.") % {"name": recipient, "centre": centre})
    if evidence_url and web_url_problem(evidence_url.strip()):
        raise BadgeError(_("The evidence address must be a web address (https://…)."))
    issued_on = issued_on or timezone.now()
    with transaction.atomic():
        # The centre row is the lock that hands out status list indexes one at a time.
        Centre.objects.select_for_update().get(pk=centre.pk)
        last = Award.objects.filter(badge_class__centre=centre).aggregate(m=Max("status_index"))["m"]
        award = Award.objects.create(
            badge_class=badge_class, recipient=recipient, recipient_email=recipient.email.lower(),
            issued_on=issued_on, narrative=narrative.strip(), evidence_url=evidence_url.strip(), enrolment=enrolment,
            sign_off=sign_off,
            expires_at=issued_on + timedelta(days=badge_class.validity_days) if badge_class.validity_days else None,
            awarded_by=actor if getattr(actor, "is_authenticated", False) else None,
            show_name_publicly=shows_name_publicly(recipient),
            status_index=0 if last is None else last + 1)
        audit_record(action="badge.awarded", actor=actor, centre=centre, target=award, subject=enrolment or recipient,
                     data={"badge_class": str(badge_class.uuid), "badge": badge_class.name, "kind": badge_class.kind,
                           "recipient": award.recipient_email, "award": str(award.uuid),
                           "status_index": award.status_index, "narrative": award.narrative,
                           "evidence_url": award.evidence_url,
                           "expires_at": award.expires_at.isoformat() if award.expires_at else None})
        # The learner is emailed once the badge is baked, with the baked image attached (see baking.award_bake).
        transaction.on_commit(lambda: _queue_baking(award.pk), robust=True)  # the download bakes if this fails
    return award


def _queue_baking(award_id: int) -> None:
    bake_award.delay(award_id)


def _hand_award_problems(narrative: str, evidence_url: str) -> list[str]:
    problems = []
    if not narrative.strip():
        problems.append(_("say why this person earns the badge (the narrative)."))
    if evidence_url.strip() and web_url_problem(evidence_url.strip()):
        problems.append(_("“%(url)s” is not a web address (https://…).") % {"url": evidence_url.strip()})
    return problems


def _check_hand_awardable(badge_class: BadgeClass) -> None:
    if badge_class.kind not in NON_FORMAL_KINDS:
        raise BadgeError(_("Unit and qualification badges are awarded when units are signed off, not by hand."))


def award_by_hand(*, badge_class: BadgeClass, recipient, narrative: str, evidence_url: str = "", actor: User) -> Award:
    """A participation, skill or event badge for one learner, by a centre admin or the learner's assessor."""
    centre = badge_class.centre
    membership = Membership.objects.current().filter(user=recipient, centre=centre, role=Role.LEARNER).first()
    is_admin = has_role(actor, centre, Role.CENTRE_ADMIN)
    is_their_assessor = (membership is not None and membership.assessor_id == actor.pk
                         and has_role(actor, centre, Role.ASSESSOR))
    if not (is_admin or is_their_assessor):
        raise PermissionDenied
    if membership is None:
        raise BadgeError(_("%(name)s is not a learner at this centre.") % {"name": recipient})
    _check_hand_awardable(badge_class)
    problems = _hand_award_problems(narrative, evidence_url)
    if problems:
        raise BadgeError(" ".join(p[:1].upper() + p[1:] for p in problems))
    if badge_class.awards.filter(recipient=recipient, revoked_at__isnull=True).exists():
        raise BadgeError(_("%(name)s already holds this badge.") % {"name": recipient})
    return award_badge(badge_class=badge_class, recipient=recipient, actor=actor, narrative=narrative,
                       evidence_url=evidence_url)


# --- Bulk awards from CSV --------------------------------------------------------------------------------

AWARD_CSV_COLUMNS = ("email", "narrative", "evidence_url")


class AwardCsvError(CsvImportError):
    def __init__(self, problems: list[CsvProblem]):
        self.problems = problems
        ServiceError.__init__(self, ngettext("The file has %(n)s problem; no badge was awarded.",
                                             "The file has %(n)s problems; no badge was awarded.",
                                             len(problems)) % {"n": len(problems)})


@dataclass(frozen=True)
class AwardRow:
    line: int
    recipient: object
    narrative: str
    evidence_url: str


def _award_csv_rows(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        rows = csv_records(raw, required=("email", "narrative"), expected=AWARD_CSV_COLUMNS)
    except CsvUnreadable as error:
        raise AwardCsvError([CsvProblem(error.line, error.message)]) from error
    if not rows:
        raise AwardCsvError([CsvProblem(2, _("the file has nobody in it."))])
    if len(rows) > settings.LEAP_CSV_MAX_ROWS:
        raise AwardCsvError([CsvProblem(1, _("at most %(n)s people per file.") % {"n": settings.LEAP_CSV_MAX_ROWS})])
    return rows


def awards_csv_validate(*, badge_class: BadgeClass, raw: bytes) -> list[AwardRow]:
    """Check a bulk award file whole (columns email, narrative, evidence_url). Returns its rows, or raises
    AwardCsvError naming every bad line."""
    _check_hand_awardable(badge_class)
    rows = _award_csv_rows(raw)
    emails = {row.get("email", "").lower() for _line, row in rows}
    accounts = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    learners = {m.user.email: m.user for m in Membership.objects.current().filter(
        centre=badge_class.centre, role=Role.LEARNER, user__email__in=emails).select_related("user")}
    holders = set(badge_class.awards.filter(revoked_at__isnull=True, recipient_email__in=emails)
                  .values_list("recipient_email", flat=True))
    problems, seen, result = [], {}, []
    for line, row in rows:
        email = row.get("email", "").lower()
        row_problems = _hand_award_problems(row.get("narrative", ""), row.get("evidence_url", ""))
        try:
            validate_email(email)
        except ValidationError:
            row_problems.insert(0, _("“%(email)s” is not a valid email address.") % {"email": email})
        else:
            if email in seen:
                row_problems.insert(0, _("%(email)s is also on line %(other)s.")
                                    % {"email": email, "other": seen[email]})
            elif email not in accounts:
                row_problems.insert(0, _("nobody has an account with %(email)s.") % {"email": email})
            elif email not in learners:
                row_problems.insert(0, _("%(email)s is not a learner at this centre.") % {"email": email})
            elif email in holders:
                row_problems.insert(0, _("%(email)s already holds this badge.") % {"email": email})
            seen.setdefault(email, line)
        problems += [CsvProblem(line, p) for p in row_problems]
        if not row_problems:
            result.append(AwardRow(line, learners[email], row.get("narrative", ""), row.get("evidence_url", "")))
    if problems:
        raise AwardCsvError(problems)
    return result


def awards_import_csv(*, badge_class: BadgeClass, raw: bytes, actor: User) -> list[Award]:
    """Award a badge to everyone in a file, each with their own narrative: all of them, or — if any line is
    bad — nobody."""
    ensure_role(actor, badge_class.centre, Role.CENTRE_ADMIN)
    rows = awards_csv_validate(badge_class=badge_class, raw=raw)
    with transaction.atomic():
        awards = [award_badge(badge_class=badge_class, recipient=row.recipient, actor=actor,
                              narrative=row.narrative, evidence_url=row.evidence_url) for row in rows]
        audit_record(action="badges.imported", actor=actor, centre=badge_class.centre, target=badge_class,
                     data={"badge_class": str(badge_class.uuid), "count": len(awards)})
    return awards


# --- After the award -------------------------------------------------------------------------------------

def award_revoke(*, award: Award, reason: str, actor: User) -> Award:
    """A centre admin withdraws an award, with a reason the learner and any verifier are told."""
    centre = award.badge_class.centre
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    reason = reason.strip()
    if not reason:
        raise BadgeError(_("Give the reason for revoking the badge."))
    with transaction.atomic():
        revoked = _revoke(award=award, reason=reason, actor=actor)
        if revoked is None:
            raise BadgeError(_("This badge has already been revoked."))
    return revoked


def _revoke(*, award: Award, reason: str, actor: User, tell_learner: bool = True) -> Award | None:
    """Revoke under the award's row lock; None if it was revoked already."""
    award = (Award.objects.select_for_update(of=("self",)).select_related("badge_class__centre", "recipient")
             .get(pk=award.pk))
    if award.revoked_at:
        return None
    centre = award.badge_class.centre
    award.revoked_at, award.revocation_reason = timezone.now(), reason
    award.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(action="badge.revoked", actor=actor, centre=centre, target=award,
                 subject=award.enrolment or award.recipient,
                 data={"award": str(award.uuid), "badge": award.badge_class.name,
                       "recipient": award.recipient_email, "status_index": award.status_index, "reason": reason})
    if tell_learner:
        notify(recipient=award.recipient, kind="badge_revoked", url=wallet_url(award),
               context={"learner_name": award.recipient.first_name, "badge_name": award.badge_class.name,
                        "centre_name": centre.name, "reason": reason})
    return award


# Apps above this one may refuse a learner anything public (community: learners under 18) without badges knowing
# them: each is called as refusal(user=..., centre_ids=...) and returns the message to show, or None.
public_sharing_refusals: list = []


def refuse_public_sharing(user) -> None:
    """Raise BadgeError when an app above refuses this learner public sharing (their badges, showcase, name)."""
    centre_ids = set(Membership.objects.current().filter(user=user, role=Role.LEARNER).values_list("centre_id",
                                                                                                     flat=True))
    for refusal in public_sharing_refusals:
        message = refusal(user=user, centre_ids=centre_ids)
        if message:
            raise BadgeError(message)


def award_set_sharing(
    *, award: Award, actor: User, show_name_publicly: bool, in_showcase: bool,
    public_evidence_ids: list[int] | tuple = (),
) -> Award:
    """The learner chooses what the public sees of their badge: their name, the showcase, which evidence."""
    if actor.pk != award.recipient_id:
        raise PermissionDenied
    if award.revoked_at:
        raise BadgeError(_("This badge has been revoked; it cannot be shared."))
    wanted = {int(pk) for pk in public_evidence_ids}
    if show_name_publicly or wanted:
        refuse_public_sharing(actor)
    evidence = list(shareable_evidence(user=actor).filter(pk__in=wanted,
                                                          enrolment__centre_id=award.badge_class.centre_id))
    if len(evidence) != len(wanted):
        raise BadgeError(_("Only your own accepted evidence, from this centre, can be shown with a badge."))
    with transaction.atomic():
        award.show_name_publicly, award.in_showcase = show_name_publicly, in_showcase
        award.save(update_fields=["show_name_publicly", "in_showcase"])
        award.public_evidence.set(evidence)
        audit_record(action="badge.sharing_changed", actor=actor, centre=award.badge_class.centre, target=award,
                     subject=actor, data={"award": str(award.uuid), "show_name_publicly": show_name_publicly,
                                          "in_showcase": in_showcase, "public_evidence": sorted(wanted)})
    return award


def showcase_set_enabled(*, actor: User, enabled: bool):
    """The learner turns their public showcase of chosen badges on or off."""
    if enabled:
        refuse_public_sharing(actor)
    with transaction.atomic():
        showcase, _created = Showcase.objects.get_or_create(user=actor)
        if showcase.enabled != enabled:
            showcase.enabled = enabled
            showcase.save(update_fields=["enabled", "updated_at"])
            audit_record(action="badge.showcase_changed", actor=actor, target=showcase, data={"enabled": enabled})
    return showcase


def shows_name_publicly(user) -> bool:
    """The learner's answer about their name on public pages; hidden until they have answered."""
    return PublicNameChoice.objects.filter(user=user, show_name=True).exists()


def public_name_choose(*, actor: User, show_name: bool) -> PublicNameChoice:
    """The learner answers whether their public badge pages show their name: asked the first time they share a
    badge, changed later in the wallet. The answer applies to every badge they hold, and to those to come."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if show_name:
        refuse_public_sharing(actor)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one answer at a time, even double-posted
        choice = PublicNameChoice.objects.filter(user=actor).first()
        if choice is not None and choice.show_name == show_name:
            return choice  # the same answer again (a double post): nothing changes, nothing is recorded
        if choice is None:
            choice = PublicNameChoice(user=actor)
        previous = None if choice.pk is None else choice.show_name
        choice.show_name, choice.chosen_at = show_name, timezone.now()
        choice.save()
        changed = Award.objects.filter(recipient=actor).exclude(show_name_publicly=show_name).update(
            show_name_publicly=show_name)
        audit_record(action="badge.public_name_chosen", actor=actor, target=choice, subject=actor,
                     data={"show_name": show_name, "previous": previous, "awards_changed": changed})
    return choice

"""When each kind of a learner's records at a centre may be destroyed: the centre's rules applied to the facts.

For each kind and enrolment, ``keep_until`` is the latest of the bases the centre's rule sets and the facts allow:

- the end of the course (the latest of certification, completion and withdrawal) + N years: not known yet while
  the enrolment is active or on a break;
- a successful EQA review of the learner's work (the latest signed EQA report that agreed a decision of this
  enrolment) + N years, for learner work only (evidence, decisions, IQA/EQA records), when the rule asks for it and
  such a review exists;
- a fixed date (funded provision), when the rule sets one.

A legal hold (on the learner, or on the whole centre) stops destruction: ``held`` is true and ``due`` false.
Learner details are one record per learner at the centre (``enrolment_id`` None), kept as long as the latest of
their enrolments' dates.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent, object_type_of
from badges.models import Award, Certificate
from moderation.external.reports.models import EqaJudgement, EqaReport
from portfolios.models import Enrolment

from .kinds import DEFAULT_YEARS, LEARNER_WIDE, LEARNER_WORK, Kind
from .models import LegalHold, RetentionRule

__all__ = ["DEFAULT_YEARS", "Kind", "ScheduleRow", "retention_schedule", "rules_for", "rule_words", "learner_ref"]

ENDED = (Enrolment.Status.COMPLETED, Enrolment.Status.WITHDRAWN)


@dataclass(frozen=True)
class ScheduleRow:
    kind: str
    enrolment_id: int | None
    keep_until: date | None  # None: not known yet (course not finished)
    reason: str
    held: bool
    due: bool  # keep_until is not None and keep_until <= today and not held


def rules_for(centre) -> dict[str, RetentionRule]:
    """The centre's rule for every kind: its saved rows, and an unsaved default for each kind it has not set."""
    saved = {rule.kind: rule for rule in RetentionRule.objects.filter(centre=centre)}
    return {kind: saved.get(kind) or RetentionRule(centre=centre, kind=kind) for kind in Kind.values}


def rule_words(rule: RetentionRule) -> str:
    """The rule in plain words, e.g. "3 years after the end of the course, or 6 years after a successful EQA review,
    or until 31 July 2031, whichever is latest"."""
    parts = [_("%(years)s years after the end of the course") % {"years": rule.years_after_end}]
    if rule.years_after_eqa is not None and rule.kind in LEARNER_WORK:
        parts.append(_("%(years)s years after a successful EQA review") % {"years": rule.years_after_eqa})
    if rule.keep_until_date:
        parts.append(_("until %(date)s") % {"date": rule.keep_until_date.strftime("%-d %B %Y")})
    if len(parts) == 1:
        return parts[0]
    return _("%(bases)s, whichever is latest") % {"bases": _(", or ").join(parts)}


def learner_ref(user_id: int) -> str:
    """A pseudonymous reference to a learner, stable per deployment, that cannot be turned back into the person
    without the deployment's secret key (tombstones and batches keep this, not the name)."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"retention-learner", hashlib.sha256).digest()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def _day(moment: datetime | date | None) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


@dataclass(frozen=True)
class _Facts:
    """The dates the rules count from, per enrolment."""

    ended: dict[int, date | None]  # None: still running
    ended_how: dict[int, str]
    eqa: dict[int, date]


def _facts(enrolments: list[Enrolment]) -> _Facts:
    ids = [e.pk for e in enrolments]
    certified: dict[int, date] = {}
    for enrolment_id, issued in (Certificate.objects.filter(enrolment_id__in=ids, revoked_at__isnull=True)
                                 .values("enrolment_id").annotate(last=Max("issued_on"))
                                 .values_list("enrolment_id", "last")):
        certified[enrolment_id] = _day(issued)
    for enrolment_id, issued in (Award.objects.filter(enrolment_id__in=ids, revoked_at__isnull=True,
                                                      badge_class__kind="qualification")
                                 .values("enrolment_id").annotate(last=Max("issued_on"))
                                 .values_list("enrolment_id", "last")):
        certified[enrolment_id] = max(filter(None, [certified.get(enrolment_id), _day(issued)]))
    # A withdrawn enrolment moves no further: its last status change is the withdrawal.
    withdrawn = dict(AuditEvent.objects.filter(action="enrolment.status_changed",
                                               object_type=object_type_of(Enrolment),
                                               object_id__in=[str(i) for i in ids])
                     .values("object_id").annotate(last=Max("created_at")).values_list("object_id", "last"))
    ended: dict[int, date | None] = {}
    how: dict[int, str] = {}
    for e in enrolments:
        if e.status not in ENDED:
            ended[e.pk] = None
            continue
        dates = {}
        if e.completed_at:
            dates[_("completion")] = _day(e.completed_at)
        if e.pk in certified:
            dates[_("certification")] = certified[e.pk]
        if e.status == Enrolment.Status.WITHDRAWN:
            dates[_("withdrawal")] = _day(withdrawn.get(str(e.pk))) or _day(e.last_activity_at)
        if not dates:
            dates[_("the end of the course")] = _day(e.last_activity_at)
        how[e.pk], ended[e.pk] = max(dates.items(), key=lambda item: item[1])
    eqa = dict(EqaJudgement.objects.filter(enrolment_id__in=ids, agreed=True,
                                           report__status__in=[EqaReport.Status.SIGNED,
                                                               EqaReport.Status.ACKNOWLEDGED])
               .values("enrolment_id").annotate(last=Max("report__signed_at"))
               .values_list("enrolment_id", "last"))
    return _Facts(ended=ended, ended_how=how, eqa={k: _day(v) for k, v in eqa.items() if v})


def _keep_until(rule: RetentionRule, enrolment_id: int, facts: _Facts) -> tuple[date | None, str]:
    ended = facts.ended[enrolment_id]
    if ended is None:
        return None, _("not known yet: the course has not ended")
    bases = [(add_years(ended, rule.years_after_end),
              _("%(years)s years after %(event)s") % {"years": rule.years_after_end,
                                                       "event": facts.ended_how[enrolment_id]})]
    if rule.years_after_eqa is not None and rule.kind in LEARNER_WORK and enrolment_id in facts.eqa:
        bases.append((add_years(facts.eqa[enrolment_id], rule.years_after_eqa),
                      _("%(years)s years after a successful EQA review") % {"years": rule.years_after_eqa}))
    if rule.keep_until_date:
        bases.append((rule.keep_until_date, _("the funded provision's end date")))
    return max(bases, key=lambda basis: basis[0])


def active_holds(*, learner, centre) -> list[LegalHold]:
    return list(LegalHold.objects.filter(Q(learner__isnull=True) | Q(learner=learner), centre=centre,
                                         lifted_at__isnull=True).order_by("placed_at", "pk"))


def retention_schedule(*, learner, centre, today: date | None = None) -> list[ScheduleRow]:
    """For each kind and each of the learner's enrolments at the centre (learner-wide kinds: one row), when it may
    be destroyed, why, whether a legal hold stops it, and whether it is due now. Reads only (7 queries)."""
    today = today or timezone.localdate()
    enrolments = list(Enrolment.objects.filter(learner=learner, centre=centre).order_by("pk"))
    rules = rules_for(centre)
    facts = _facts(enrolments)
    holds = active_holds(learner=learner, centre=centre)
    held_words = "; ".join(_("legal hold: %(reason)s") % {"reason": hold.reason} for hold in holds)
    rows: list[ScheduleRow] = []

    def row(kind: str, enrolment_id: int | None, keep_until: date | None, reason: str) -> ScheduleRow:
        if holds:
            reason = f"{reason}; {held_words}"
        due = keep_until is not None and keep_until <= today and not holds
        return ScheduleRow(kind=kind, enrolment_id=enrolment_id, keep_until=keep_until, reason=reason,
                           held=bool(holds), due=due)

    for kind in Kind.values:
        rule = rules[kind]
        answers = [(e.pk, *_keep_until(rule, e.pk, facts)) for e in enrolments]
        if kind in LEARNER_WIDE:
            if not answers:
                continue
            if any(keep is None for _pk, keep, _why in answers):
                rows.append(row(kind, None, None, _("not known yet: a course has not ended")))
            else:
                _pk, keep, why = max(answers, key=lambda answer: answer[1])
                rows.append(row(kind, None, keep, _("%(why)s (the latest of the learner's courses)") % {"why": why}))
            continue
        rows.extend(row(kind, pk, keep, why) for pk, keep, why in answers)
    return rows

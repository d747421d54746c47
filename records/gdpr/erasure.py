"""An erasure request: what is erased now, what is kept (and why, and until when), and the steps that do it.

What no rule requires goes now: draft evidence never submitted (its files, photos and reflections), the text of
withdrawn submissions, the account's contact and sign-in details (the account is closed), the sharing settings,
the notification history, and every kind of record whose retention has already ended (`destroy_records`). What a
retention rule requires stays, with the learner shown by a pseudonym wherever staff look (their account's names
and email are replaced), until the retention run destroys it when due.

Each step runs in its own transaction and is recorded in the request's `erasure["steps"]` once done, so that a
confirmation repeated after a failure carries on where it stopped and never does a step twice.
"""

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.pseudonyms import pseudonym, pseudonym_code
from audit.models import AuditEvent, object_type_of
from audit.services import audit_erase_content, audit_record, chain_key_for
from badges.models import Award, PublicNameChoice, Showcase
from centres.models import Membership
from moderation.models import CoMarkingExercise
from notifications.models import Notification
from portfolios.models import AssessmentPlan, Enrolment, Evidence, EvidenceFile, EvidenceSubmission
from records.retention.destruction import ERASED_EMAIL_DOMAIN, destroy_records
from records.retention.schedule import Kind, retention_schedule

from .models import DataRequest

REASON = "erasure-request"
ONGOING = (Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK)


@dataclass(frozen=True)
class PlanRow:
    """One line of the review page and of the letter."""

    key: str  # "kind:<retention kind>:<enrolment id or ->" or the code of one of LEAP's own erasures
    label: str
    scope: str  # the qualification the row is about, "" for the whole record at the centre
    erase: bool
    until: datetime.date | None  # kept until (None: not known yet, or erased)
    reason: str
    count: int | None = None


@dataclass(frozen=True)
class ErasurePlan:
    rows: list[PlanRow]
    ongoing: int  # enrolments still active or on a break: to be withdrawn first
    elsewhere: bool  # another centre has a record of the person: the account stays open

    @property
    def erased(self) -> list[PlanRow]:
        return [r for r in self.rows if r.erase]

    @property
    def kept(self) -> list[PlanRow]:
        return [r for r in self.rows if not r.erase]


# --- What will happen ------------------------------------------------------------------------------------------

def _drafts(request: DataRequest):
    """Evidence never submitted (or whose every submission was withdrawn) of the person's enrolments here, except
    any a co-marking exercise uses (it is then part of a QA record)."""
    return (Evidence.objects.filter(enrolment__learner=request.subject, enrolment__centre=request.centre,
                                    status=Evidence.Status.DRAFT)
            .exclude(pk__in=EvidenceSubmission.objects.filter(withdrawn_at__isnull=True).values("evidence"))
            .exclude(pk__in=CoMarkingExercise.objects.values("evidence")))


def _withdrawn(request: DataRequest):
    return EvidenceSubmission.objects.filter(
        evidence__enrolment__learner=request.subject, evidence__enrolment__centre=request.centre,
        withdrawn_at__isnull=False).exclude(title="", reflection="", declaration={})


def _account_events(request: DataRequest):
    """Events about the account and the memberships themselves (registration, roles, sign-ins), and refused
    sign-ins naming its email address: contact and sign-in details, not part of any kept record."""
    person = request.subject
    memberships = [str(pk) for pk in Membership.objects.filter(user=person, centre=request.centre)
                   .values_list("pk", flat=True)]
    return AuditEvent.objects.filter(chain_key__in=[chain_key_for(request.centre_id), chain_key_for(None)]).filter(
        Q(object_type=object_type_of(person), object_id=str(person.pk))
        | Q(object_type=object_type_of(Membership()), object_id__in=memberships)
        | Q(action="account.sign_in_failed", data__email__iexact=person.email))


def _elsewhere(request: DataRequest) -> bool:
    """Whether another centre has a record of the person (a membership or an enrolment, as retention counts it):
    their account, and their name on it, then stay."""
    person, centre = request.subject, request.centre
    return (Membership.objects.filter(user=person).exclude(centre=centre).exists()
            or Enrolment.objects.filter(learner=person).exclude(centre=centre).exists() or person.is_staff)


def _kind_rows(request: DataRequest, today: datetime.date) -> list[PlanRow]:
    titles = {pk: _("%(code)s %(title)s, started %(start)s") % {"code": code, "title": title, "start": _date(start)}
              for pk, code, title, start in Enrolment.objects.filter(learner=request.subject, centre=request.centre)
              .values_list("pk", "version__qualification__code", "version__title", "start_date")}
    rows = []
    for row in retention_schedule(learner=request.subject, centre=request.centre, today=today):
        scope = titles.get(row.enrolment_id, "") if row.enrolment_id else ""
        erase = row.due
        reason = (_("its retention period ended on %(date)s") % {"date": _date(row.keep_until)} if erase
                  else row.reason)
        rows.append(PlanRow(key=f"kind:{row.kind}:{row.enrolment_id or '-'}", label=str(Kind(row.kind).label),
                            scope=scope, erase=erase, until=None if erase else row.keep_until, reason=reason))
    return rows


def erasure_plan(request: DataRequest, *, today: datetime.date | None = None) -> ErasurePlan:
    today = today or timezone.localdate()
    no_rule = _("no rule requires it")
    elsewhere = _elsewhere(request)
    drafts = _drafts(request)
    own = [
        PlanRow("drafts", _("Draft evidence never submitted, with its files, photos and reflections"), "", True,
                None, no_rule, drafts.count()),
        PlanRow("withdrawn", _("Withdrawn submissions (their text)"), "", True, None, no_rule,
                _withdrawn(request).count()),
        PlanRow("sharing", _("Showcase and sharing settings"), "", True, None, no_rule),
        PlanRow("notifications", _("Notification history"), "", True, None, no_rule,
                Notification.objects.filter(user=request.subject).count()),
    ]
    if elsewhere:
        own.append(PlanRow("account", _("Account, contact and sign-in details"), "", False, None,
                           _("the person also belongs to another centre, which still uses the account; their "
                             "membership of this centre ends")))
    else:
        own.append(PlanRow("account", _("Contact and sign-in details: email address, password, second factors, "
                                        "sessions, sign-in history; the account is closed"), "", True, None, no_rule))
    own = [row for row in own if row.count != 0]  # nothing of that kind is held: nothing to say
    ongoing = Enrolment.objects.filter(learner=request.subject, centre=request.centre, status__in=ONGOING).count()
    return ErasurePlan(rows=_kind_rows(request, today) + own, ongoing=ongoing, elsewhere=elsewhere)


def _date(day: datetime.date | None) -> str:
    return date_format(day, "j F Y") if day else ""


def pseudonym_for(user_id: int) -> str:
    """The name a learner's kept records show once erasure is done: stable, not linkable to the person without
    the deployment's secret key, and the same as retention's destruction of learner details gives."""
    return pseudonym(settings.SECRET_KEY, user_id)


@dataclass(frozen=True)
class RowGroup:
    """Rows that say the same of the same course (erased or kept, why, until when), shown as one."""

    labels: list[str]
    scope: str
    erase: bool
    until: datetime.date | None
    reason: str
    count: int | None

    @property
    def label(self) -> str:
        return "; ".join(self.labels)


def grouped(rows: list[PlanRow]) -> list[RowGroup]:
    """The rows in their order, the kinds of record of the same course with the same outcome, reason and date as
    one."""
    groups: dict[tuple, RowGroup] = {}
    for row in rows:
        key = (row.scope, row.erase, row.until, row.reason) if row.key.startswith("kind:") else (row.key,)
        if key in groups:
            groups[key].labels.append(row.label)
        else:
            groups[key] = RowGroup([row.label], row.scope, row.erase, row.until, row.reason, row.count)
    return list(groups.values())


# --- The steps -------------------------------------------------------------------------------------------------

Step = Callable[[DataRequest, User], int]


def run_step(request: DataRequest, actor: User, code: str, step: Step) -> None:
    """Run one step in its own transaction, once: a step already recorded on the request is skipped."""
    with transaction.atomic():
        locked = DataRequest.objects.select_for_update().get(pk=request.pk)
        steps = locked.erasure.setdefault("steps", {})
        if code in steps:
            return
        count = step(locked, actor)
        steps[code] = {"at": timezone.now().isoformat(), "count": count}
        DataRequest.objects.filter(pk=locked.pk).update(erasure=locked.erasure)
        audit_record(action="data_request.erasure_step", actor=actor, centre=locked.centre, target=locked,
                     data={"step": code, "count": count})
    request.erasure = locked.erasure


def destroy_kind(kind: str, enrolment_ids: list[int] | None) -> Step:
    def step(request: DataRequest, actor: User) -> int:
        return len(destroy_records(kind=kind, learner=request.subject, centre=request.centre,
                                   enrolment_ids=enrolment_ids, actor=actor, reason=REASON,
                                   reference={"data_request": request.pk}))
    return step


def _erase_events(events, request: DataRequest, actor: User) -> None:
    audit_erase_content(events=list(events), actor=actor, reason=REASON, data={"data_request": request.pk})


def erase_drafts(request: DataRequest, actor: User) -> int:
    drafts = list(_drafts(request).select_for_update())
    files = list(EvidenceFile.objects.filter(evidence__in=drafts))
    events = AuditEvent.objects.filter(chain_key=chain_key_for(request.centre_id)).filter(
        Q(object_type=object_type_of(Evidence()), object_id__in=[str(e.pk) for e in drafts])
        | Q(object_type=object_type_of(EvidenceFile()), object_id__in=[str(f.pk) for f in files]))
    _erase_events(events, request, actor)
    storage = EvidenceFile._meta.get_field("file").storage
    stored = [name for f in files for name in (f.file.name, f.thumbnail.name) if name]
    for evidence in drafts:
        stored += list(evidence.pending_uploads.values_list("key", flat=True))
        evidence.pending_uploads.all().delete()
    EvidenceFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    EvidenceSubmission.objects.filter(evidence__in=drafts).delete()
    Evidence.objects.filter(pk__in=[e.pk for e in drafts]).delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    return len(drafts)


def erase_withdrawn(request: DataRequest, actor: User) -> int:
    return _withdrawn(request).update(title="", reflection="", declaration={}, claimed=[])


def erase_sharing(request: DataRequest, actor: User) -> int:
    person = request.subject
    count = Showcase.objects.filter(user=person).delete()[0] + PublicNameChoice.objects.filter(user=person).delete()[0]
    awards = Award.objects.filter(recipient=person, badge_class__centre=request.centre)
    for award in awards:
        award.public_evidence.clear()
    return count + awards.update(show_name_publicly=False, in_showcase=False)


def erase_notifications(request: DataRequest, actor: User) -> int:
    return Notification.objects.filter(user=request.subject).delete()[0]


def close_account(request: DataRequest, actor: User) -> int:
    """End the person's membership here and, unless another centre still uses the account, close it: the names
    become the pseudonym (what the kept records show), the email (here and in their declarations) a placeholder
    that goes nowhere, the password unusable (which also ends every session: a session is bound to the password),
    second factors and verified addresses gone, the optional facts (age band, gender) cleared."""
    person = User.objects.select_for_update().get(pk=request.subject_id)
    now = timezone.now()
    Membership.objects.filter(user=person, centre=request.centre).update(age_band="", gender="")
    Membership.objects.filter(user=person, centre=request.centre, ended_at__isnull=True).update(ended_at=now)
    if _elsewhere(request):
        return 0
    _erase_events(_account_events(request), request, actor)
    name = pseudonym_for(person.pk)
    AssessmentPlan.objects.filter(enrolment__learner=person).exclude(learner_signed_name="").update(
        learner_signed_name=name)
    new_email = f"{pseudonym_code(settings.SECRET_KEY, person.pk).lower()}-{person.pk}@{ERASED_EMAIL_DOMAIN}"
    _replace_declarant(person, new_email)
    Authenticator.objects.filter(user=person).delete()
    EmailAddress.objects.filter(user=person).delete()
    person.first_name, person.last_name = name, ""
    person.email = new_email
    person.set_unusable_password()
    person.is_active = False
    person.email_non_essential = person.email_daily_digest = person.email_weekly_mi = False
    person.save()
    return 1


def _replace_declarant(person: User, new_email: str) -> None:
    """The learner's declarations ("my own work", by email address) name the pseudonymous address instead."""
    for model, learner in ((Evidence, "enrolment__learner"), (EvidenceSubmission, "evidence__enrolment__learner")):
        rows = [row for row in model.objects.filter(**{learner: person}).exclude(declaration={})
                if row.declaration.get("by")]
        for row in rows:
            row.declaration = {**row.declaration, "by": new_email}
        model.objects.bulk_update(rows, ["declaration"])


def erasure_steps_for(request: DataRequest) -> list[tuple[str, Step]]:
    """The steps of the plan confirmed (stored on the request), in order: the retention kinds that were due, then
    LEAP's own erasures, the account last."""
    due: dict[str, list[int] | None] = {}
    for row in stored_plan(request):
        if row.erase and row.key.startswith("kind:"):
            _, kind, enrolment = row.key.split(":")
            if enrolment == "-":
                due[kind] = None
            elif due.get(kind, []) is not None:
                due.setdefault(kind, []).append(int(enrolment))
    steps: list[tuple[str, Step]] = [(f"destroy:{kind}", destroy_kind(kind, ids)) for kind, ids in sorted(
        due.items())]
    return steps + [("drafts", erase_drafts), ("withdrawn", erase_withdrawn), ("sharing", erase_sharing),
                    ("notifications", erase_notifications), ("account", close_account)]


def plan_record(plan: ErasurePlan) -> dict:
    """The plan as stored on the request (and shown after it is done)."""
    return {"rows": [{**asdict(r), "until": r.until.isoformat() if r.until else None} for r in plan.rows],
            "elsewhere": plan.elsewhere}


def stored_plan(request: DataRequest) -> list[PlanRow]:
    return [PlanRow(**{**row, "until": datetime.date.fromisoformat(row["until"]) if row["until"] else None})
            for row in request.erasure.get("plan", {}).get("rows", [])]

"""An erasure request: what is erased now, what is kept (and why, and until when), and the steps that do it.

What no rule requires goes now: draft evidence never submitted (its files, photos and reflections), the text of
withdrawn submissions, what the person wrote in the centre's groups (their peer comments and board posts, which
leave a "removed by the author" line so that threads stay readable, and the words of their reports), their
shares with a group (withdrawn), the account's contact and sign-in details (the account is closed), the sharing
settings, the notification history, and every kind of record whose retention has already ended
(`destroy_records`). Messages with staff and witness statements are part of the assessment record: they are kept
with the decisions and feedback, and with the evidence, and go when those kinds' rule allows. What a
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
from community.conversations.models import Message
from community.groups.models import Post, PostAttachment, Thread
from community.sharing.models import PeerComment, Report, SharedItem
from community.witness.models import WitnessStatement
from moderation.models import CoMarkingExercise
from notifications.models import Notification
from portfolios.freshness import portfolio_changed
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


def _included(request: DataRequest) -> dict[str, set[int]]:
    """The enrolments whose record includes messages with staff (kept with the decisions and feedback) or witness
    statements (kept with the evidence): per kind, the enrolment ids (2 queries)."""
    enrolments = Enrolment.objects.filter(learner=request.subject, centre=request.centre).values("pk")
    return {
        Kind.DECISIONS: set(Message.objects.filter(conversation__enrolment__in=enrolments)
                            .values_list("conversation__enrolment_id", flat=True).distinct()),
        Kind.EVIDENCE_FILES: set(WitnessStatement.objects.filter(request__evidence__enrolment__in=enrolments)
                                 .values_list("request__evidence__enrolment_id", flat=True).distinct()),
    }


def _kind_label(kind: str, enrolment_id: int | None, included: dict[str, set[int]]) -> str:
    label = str(Kind(kind).label)
    if enrolment_id in included.get(kind, ()):
        words = (_("including messages with staff") if kind == Kind.DECISIONS
                 else _("including witness statements"))
        return _("%(kind)s, %(including)s") % {"kind": label, "including": words}
    return label


def _kind_rows(request: DataRequest, today: datetime.date) -> list[PlanRow]:
    titles = {pk: _("%(code)s %(title)s, started %(start)s") % {"code": code, "title": title, "start": _date(start)}
              for pk, code, title, start in Enrolment.objects.filter(learner=request.subject, centre=request.centre)
              .values_list("pk", "version__qualification__code", "version__title", "start_date")}
    included = _included(request)
    rows = []
    for row in retention_schedule(learner=request.subject, centre=request.centre, today=today):
        scope = titles.get(row.enrolment_id, "") if row.enrolment_id else ""
        erase = row.due
        reason = (_("its retention period ended on %(date)s") % {"date": _date(row.keep_until)} if erase
                  else row.reason)
        rows.append(PlanRow(key=f"kind:{row.kind}:{row.enrolment_id or '-'}",
                            label=_kind_label(row.kind, row.enrolment_id, included),
                            scope=scope, erase=erase, until=None if erase else row.keep_until, reason=reason))
    return rows


# What the person wrote or shared in the centre's cohort groups: no rule requires any of it.

def _comments(request: DataRequest):
    """Their peer comments on items shared in the centre's groups whose text is still held (a removed comment
    keeps its text until erased)."""
    return PeerComment.objects.filter(author=request.subject, item__group__centre=request.centre).exclude(text="")


def _posts(request: DataRequest):
    """Their board posts in the centre's groups not yet removed (a removed post holds no text and no file)."""
    return Post.objects.filter(author=request.subject, thread__group__centre=request.centre).filter(
        Q(removed="") | ~Q(body=""))


def _shares(request: DataRequest):
    return SharedItem.objects.filter(owner=request.subject, group__centre=request.centre, withdrawn_at__isnull=True)


def _reports(request: DataRequest):
    """Their reports of a comment or a post at the centre that hold words of theirs."""
    return Report.objects.filter(reporter=request.subject, centre=request.centre).exclude(detail="")


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
        PlanRow("community", _("Peer comments and board posts"), "", True, None, no_rule,
                _comments(request).count() + _posts(request).count()),
        PlanRow("shares", _("Shared items"), "", True, None, no_rule, _shares(request).count()),
        PlanRow("reports", _("What they wrote in reports of comments and posts"), "", True, None, no_rule,
                _reports(request).count()),
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

# A step returns how many things it erased, or that and the ids of what it changed (kept in its audit event).
Step = Callable[[DataRequest, User], int | tuple[int, dict[str, list[int]]]]


def run_step(request: DataRequest, actor: User, code: str, step: Step) -> None:
    """Run one step in its own transaction, once: a step already recorded on the request is skipped."""
    with transaction.atomic():
        locked = DataRequest.objects.select_for_update().get(pk=request.pk)
        steps = locked.erasure.setdefault("steps", {})
        if code in steps:
            return
        done = step(locked, actor)
        count, ids = done if isinstance(done, tuple) else (done, None)
        steps[code] = {"at": timezone.now().isoformat(), "count": count}
        DataRequest.objects.filter(pk=locked.pk).update(erasure=locked.erasure)
        portfolio_changed(learner_ids=[locked.subject_id])  # the steps' bulk updates fire no signals
        audit_record(action="data_request.erasure_step", actor=actor, centre=locked.centre, target=locked,
                     data={"step": code, "count": count, **({"ids": ids} if ids is not None else {})})
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


def erase_comments(request: DataRequest, actor: User) -> tuple[int, dict]:
    """Their peer comments: the text goes, the row stays as a "Removed by the author" line (a comment a moderator
    or the owner removed before keeps that line) so that the item's thread still reads; no longer shown to an
    assessor."""
    comments = list(_comments(request).select_for_update(of=("self",)))
    now = timezone.now()
    for comment in comments:
        comment.text, comment.include_for_assessor = "", False
        if not comment.is_removed:
            comment.status, comment.removed_by_role = PeerComment.Status.REMOVED, PeerComment.RemovedBy.AUTHOR
            comment.removed_by, comment.removed_at = actor, now
    PeerComment.objects.bulk_update(comments, ["text", "include_for_assessor", "status", "removed_by_role",
                                               "removed_by", "removed_at"])
    return len(comments), {"comments": [c.pk for c in comments]}


def erase_posts(request: DataRequest, actor: User) -> tuple[int, dict]:
    """Their board posts: the text and the attachments (rows, and files from storage once committed) go, the post
    stays as a "removed by the author" line; the threads they started lose their title."""
    posts = list(_posts(request).select_for_update(of=("self",)))
    attachments = list(PostAttachment.objects.filter(post__in=posts).order_by("pk"))
    stored = [a.file.name for a in attachments if a.file.name]
    now = timezone.now()
    for post in posts:
        post.body = ""
        if not post.removed:
            post.removed, post.removed_at, post.removed_by = Post.Removal.AUTHOR, now, actor
    Post.objects.bulk_update(posts, ["body", "removed", "removed_at", "removed_by"])
    PostAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    threads = list(Thread.objects.filter(author=request.subject, group__centre=request.centre)
                   .values_list("pk", flat=True))
    Thread.objects.filter(pk__in=threads).update(title=_("Title removed at the author's request"))
    storage = PostAttachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    return len(posts), {"posts": [p.pk for p in posts], "attachments": [a.pk for a in attachments],
                        "threads": threads}


def erase_shares(request: DataRequest, actor: User) -> tuple[int, dict]:
    """Their shares with the centre's groups are withdrawn: the groups see the items, and their comments, no more."""
    items = list(_shares(request).select_for_update(of=("self",)).values_list("pk", flat=True))
    SharedItem.objects.filter(pk__in=items).update(withdrawn_at=timezone.now())
    return len(items), {"items": items}


def erase_reports(request: DataRequest, actor: User) -> tuple[int, dict]:
    """The words they added to their reports (the reason chosen from the list, and the outcome, stay)."""
    reports = list(_reports(request).select_for_update().values_list("pk", flat=True))
    Report.objects.filter(pk__in=reports).update(detail="")
    return len(reports), {"reports": reports}


def erase_community_events(request: DataRequest, actor: User) -> int:
    """The content of the audit events about what they wrote or shared in the centre's groups (their comments,
    posts, threads, shares, reports) and of their own acts there."""
    person, centre = request.subject, request.centre
    objects = {
        PeerComment: PeerComment.objects.filter(author=person, item__group__centre=centre),
        Post: Post.objects.filter(author=person, thread__group__centre=centre),
        Thread: Thread.objects.filter(author=person, group__centre=centre),
        SharedItem: SharedItem.objects.filter(owner=person, group__centre=centre),
        Report: Report.objects.filter(reporter=person, centre=centre),
    }
    about = Q(actor=person, action__startswith="sharing.") | Q(actor=person, action__startswith="group.")
    for model, rows in objects.items():
        about |= Q(object_type=object_type_of(model), object_id__in=[str(pk) for pk in rows.values_list("pk",
                                                                                                     flat=True)])
    events = list(AuditEvent.objects.filter(chain_key=chain_key_for(centre.pk)).filter(about)
                  .filter(erased_at__isnull=True).exclude(content_digest=""))
    _erase_events(events, request, actor)
    return len(events)


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
    return steps + [("drafts", erase_drafts), ("withdrawn", erase_withdrawn), ("comments", erase_comments),
                    ("posts", erase_posts), ("shares", erase_shares), ("reports", erase_reports),
                    ("community_events", erase_community_events), ("sharing", erase_sharing),
                    ("notifications", erase_notifications), ("account", close_account)]


def plan_record(plan: ErasurePlan) -> dict:
    """The plan as stored on the request (and shown after it is done)."""
    return {"rows": [{**asdict(r), "until": r.until.isoformat() if r.until else None} for r in plan.rows],
            "elsewhere": plan.elsewhere}


def stored_plan(request: DataRequest) -> list[PlanRow]:
    return [PlanRow(**{**row, "until": datetime.date.fromisoformat(row["until"]) if row["until"] else None})
            for row in request.erasure.get("plan", {}).get("rows", [])]

"""What each recorded event code means to a person reading an audit trail: a label, and the kind of event it is.

The codes stay as they are recorded (and in every export); pages show these words instead. Every code the code base
records has an entry (a test reads the source for them). Only strings live here: the audit layer knows no other app.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVIDENCE, DECISIONS, SIGN_OFF, PLANS, BADGES, MODERATION, ACCESS, SETUP = (
    "evidence", "decisions", "sign_off", "plans", "badges", "moderation", "access", "setup")
COMMUNITY = "community"  # messages, witness statements, groups, sharing and peer comments

# The kinds a reader can filter a trail by, in the order they are offered.
KINDS: dict[str, Promise] = {
    EVIDENCE: _("Evidence"),
    DECISIONS: _("Decisions"),
    SIGN_OFF: _("Sign-off"),
    PLANS: _("Plans and enrolment"),
    BADGES: _("Badges and certificates"),
    MODERATION: _("Moderation"),
    ACCESS: _("Access"),
    SETUP: _("Centre set-up"),
    COMMUNITY: _("Community"),
}


@dataclass(frozen=True)
class EventLabel:
    label: Promise
    kind: str
    automatic: bool = False  # LEAP records it itself, as a consequence of another act, never a person by hand


def _e(label: Promise, kind: str, automatic: bool = False) -> EventLabel:
    return EventLabel(label, kind, automatic)


EVENTS: dict[str, EventLabel] = {
    # Evidence
    "evidence.created": _e(_("Evidence started"), EVIDENCE),
    "evidence.file_uploaded": _e(_("File uploaded"), EVIDENCE),
    "evidence.file_removed": _e(_("File removed"), EVIDENCE),
    "evidence.submitted": _e(_("Evidence submitted"), EVIDENCE),
    "evidence.withdrawn": _e(_("Evidence withdrawn"), EVIDENCE),
    "evidence.draft_deleted": _e(_("Draft deleted"), EVIDENCE),
    "lock.refused": _e(_("Change refused: the unit is locked"), EVIDENCE),
    # Witness statements by link (community/witness): the witness has no account, so opening and writing are recorded
    # without a person
    "witness.requested": _e(_("Witness statement asked for (link emailed)"), EVIDENCE),
    "witness.opened": _e(_("Witness statement link opened (first view)"), EVIDENCE),
    "witness.submitted": _e(_("Witness statement written by the witness, from the emailed link"), EVIDENCE),
    "witness.revoked": _e(_("Witness statement link withdrawn"), EVIDENCE),
    "witness.expired": _e(_("Witness statement link expired"), EVIDENCE, automatic=True),
    # Decisions
    "review.started": _e(_("Review started"), DECISIONS),
    "review.decided": _e(_("Assessment decision recorded"), DECISIONS),
    "review.countersigned": _e(_("Decision countersigned"), DECISIONS),
    "prior_learning.imported": _e(_("Prior learning imported from another centre's export"), DECISIONS),
    "prior_learning.import_refused": _e(_("Prior learning file refused (problems found)"), DECISIONS),
    "prior_learning.accepted": _e(_("Recognised prior learning accepted"), DECISIONS),
    "prior_learning.rejected": _e(_("Recognised prior learning rejected"), DECISIONS),
    "comment_snippet.created": _e(_("Comment bank entry added"), DECISIONS),
    "comment_snippet.edited": _e(_("Comment bank entry changed"), DECISIONS),
    "comment_snippet.deleted": _e(_("Comment bank entry removed"), DECISIONS),
    # Sign-off
    "unit.signed_off": _e(_("Unit signed off"), SIGN_OFF),
    "unit.unlocked": _e(_("Unit unlocked"), SIGN_OFF),
    "enrolment.completed": _e(_("Qualification completed"), SIGN_OFF, automatic=True),
    "enrolment.reopened": _e(_("Enrolment reopened"), SIGN_OFF, automatic=True),
    # Plans and enrolment
    "enrolment.created": _e(_("Enrolled"), PLANS),
    "enrolment.status_changed": _e(_("Enrolment status changed"), PLANS),
    "plan.started": _e(_("Assessment plan version started"), PLANS),
    "plan.item_added": _e(_("Plan item added"), PLANS),
    "plan.item_updated": _e(_("Plan item changed"), PLANS),
    "plan.item_deleted": _e(_("Plan item removed"), PLANS),
    "plan.notes_updated": _e(_("Plan notes changed"), PLANS),
    "plan.document_attached": _e(_("Plan document attached"), PLANS),
    "plan.signed": _e(_("Assessment plan signed"), PLANS),
    "plan.agreed": _e(_("Assessment plan agreed"), PLANS),
    "insights.risk_flag_raised": _e(_("Flagged as at risk"), PLANS),
    "insights.risk_flag_cleared": _e(_("At-risk flag cleared"), PLANS),
    # Badges and certificates
    "badge.awarded": _e(_("Badge awarded"), BADGES),
    "badge.revoked": _e(_("Badge revoked"), BADGES),
    "badge.sharing_changed": _e(_("Badge sharing changed"), BADGES),
    "badge.showcase_changed": _e(_("Showcase changed"), BADGES),
    "badge.public_name_chosen": _e(_("Name on public badges chosen"), BADGES),
    "badge_class.created": _e(_("Badge created"), BADGES),
    "badges.imported": _e(_("Badges awarded from a CSV file"), BADGES),
    "certificate.issued": _e(_("Certificate issued"), BADGES),
    "certificate.reissued": _e(_("Certificate reissued"), BADGES),
    "certificate.revoked": _e(_("Certificate revoked"), BADGES),
    "certificate.rules_set": _e(_("Certificate rules changed"), BADGES),
    "issuer_key.created": _e(_("Badge signing key created"), BADGES, automatic=True),
    "issuer_key.rotated": _e(_("Badge signing key replaced"), BADGES),
    # Moderation: internal quality assurance
    "iqa.strategy_created": _e(_("Sampling strategy drafted"), MODERATION),
    "iqa.strategy_updated": _e(_("Sampling strategy changed"), MODERATION),
    "iqa.strategy_approved": _e(_("Sampling strategy approved"), MODERATION),
    "iqa.strategy_discarded": _e(_("Sampling strategy draft discarded"), MODERATION),
    "iqa.risk_overridden": _e(_("Assessor risk overridden"), MODERATION),
    "iqa.risk_override_withdrawn": _e(_("Assessor risk override withdrawn"), MODERATION),
    "iqa.plan_generated": _e(_("IQA sampling plan generated"), MODERATION),
    "iqa.plan_item_added": _e(_("Added to the IQA sampling plan"), MODERATION),
    "iqa.plan_item_removed": _e(_("Removed from the IQA sampling plan"), MODERATION),
    "iqa.plan_item_assigned": _e(_("IQA plan item assigned to a moderator"), MODERATION),
    "plan_items.reassigned": _e(_("IQA plan items reassigned"), MODERATION),
    "iqa.sample_started": _e(_("IQA sample started"), MODERATION),
    "iqa.sample_recorded": _e(_("IQA sample recorded"), MODERATION),
    "iqa.sample_signed": _e(_("IQA sample signed"), MODERATION),
    "iqa.sample_second_signed": _e(_("IQA sample second-signed"), MODERATION),
    "iqa.sample_acknowledged": _e(_("IQA sample acknowledged by the assessor"), MODERATION),
    "iqa.action_done": _e(_("IQA action marked done"), MODERATION),
    "iqa.action_closed": _e(_("IQA action closed"), MODERATION),
    "iqa.action_reopened": _e(_("IQA action sent back"), MODERATION),
    "observation.scheduled": _e(_("Observation of practice scheduled"), MODERATION),
    "observation.recorded": _e(_("Observation of practice recorded"), MODERATION),
    "observation.cancelled": _e(_("Observation of practice cancelled"), MODERATION),
    "standardisation.meeting_recorded": _e(_("Standardisation meeting recorded"), MODERATION),
    "standardisation.file_attached": _e(_("Standardisation meeting file attached"), MODERATION),
    "co_marking.created": _e(_("Standardisation co-marking started"), MODERATION),
    "co_marking.judged": _e(_("Co-marking judgement recorded"), MODERATION),
    "co_marking.closed": _e(_("Co-marking closed"), MODERATION),
    # Moderation: external quality assurance
    "eqa.report_created": _e(_("EQA report started"), MODERATION),
    "eqa.report_updated": _e(_("EQA report changed"), MODERATION),
    "eqa.report_signed": _e(_("EQA report signed"), MODERATION),
    "eqa.report_acknowledged": _e(_("EQA report acknowledged"), MODERATION),
    "eqa.judgement_added": _e(_("EQA judgement recorded"), MODERATION),
    "eqa.judgement_removed": _e(_("EQA judgement removed"), MODERATION),
    "eqa.ratings_saved": _e(_("EQA checklist ratings saved"), MODERATION),
    "eqa.action_point_added": _e(_("EQA action point added"), MODERATION),
    "eqa.action_point_done": _e(_("EQA action point done"), MODERATION),
    "eqa.action_point_removed": _e(_("EQA action point removed"), MODERATION),
    "eqa.sanction_set": _e(_("Certification held by the EQA"), MODERATION),
    "eqa.sanction_lifted": _e(_("EQA certification hold lifted"), MODERATION),
    "eqa.comment_added": _e(_("EQA comment written"), MODERATION),
    "eqa.checklist_seeded": _e(_("EQA checklist set up"), MODERATION, automatic=True),
    "eqa.checklist_item_added": _e(_("EQA checklist item added"), MODERATION),
    "eqa.checklist_item_edited": _e(_("EQA checklist item changed"), MODERATION),
    "eqa.checklist_item_moved": _e(_("EQA checklist item moved"), MODERATION),
    "eqa.checklist_item_activated": _e(_("EQA checklist item brought back"), MODERATION),
    "eqa.checklist_item_deactivated": _e(_("EQA checklist item set aside"), MODERATION),
    "eqa.pack_requested": _e(_("Sample pack requested"), MODERATION),
    "eqa.pack_built": _e(_("Sample pack built"), MODERATION, automatic=True),
    "eqa.pack_downloaded": _e(_("Sample pack downloaded"), MODERATION),
    "eqa.pack_exported": _e(_("Sample pack exported by support staff"), MODERATION),
    "eqa.pack_expired": _e(_("Sample pack deleted after its link expired"), MODERATION, automatic=True),
    # Access: people, roles, sign-in, external access
    "account.signed_in": _e(_("Signed in"), ACCESS),
    "audit.content_erased": _e(_("Recorded content erased (retention or erasure request)"), ACCESS, automatic=True),
    # Retention of records (records/retention)
    "retention.rule_changed": _e(_("Retention rule changed"), SETUP),
    "retention.hold_placed": _e(_("Legal hold placed"), SETUP),
    "retention.hold_lifted": _e(_("Legal hold lifted"), SETUP),
    "retention.batch_listed": _e(_("Records due for destruction listed"), SETUP, automatic=True),
    "retention.batch_approved": _e(_("Destruction of records approved"), SETUP),
    "retention.content_destroyed": _e(_("Records destroyed under a retention rule (tombstones kept)"), SETUP),
    "retention.award_destroyed": _e(_("Centre's record of the award destroyed (retention)"), BADGES),
    "account.sign_in_failed": _e(_("Sign-in refused"), ACCESS),
    "account.password_set": _e(_("Password set"), ACCESS),
    "learner.registered": _e(_("Learner registered"), ACCESS),
    "learner.self_registered": _e(_("Learner registered with the centre's code"), ACCESS),
    "learners.imported": _e(_("Cohort imported from a CSV file"), ACCESS),
    "membership.granted": _e(_("Role given"), ACCESS),
    "membership.ended": _e(_("Membership ended"), ACCESS),
    "membership.assessor_changed": _e(_("Assessor changed"), ACCESS),
    "invitation.sent": _e(_("Staff invitation sent"), ACCESS),
    "invitation.revoked": _e(_("Staff invitation withdrawn"), ACCESS),
    "invitation.accepted": _e(_("Staff invitation accepted"), ACCESS),
    "eqa.grant_created": _e(_("EQA access given"), ACCESS),
    "eqa.grant_accepted": _e(_("EQA access accepted"), ACCESS),
    "eqa.grant_extended": _e(_("EQA access end moved"), ACCESS),
    "eqa.grant_expanded": _e(_("Learners added to EQA access"), ACCESS),
    "eqa.grant_revoked": _e(_("EQA access revoked"), ACCESS),
    "eqa.viewed": _e(_("Page read by the EQA"), ACCESS),
    "eqa.file_downloaded": _e(_("File downloaded by the EQA"), ACCESS),
    "eqa.saved": _e(_("Record saved by the EQA"), ACCESS),
    "eqa.refused": _e(_("EQA request refused"), ACCESS),
    "insights.exported": _e(_("Report exported"), ACCESS),
    # Data-subject requests (records.gdpr)
    "data_request.recorded": _e(_("Data-subject request recorded"), ACCESS),
    "data_request.refused": _e(_("Data-subject request refused"), ACCESS),
    "data_request.access_prepared": _e(_("Subject-access export and account data prepared"), ACCESS),
    "data_request.file_downloaded": _e(_("Data-subject request file downloaded"), ACCESS),
    "data_request.done": _e(_("Subject-access request answered"), ACCESS),
    "data_request.erasure_confirmed": _e(_("Erasure confirmed and letter written"), ACCESS),
    "data_request.erasure_step": _e(_("Erasure step done"), ACCESS),
    "data_request.erased": _e(_("Erasure request carried out"), ACCESS),
    # Portfolio exports (records/exports)
    "export.requested": _e(_("Portfolio export asked for"), ACCESS),
    "export.built": _e(_("Portfolio export prepared"), ACCESS, automatic=True),
    "export.failed": _e(_("Portfolio export failed"), ACCESS, automatic=True),
    "export.downloaded": _e(_("Portfolio export downloaded"), ACCESS),
    "export.link_renewed": _e(_("New portfolio download link sent"), ACCESS),
    "export.expired": _e(_("Portfolio export deleted after its link expired"), ACCESS, automatic=True),
    # Centre set-up
    "centre.created": _e(_("Centre created"), SETUP),
    "centre.set_up": _e(_("Centre set up"), SETUP),
    "centre.settings_changed": _e(_("Centre settings changed"), SETUP),
    "centre.branding_changed": _e(_("Centre branding changed"), SETUP),
    "centre.self_registration_changed": _e(_("Enrolment code setting changed"), SETUP),
    "qualification.created": _e(_("Qualification created"), SETUP),
    "qualification.imported": _e(_("Qualification imported"), SETUP),
    "qualification.version_started": _e(_("Qualification version started"), SETUP),
    "qualification.version_updated": _e(_("Qualification version changed"), SETUP),
    "qualification.version_published": _e(_("Qualification version published"), SETUP),
    "qualification.version_retired": _e(_("Qualification version retired"), SETUP),
    "qualification.unit_added": _e(_("Unit added to the specification"), SETUP),
    "qualification.unit_updated": _e(_("Unit of the specification changed"), SETUP),
    "qualification.unit_moved": _e(_("Unit of the specification moved"), SETUP),
    "qualification.unit_deleted": _e(_("Unit removed from the specification"), SETUP),
    "qualification.outcome_added": _e(_("Learning outcome added"), SETUP),
    "qualification.outcome_updated": _e(_("Learning outcome changed"), SETUP),
    "qualification.outcome_moved": _e(_("Learning outcome moved"), SETUP),
    "qualification.outcome_deleted": _e(_("Learning outcome removed"), SETUP),
    "qualification.criterion_added": _e(_("Assessment criterion added"), SETUP),
    "qualification.criterion_updated": _e(_("Assessment criterion changed"), SETUP),
    "qualification.criterion_moved": _e(_("Assessment criterion moved"), SETUP),
    "qualification.criterion_deleted": _e(_("Assessment criterion removed"), SETUP),
    # Messages between a learner and their staff
    "conversation.message_sent": _e(_("Message sent"), COMMUNITY),
    "conversation.file_to_evidence": _e(_("Message attachment made into draft evidence"), EVIDENCE),
    # Cohort groups and their boards
    "group.created": _e(_("Group created"), COMMUNITY),
    "group.updated": _e(_("Group renamed or described"), COMMUNITY),
    "group.members_added": _e(_("People added to a group"), COMMUNITY),
    "group.member_removed": _e(_("Person removed from a group"), COMMUNITY),
    "group.archived": _e(_("Group archived"), COMMUNITY),
    "group.unarchived": _e(_("Group brought back from the archive"), COMMUNITY),
    "group.thread_started": _e(_("Thread started on a group's board"), COMMUNITY),
    "group.post_added": _e(_("Reply posted on a group's board"), COMMUNITY),
    "group.post_edited": _e(_("Board post edited by its author"), COMMUNITY),
    "group.post_deleted": _e(_("Board post removed by its author"), COMMUNITY),
    "group.post_hidden": _e(_("Board post hidden by a moderator"), COMMUNITY),
    "group.thread_pinned": _e(_("Thread pinned"), COMMUNITY),
    "group.thread_unpinned": _e(_("Thread unpinned"), COMMUNITY),
    "group.thread_locked": _e(_("Thread locked"), COMMUNITY),
    "group.thread_unlocked": _e(_("Thread unlocked"), COMMUNITY),
    # Sharing with a group and peer comments (community/sharing)
    "sharing.shared": _e(_("Shared with a group"), COMMUNITY),
    "sharing.unshared": _e(_("Stopped sharing with a group"), COMMUNITY),
    "sharing.comment_posted": _e(_("Peer comment posted"), COMMUNITY),
    "sharing.comment_edited": _e(_("Peer comment edited by its author"), COMMUNITY),
    "sharing.comment_approved": _e(_("Peer comment approved by the owner"), COMMUNITY),
    "sharing.comment_removed": _e(_("Peer comment removed"), COMMUNITY),
    "sharing.comment_included": _e(_("Peer comment shown to the assessor by the learner"), COMMUNITY),
    "sharing.comment_excluded": _e(_("Peer comment no longer shown to the assessor"), COMMUNITY),
    "sharing.reported": _e(_("Comment or board post reported"), COMMUNITY),
    "sharing.report_hidden": _e(_("Reported comment or post hidden by a moderator"), COMMUNITY),
    "sharing.report_dismissed": _e(_("Report dismissed"), COMMUNITY),
    "sharing.settings_changed": _e(_("Sharing setting changed (every learner treated as under 18)"), SETUP),
}

# Unit and qualification badges are only ever awarded by rule, on a sign-off or a completion (never by hand).
AUTOMATIC_BADGE_KINDS = frozenset({"unit", "qualification"})


def event_label(code: str) -> str:
    """The words for `code`; an unknown code (one recorded by a newer release) shows as itself."""
    entry = EVENTS.get(code)
    return str(entry.label) if entry is not None else code


def event_kind(code: str) -> str:
    entry = EVENTS.get(code)
    return entry.kind if entry is not None else ""


def is_automatic(code: str, data: dict, *, has_actor: bool) -> bool:
    """Whether LEAP recorded the event by itself: nobody acted, a Celery task recorded it (`data["automatic"]`),
    the code is only ever recorded as a consequence, or it is a badge that only a rule awards."""
    entry = EVENTS.get(code)
    return (not has_actor or bool(data.get("automatic")) or (entry is not None and entry.automatic)
            or (code == "badge.awarded" and data.get("kind") in AUTOMATIC_BADGE_KINDS))


# Stored values that event details carry (statuses, outcomes, roles), in words. A value not listed here is shown
# with its underscores as spaces.
VALUES: dict[str, Promise] = {
    "agree": _("agree"),
    "agree_advice": _("agree with advice"),
    "disagree_act": _("disagree, assessor to act"),
    "disagree_overturn": _("disagree, decision overturned"),
    "awaiting_second": _("awaiting a second signature"),
    "on_break": _("on a break"),
    "not_started": _("not started"),
    "in_progress": _("in progress"),
    "centre_admin": _("centre admin"),
    "external_moderator": _("external moderator (EQA)"),
    "moderator": _("internal moderator (IQA)"),
    "returned": _("returned for resubmission"),
    "iqa_plan": _("the learners of an IQA plan"),
    "whole_centre": _("the whole centre"),
}


def value_words(value: str) -> str:
    """A stored value in words: `disagree_act` → "disagree, assessor to act"."""
    if value in VALUES:
        return str(VALUES[value])
    return value.replace("_", " ") if value.isidentifier() and value.islower() else value

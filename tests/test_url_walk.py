"""Every URL, with real objects, as every persona of one centre and as another centre's admin.

The expected outcome comes from the rule the view declares (`public`, `signed_in`, `role_required`): a persona
without one of the roles gets 403. Who may see the object behind the URL comes from the table below: anyone not
named there gets 404, as if it did not exist. A role check or an object helper that stops working fails the walk.
"""

import datetime
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessment.comment_bank.services import comment_snippet_create
from assessment.services import review_decide, review_start, unit_sign_off
from badges.certificates.services import certificate_issue
from badges.models import IssuerKey, Showcase
from centres.models import Invitation, Membership, Role, hash_token
from moderation.external.middleware import may_write
from moderation.external.packs.services import sample_pack_request
from moderation.external.reports.models import EqaChecklistItem
from moderation.external.reports.services import (
    eqa_action_point_add,
    eqa_judgement_add,
    eqa_ratings_save,
    eqa_report_create,
    eqa_report_sign,
)
from moderation.external.services import eqa_grant_create, eqa_grant_revoke
from moderation.models import SamplingStrategy
from moderation.plans.services import sampling_plan_generate
from moderation.practice.services import co_marking_create, meeting_file_attach, meeting_record, observation_schedule
from moderation.samples.services import Check, sample_record, sample_sign, sample_start
from notifications.models import Notification
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import EnrolmentUnit, Method, PendingUpload
from portfolios.plans.services import plan_attach_document, plan_item_add, plan_start
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.factories import staff
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

from .badges.test_certificate_issue import enrolment_for
from .badges.test_ob3 import hand_award
from .test_url_access_rules import LEAP_ROUTES

L, L2, A, A2, M, E, C, X = ("learner", "second_learner", "assessor", "second_assessor", "moderator",
                            "external_moderator", "admin", "other_admin")
PERSONAS = (L, L2, A, A2, M, E, C, X)
ROLES = {L: Role.LEARNER, L2: Role.LEARNER, A: Role.ASSESSOR, A2: Role.ASSESSOR, M: Role.MODERATOR,
         E: Role.EXTERNAL_MODERATOR, C: Role.CENTRE_ADMIN, X: Role.CENTRE_ADMIN}

# Who sees what of the learner's record (the learner's assessor is A; A2 has no learners; X is another centre's).
READERS = {L, A, M, E, C}
STAFF_READERS = {A, M, E, C}
MANAGERS = {A, C}
CENTRE_STAFF = {A, A2, M, E, C}
ADMIN = {C}
OWNER = {L}
ALL = set(PERSONAS)
SAMPLE_CHECKS = {name: Check(ok=True) for name in ("valid", "authentic", "current", "sufficient", "plan_followed",
                                                  "feedback_developmental", "declaration_present", "records_accurate")}


@dataclass(frozen=True)
class Case:
    args: str = ""  # the world's attributes, by name, in URL order
    method: str = "get"
    ok: set = field(default_factory=lambda: ALL)  # of those the role rule lets through
    forbidden: set = field(default_factory=set)  # get 403 from the object helper (they know it exists)
    direct_uploads: bool = False  # S3_BUCKET set, else these views answer 404 to everyone


CASES = {
    # centres and accounts
    "home": Case(), "join_centre": Case(), "profile": Case(), "notification_list": Case(),
    "centre_switch": Case(method="post"),
    "notification_read_all": Case(method="post"),
    "notification_open": Case("notification", method="post", ok=OWNER),
    "centre_settings": Case(), "staff_list": Case(), "learner_list": Case(), "learner_add": Case(),
    "learner_import": Case(),
    "staff_membership_end": Case("staff_membership", method="post", ok=ADMIN),
    "invitation_revoke": Case("invitation", method="post", ok=ADMIN),
    "learner_change_assessor": Case("learner_membership", method="post", ok=ADMIN),
    "invitation_accept": Case("invitation_token"),
    "set_language": Case(method="post"),
    "welcome_set_password": Case("welcome_uid welcome_token"),
    # platform administration (centres/platform): superusers only, so every persona of a centre gets 404; a
    # centre's logo is public, like its badges
    **{name: Case(ok=set()) for name in ("platform_centres", "platform_centre_create")},
    "platform_centre_edit": Case("centre", ok=set()),
    "platform_centre_invite": Case("centre", method="post", ok=set()),
    "centre_logo": Case("centre"),
    # qualifications
    "qualification_list": Case(), "qualification_create": Case(), "qualification_import": Case(),
    **{name: Case("version", ok=CENTRE_STAFF) for name in (
        "qualification_version", "qualification_export_json", "qualification_export_csv")},
    **{name: Case("version", ok=ADMIN) for name in (
        "qualification_version_edit", "qualification_unit_add")},
    **{name: Case("version", method="post", ok=ADMIN) for name in (
        "qualification_version_publish", "qualification_version_retire", "qualification_version_new")},
    **{name: Case(args, ok=ADMIN) for name, args in (
        ("qualification_unit_edit", "unit"), ("qualification_unit_delete", "unit"),
        ("qualification_outcome_add", "unit"), ("qualification_outcome_edit", "outcome"),
        ("qualification_outcome_delete", "outcome"), ("qualification_criterion_add", "outcome"),
        ("qualification_criterion_edit", "criterion"), ("qualification_criterion_delete", "criterion"))},
    **{name: Case(args, method="post", ok=ADMIN) for name, args in (
        ("qualification_unit_move", "unit"), ("qualification_outcome_move", "outcome"),
        ("qualification_criterion_move", "criterion"))},
    # enrolments
    "my_progress": Case(), "caseload": Case(), "caseload_not_enrolled": Case(),
    "learner_detail": Case("learner_membership", ok=STAFF_READERS),
    "enrolment_create": Case("learner_membership", ok=MANAGERS),
    "enrolment_detail": Case("enrolment", ok=READERS),
    "enrolment_status": Case("enrolment", method="post", ok=MANAGERS),
    # plans
    **{name: Case(args, ok=READERS) for name, args in (
        ("plan_detail", "enrolment"), ("plan_versions", "enrolment"), ("plan_version", "enrolment plan_number"),
        ("plan_document_download", "enrolment plan_number"))},
    **{name: Case(args, ok=MANAGERS, forbidden={L, M, E}) for name, args in (
        ("plan_item_add", "enrolment plan_number"), ("plan_item_edit", "enrolment plan_item"),
        ("plan_notes", "enrolment plan_number"), ("plan_document_upload", "enrolment plan_number"))},
    "plan_start": Case("enrolment", method="post", ok=MANAGERS, forbidden={L, M, E}),
    "plan_item_delete": Case("enrolment plan_item", method="post", ok=MANAGERS, forbidden={L, M, E}),
    "plan_sign": Case("enrolment plan_number", method="post", ok={L, A}, forbidden={M, E, C}),  # the two parties
    # home figures: an assessor's plans to sign (the role rule alone decides; each assessor lists their own)
    "plans_to_sign": Case(),
    # evidence
    "my_portfolio": Case(),
    "portfolio": Case("enrolment", ok=READERS),
    "evidence_new": Case("enrolment", method="post", ok=OWNER, forbidden=STAFF_READERS),
    "evidence_detail": Case("evidence", ok=READERS),
    "evidence_file": Case("evidence_file", ok=READERS),
    **{name: Case(args, method="post", ok=OWNER, forbidden=STAFF_READERS) for name, args in (
        ("evidence_edit", "evidence"), ("evidence_autosave", "evidence"), ("evidence_upload", "evidence"),
        ("evidence_file_remove", "evidence evidence_file"), ("evidence_submit", "evidence"),
        ("evidence_withdraw", "evidence"), ("evidence_delete", "evidence"))},
    # the world's evidence is submitted: the learner is refused before any call to S3
    **{name: Case(args, method="post", ok=OWNER, forbidden=STAFF_READERS, direct_uploads=True) for name, args in (
        ("evidence_upload_presign", "evidence"), ("evidence_upload_confirm", "evidence pending_upload"))},
    # assessment
    "review_detail": Case("submission", ok=STAFF_READERS),
    "review_decide": Case("submission", method="post", ok={A}),
    "review_voice_feedback": Case("review", ok=READERS),  # a review pk (equal to the submission pk only by chance)
    "countersign_queue": Case(),
    "review_countersign": Case("review", method="post", ok={A, A2}),  # any qualified assessor
    "unit_record": Case("enrolment unit", ok=READERS),
    "unit_sign_off": Case("enrolment unit", method="post", ok={A}),
    "unit_unlock": Case("enrolment signed_off_unit", method="post", ok={M, C}),
    "assessment_queue": Case(), "assessment_workload": Case(),
    "timeline_learner": Case("enrolment", ok=STAFF_READERS),
    "timeline_unit": Case("enrolment unit", ok=STAFF_READERS),
    # badges
    "badge_class_list": Case(), "badge_class_create": Case(),
    "badge_class_detail": Case("badge_class", ok={A, A2, C}),
    "award_by_hand": Case("badge_class", ok={A, A2, C}),
    "award_import": Case("badge_class", ok=ADMIN),
    "award_revoke": Case("award", method="post", ok=ADMIN),
    "award_download": Case("award award_format", ok=OWNER),
    "award_baked_ob2": Case("award", ok=OWNER),
    "award_baked_ob3": Case("award", ok=OWNER),
    "award_sharing": Case("award", method="post", ok=OWNER),
    # badge sharing: the question about the learner's name on public pages (the share target here is "ob2")
    "award_share": Case("award award_format", ok=OWNER),
    "public_name_setting": Case(method="post"),
    "wallet": Case(), "showcase_settings": Case(),
    "certificate_list": Case(),
    "certificate_pdf": Case("certificate", ok={L, *CENTRE_STAFF}),
    "certificate_reissue": Case("certificate", method="post", ok=ADMIN),
    "certificate_revoke": Case("certificate", method="post", ok=ADMIN),
    "certificate_issue": Case("completed_enrolment", ok=ADMIN),
    # public documents of the badges: the same for everyone
    **{name: Case("award") for name in ("ob2_assertion", "ob3_credential", "ob3_credential_jwt", "award_public")},
    **{name: Case("badge_class") for name in ("ob2_badge_class", "ob2_badge_image")},
    **{name: Case("centre") for name in ("ob2_issuer", "ob2_revocation_list", "ob3_issuer", "ob3_issuer_jwks",
                                          "ob3_revocation_list", "ob3_status_list")},
    "ob3_issuer_key": Case("centre issuer_key"),
    "award_public_evidence_file": Case("award shared_evidence_file"),
    "award_public_baked": Case("award baked_kind"),
    "showcase_public": Case("showcase"),
    "certificate_verify": Case("certificate"),
    # moderation: sampling strategies and assessor risk (moderators change them, centre admins and EQA read them)
    "iqa_strategy_list": Case(), "iqa_strategy_new": Case(method="post"),
    **{name: Case("iqa_strategy", ok={M, C, E}) for name in ("iqa_strategy_detail", "iqa_assessor_risk")},
    "iqa_strategy_edit": Case("iqa_strategy", ok={M}),
    **{name: Case("iqa_strategy", method="post", ok={M}) for name in (
        "iqa_strategy_approve", "iqa_strategy_discard", "iqa_risk_override", "iqa_risk_override_withdraw")},
    # moderation: dashboards (the role rule keeps out learners, assessors and EQA; each centre sees its own)
    "iqa_dashboard": Case(), "iqa_reassign": Case(method="post"),
    # moderation: sampling plans and CAMERA (moderators change them, centre admins and EQA read them)
    "iqa_plan_list": Case(), "iqa_plan_generate": Case(method="post"),
    **{name: Case("iqa_plan", ok={M, C, E}) for name in ("iqa_plan_detail", "iqa_plan_camera")},
    "iqa_plan_item_add": Case("iqa_plan", ok={M}),
    "iqa_plan_item": Case("iqa_plan_item", ok={M, C, E}),
    **{name: Case("iqa_plan_item", method="post", ok={M}) for name in ("iqa_plan_item_remove",
                                                                       "iqa_plan_item_assign")},
    # moderation: observations of practice (A is observed) and standardisation (A and A2 co-mark; the EQA reads
    # the observation of A, who assesses an enrolment in scope, the meetings, and no open exercise)
    "iqa_observation_list": Case(), "iqa_observation_schedule": Case(),
    "iqa_observation_detail": Case("iqa_observation", ok={A, M, E}),
    "iqa_observation_record": Case("iqa_observation", ok={M}),
    "iqa_observation_cancel": Case("iqa_observation", method="post", ok={M}),
    "iqa_meeting_list": Case(), "iqa_meeting_create": Case(), "iqa_attendance": Case(),
    "iqa_meeting_detail": Case("iqa_meeting", ok={A, A2, M, C, E}),
    "iqa_meeting_file": Case("iqa_meeting_file", ok={A, A2, M, C, E}),
    "iqa_meeting_file_attach": Case("iqa_meeting", method="post", ok={M}),
    "iqa_co_marking_list": Case(), "iqa_co_marking_create": Case(),
    "iqa_co_marking_detail": Case("iqa_co_marking", ok={A, A2, M}),
    "iqa_co_marking_judge": Case("iqa_co_marking", ok={A, A2}),
    "iqa_co_marking_close": Case("iqa_co_marking", method="post", ok={M}),
    "iqa_co_marking_file": Case("iqa_co_marking evidence_file", ok={A, A2, M}),
    # moderation: sampling (moderators sample, the centre admin reads and second-signs, A is the sampled assessor,
    # the EQA reads)
    "iqa_queue": Case(), "iqa_my_samples": Case(),
    "iqa_item": Case("iqa_plan_item", ok={M, C, E}),
    "iqa_item_start": Case("iqa_plan_item", method="post", ok={M}),
    "iqa_sample": Case("iqa_sample", ok={M, C, E}),
    **{name: Case("iqa_sample", method="post", ok={M}) for name in (
        "iqa_sample_record", "iqa_sample_sign", "iqa_sample_resample")},
    "iqa_sample_second_sign": Case("iqa_sample", method="post", ok={M, C}),
    "iqa_sample_acknowledge": Case("iqa_sample", method="post", ok={A}),
    **{name: Case("iqa_action", method="post", ok={M}) for name in ("iqa_action_close", "iqa_action_reopen")},
    "iqa_action_done": Case("iqa_action", method="post", ok={A}),
    # management information (insights): every staff role reads its own scope (an assessor their caseload, the
    # EQA their grant's), so the role rule alone decides; exports are downloads
    "insights_home": Case(),
    "insights_report": Case("insights_report"),
    "insights_drill": Case("insights_report insights_bucket"),
    "insights_export": Case("insights_report insights_format"),
    "insights_risk_flag": Case("enrolment", method="post", ok={A, M, C}),  # staff who may see the learner
    # EQA sample packs: each pack is its requester's only (the admin's and E's, both ready); E asks from their own
    # packs page, the admin on the grant's page
    "eqa_pack_request": Case("eqa_pack_grant", method="post", ok={C}),
    **{name: Case("eqa_pack_admin", ok={C}) for name in ("eqa_pack", "eqa_pack_download")},
    "eqa_mine_packs": Case(), "eqa_mine_pack_request": Case(method="post"),
    **{name: Case("eqa_pack_eqa", ok={E}) for name in ("eqa_mine_pack", "eqa_mine_pack_download")},
    # EQA grants (moderation/external): the centre admin's pages; another centre's admin (X) does not know the grant
    "eqa_grant_list": Case(), "eqa_grant_new": Case(),
    **{name: Case("eqa_grant_id", ok={C}) for name in ("eqa_grant_detail", "eqa_grant_activity")},
    **{name: Case("eqa_grant_id", method="post", ok={C}) for name in (
        "eqa_grant_extend", "eqa_grant_expand", "eqa_grant_revoke")},
    # EQA reports (moderation/external/reports): E's own signed report under the grant (its write URLs answer, the
    # services refuse a signed report's change); the admin reads, acknowledges, lifts; A owns the action point
    **{name: Case() for name in ("eqa_mine_reports", "eqa_mine_report_new", "eqa_mine_comments", "eqa_checklist",
                                 "centre_actions")},
    **{name: Case("eqa_report", ok={E}) for name in (
        "eqa_mine_report", "eqa_mine_report_edit", "eqa_mine_report_sample", "eqa_mine_report_ratings",
        "eqa_mine_report_pdf")},
    **{name: Case("eqa_report", method="post", ok={E}) for name in (
        "eqa_mine_judgement_add", "eqa_mine_action_add", "eqa_mine_report_sanction", "eqa_mine_report_sign")},
    "eqa_mine_judgement_remove": Case("eqa_judgement", method="post", ok={E}),
    "eqa_mine_action_remove": Case("eqa_action_point", method="post", ok={E}),
    **{name: Case("eqa_report", ok={C}) for name in ("eqa_report_detail", "eqa_report_pdf")},
    **{name: Case("eqa_report", method="post", ok={C}) for name in ("eqa_report_acknowledge", "eqa_sanction_lift")},
    "eqa_report_comments": Case("eqa_grant_id", ok={C}),
    "eqa_checklist_item_edit": Case("eqa_checklist_item", ok={C}),
    **{name: Case("eqa_checklist_item", method="post", ok={C}) for name in (
        "eqa_checklist_item_move", "eqa_checklist_item_active")},
    "eqa_action_done": Case("eqa_action_point", method="post", ok={A, C}),
    # navigation and the installable app (leap/navigation.py, leap/pwa.py): "Add evidence" is for learners
    "add_evidence": Case(ok={L, L2}, forbidden={A, A2, M, E, C, X}), "centre_brand_css": Case("centre_slug"),
    # comment bank (assessment/comment_bank): assessors and centre admins keep one; the world's comment is A's own
    "comment_bank": Case(), "comment_bank_add": Case(),
    **{name: Case("comment_snippet", ok={A}) for name in ("comment_bank_edit", "comment_bank_delete")},
    # recognised prior learning (records/transfers): the centre admin imports, the enrolment's assessor decides
    "prior_learning_upload": Case(), "prior_learning_to_decide": Case(),
    "prior_learning_enrolment": Case("enrolment", ok={A, C}),
    "prior_learning_decide": Case("enrolment", method="post", ok={A}),
    # retention of records (records/retention): the centre admin's rules, legal holds and lists of records due
    "retention_rules": Case(), "retention_hold_place": Case(method="post"),
    "retention_hold_lift": Case("retention_hold", method="post", ok=ADMIN),
    "retention_batch": Case("retention_batch", ok=ADMIN),
    # portfolio exports (records/exports): L's own export, built, its link's token; staff ask on the learner's page
    # (A assesses L's enrolment; C is the admin); everyone downloads their own badges (none is a ZIP of nothing)
    "portfolio_export_request": Case(method="post"), "wallet_badges_zip": Case(),
    "portfolio_export_request_for": Case("learner_membership", method="post", ok=MANAGERS),
    "portfolio_export_file": Case("portfolio_export", ok=OWNER),
    "portfolio_export_new_link": Case("portfolio_export", method="post", ok=OWNER),
    "portfolio_export_download": Case("portfolio_export_token", ok=OWNER),
    # data-subject requests (records/gdpr): the centre admin's only; the world's is an erasure request of L with its
    # letter (posts without their form's fields change nothing: each answers with a message)
    "data_request_list": Case(), "data_request_new": Case(),
    **{name: Case("data_request", ok=ADMIN) for name in ("data_request_detail", "data_request_erasure_review")},
    **{name: Case("data_request", method="post", ok=ADMIN) for name in (
        "data_request_refuse", "data_request_prepare", "data_request_access_done", "data_request_erase")},
    "data_request_file": Case("data_request data_request_file_kind", ok=ADMIN),
    # witness statements (community/witness): A asked a witness about L's submitted item; the link is public and
    # works for whoever holds it; L may ask only while an item is a draft or returned (here: told so, sent back)
    "witness_request_new": Case("evidence", ok={L, A}),
    "witness_request_revoke": Case("witness_request", method="post", ok={A}, forbidden={L, M, C}),
    "witness_statement": Case("witness_token"),
    # messages (community/conversations): L's conversation with A, who assess the enrolment, and M, whose sample of it
    # is not yet acknowledged; L sent a file, which only A may make a draft evidence item of L's
    "conversation_list": Case(),
    "conversation_detail": Case("enrolment", ok={L, A, M}),
    "message_send": Case("enrolment", method="post", ok={L, A, M}),  # an empty form: shown again
    "message_file": Case("message_file", ok={L, A, M}),
    "message_file_to_evidence": Case("message_file", method="post", ok={A}, forbidden={L, M}),
    # cohort groups (community/groups): A made the group and is its staff, L is its learner and wrote the thread
    # (with a file); C, the centre admin, sees every group but posts in none they are not in; L2, A2, M are not in it
    "group_list": Case(), "group_create": Case(),
    **{name: Case(args, ok={L, A, C}) for name, args in (
        ("group_detail", "group"), ("group_board", "group"), ("group_thread", "group group_thread"),
        ("group_post_attachment", "group group_attachment"))},
    **{name: Case(args, ok={A, C}, forbidden={L}) for name, args in (
        ("group_edit", "group"), ("group_members", "group"), ("group_post_hide", "group group_post"))},
    **{name: Case(args, method="post", ok={A, C}, forbidden={L}) for name, args in (
        ("group_archive", "group"), ("group_members_cohort", "group"),
        ("group_member_remove", "group group_member"), ("group_thread_pin", "group group_thread"),
        ("group_thread_lock", "group group_thread"))},
    "group_thread_new": Case("group", ok={L, A}, forbidden={C}),
    **{name: Case("group group_post", ok={L}, forbidden={A, C}) for name in ("group_post_edit",
                                                                             "group_post_delete")},
    # sharing (community/sharing): L shares the pending evidence with the group; A's comment on it waits for L's
    # approval (so only L and A see it) and L reported it; C moderates every group of the centre
    **{name: Case(args, ok={L, A, C}) for name, args in (
        ("shared_item", "shared_item"), ("shared_file", "shared_item evidence_file"))},
    "peer_comment_new": Case("shared_item", method="post", ok={L, A, C}),  # an empty form: shown again
    "shared_item_unshare": Case("shared_item", method="post", ok={L}, forbidden={A, C}),
    "share_evidence": Case("evidence", method="post", ok={L}),
    "share_showcase": Case(method="post"),
    "peer_comment_edit": Case("peer_comment", ok={A}),
    "peer_comment_remove": Case("peer_comment", method="post", ok={L, A}),
    **{name: Case("peer_comment", method="post", ok={L}, forbidden={A}) for name in (
        "peer_comment_approve", "peer_comment_include")},
    "peer_comment_report": Case("peer_comment", ok={L}),
    "board_post_report": Case("group_post", ok={A}),
    "sharing_reports": Case(), "shared_reports_sent": Case(), "sharing_settings": Case(),
    "sharing_report_decide": Case("sharing_report", method="post", ok={A, C}),
}


def needs_a_case(route: str, pattern: URLPattern) -> bool:
    # Parameterless public files (favicon, app icons, health check) are walked without an entry.
    return "<" in route or pattern.callback.leap_access != "public"


def test_every_url_has_an_expectation_in_the_walk():
    missing = [f"{route} ({p.name})" for route, p in LEAP_ROUTES if needs_a_case(route, p) and p.name not in CASES]
    assert not missing, f"add these URLs to CASES in {__name__}: {missing}"
    stale = set(CASES) - {p.name for _, p in LEAP_ROUTES}
    assert not stale, f"these CASES name no URL: {sorted(stale)}"


class World:
    """One centre's worth of objects, made the way the app makes them."""

    def __init__(self, personas):
        p = personas
        self.personas = {L: p.learner, L2: p.second_learner, A: p.assessor, A2: p.second_assessor,
                         M: p.moderator, E: p.external_moderator, C: p.admin,
                         X: staff(p.other_centre, Role.CENTRE_ADMIN)}
        self.centre = p.centre.pk
        self.centre_slug = p.centre.slug
        version = make_spec(p.centre, units=2, outcomes=1, criteria=2)
        enrolment = make_enrolment(p.learner, p.assessor, version)
        units = list(version.units.order_by("position"))
        criteria = list(AssessmentCriterion.objects.filter(unit=units[0]))
        self.version, self.enrolment, self.unit = version.pk, enrolment.pk, units[1].pk
        self.signed_off_unit = units[0].pk
        self.outcome, self.criterion = criteria[0].outcome_id, criteria[0].pk
        self.learner_membership = Membership.objects.get(user=p.learner, role=Role.LEARNER).pk
        self.staff_membership = Membership.objects.get(user=p.second_assessor).pk
        accepted = self._submitted(enrolment, p.learner, criteria, "Kitchen")
        review = review_start(submission=accepted.submissions.get(), actor=p.assessor)
        review_decide(review=review, actor=p.assessor, decisions={c.pk: True for c in criteria},
                      outcome="accepted", feedback="ok", voice_feedback=SimpleUploadedFile("v.webm", b"\x1a\x45"))
        unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment, unit=units[0]),
                      actor=p.assessor, declared=True)
        pending = self._submitted(enrolment, p.learner, list(AssessmentCriterion.objects.filter(unit=units[1]))[:1],
                                  "Service")
        self.evidence, self.evidence_file = pending.pk, pending.files.get().pk
        self.submission, self.review = review.submission_id, review.pk
        self.shared_evidence_file = accepted.files.get().pk
        self.pending_upload = PendingUpload.objects.create(
            evidence=pending, key=f"uploads/{pending.pk}/x.jpg", original_name="x.jpg", declared_size=10,
            expires_at=timezone.now() + datetime.timedelta(hours=1)).pk
        plan = plan_start(enrolment=enrolment, actor=p.assessor)
        item = plan_item_add(plan=plan, actor=p.assessor, revision=plan.revision, units=[units[1]],
                             criteria=list(units[1].criteria.all()[:1]), method=Method.QUESTIONING,
                             target_date=timezone.localdate() + datetime.timedelta(days=20))
        plan.refresh_from_db()
        plan_attach_document(plan=plan, upload=SimpleUploadedFile("p.pdf", b"%PDF-1.4\n%%EOF"),
                             actor=p.assessor, revision=plan.revision)
        self.plan_number, self.plan_item = plan.number, item.pk
        with TestCase.captureOnCommitCallbacks(execute=True):
            award = hand_award(p)
        award.public_evidence.add(accepted)
        self.award, self.badge_class, self.award_format, self.baked_kind = (
            award.uuid, award.badge_class.uuid, "ob2", "ob3")
        self.issuer_key = IssuerKey.objects.filter(centre=p.centre).first().pk
        showcase, _ = Showcase.objects.get_or_create(user=p.learner)
        Showcase.objects.filter(pk=showcase.pk).update(enabled=True)
        self.showcase = showcase.slug
        self.completed_enrolment = self._completed(p).pk
        self.certificate = certificate_issue(enrolment=self._completed(p, code="CERT"), actor=p.admin).uuid
        self.invitation_token = "a-real-invitation-token"
        self.invitation = Invitation.objects.create(
            centre=p.centre, email="new.assessor@example.org", role=Role.ASSESSOR, invited_by=p.admin,
            token_hash=hash_token(self.invitation_token),
            expires_at=timezone.now() + datetime.timedelta(days=3)).pk
        self.welcome_uid = urlsafe_base64_encode(force_bytes(p.second_learner.pk))
        self.welcome_token = default_token_generator.make_token(p.second_learner)
        self.notification = Notification.objects.filter(user=p.learner).first().pk
        # A draft sampling strategy (moderation/strategies) of its own qualification, so it meets no other's.
        self.iqa_strategy = SamplingStrategy.objects.create(
            centre=p.centre, qualification=make_spec(p.centre, code="IQA-STRAT", units=1, outcomes=1,
                                                     criteria=1).qualification, created_by=p.moderator).pk
        # A sampling plan (moderation/plans) of the main qualification: its signed-off unit is in it.
        plan = sampling_plan_generate(strategy=self._approved_strategy(p, version), cycle_start_year=(
            timezone.localdate().year - (timezone.localdate().month < 8)), actor=p.moderator)
        self.iqa_plan, self.iqa_plan_item = plan.pk, plan.items.first().pk
        # An observation, a meeting with a file and an open co-marking exercise (moderation/practice).
        self.iqa_observation = observation_schedule(centre=p.centre, assessor=p.assessor, actor=p.moderator,
                                                    scheduled_for=timezone.localdate(), place="Kitchen").pk
        meeting = meeting_record(centre=p.centre, actor=p.moderator, held_on=timezone.localdate(), title="Std",
                                 attendees=[p.assessor], minutes="", decisions="")
        self.iqa_meeting, self.iqa_meeting_file = meeting.pk, meeting_file_attach(
            meeting=meeting, upload=SimpleUploadedFile("m.pdf", b"%PDF-1.4\n%%EOF"), actor=p.moderator).pk
        self.iqa_co_marking = co_marking_create(centre=p.centre, evidence=pending, invited=[p.assessor,
                                                p.second_assessor], title="Co-mark", actor=p.moderator).pk
        # A signed summative sample of the signed-off unit with one open action (moderation/samples); the plan
        # item above stays unsampled.
        sample = sample_record(
            sample=sample_start(enrolment=enrolment, unit=units[0], kind="summative", actor=p.moderator),
            actor=p.moderator, criteria_ids=[c.pk for c in criteria], vacs=SAMPLE_CHECKS, process_checks=SAMPLE_CHECKS,
            outcome="agree_advice", feedback="Date the photos.", actions=[("Date the photos", None)])
        sample_sign(sample=sample, actor=p.moderator, typed_name=p.moderator.get_full_name())
        self.iqa_sample, self.iqa_action = sample.pk, sample.actions.get().pk
        # EQA access (moderation/external): E reads the whole centre through an active grant, and writes nothing.
        self.eqa_grant = eqa_grant_create(centre=p.centre, actor=p.admin, email=p.external_moderator.email,
                                          scope="centre", starts_at=timezone.now() - datetime.timedelta(minutes=1),
                                          expires_at=timezone.now() + datetime.timedelta(days=14))
        # Management information (insights): a report, one of its figures' learners, an export format.
        self.insights_report, self.insights_bucket, self.insights_format = "achievement", "completed", "xlsx"
        # EQA sample packs (moderation/external/packs): one asked for by the admin, one by E, built by the eager task.
        pack_grant = p.external_moderator.eqa_grants.order_by("-pk").first()
        with TestCase.captureOnCommitCallbacks(execute=True):
            admin_pack = sample_pack_request(grant=pack_grant, actor=p.admin)
            eqa_pack = sample_pack_request(grant=pack_grant, actor=p.external_moderator)
        self.eqa_pack_grant, self.eqa_pack_admin, self.eqa_pack_eqa = pack_grant.pk, admin_pack.pk, eqa_pack.pk
        # EQA grants (moderation/external): the grant above, by its id in the admin's grant URLs.
        self.eqa_grant_id = self.eqa_grant.pk
        # EQA reports (moderation/external/reports): E's signed report on the grant, judging the signed-off unit,
        # every checklist item rated, one action point owned by A.
        report = eqa_report_create(grant=self.eqa_grant, actor=p.external_moderator)
        judgement = eqa_judgement_add(report=report, actor=p.external_moderator, agreed=True,
                                      enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment, unit=units[0]))
        eqa_ratings_save(report=report, actor=p.external_moderator, ratings={
            item.pk: ("green", "") for item in EqaChecklistItem.objects.filter(centre=p.centre, active=True)})
        action_point = eqa_action_point_add(report=report, actor=p.external_moderator, text="Standardise",
                                            owner=p.assessor, due_date=timezone.localdate() + datetime.timedelta(7))
        eqa_report_sign(report=report, actor=p.external_moderator, typed_name=p.external_moderator.get_full_name())
        self.eqa_report, self.eqa_judgement, self.eqa_action_point = report.pk, judgement.pk, action_point.pk
        self.eqa_checklist_item = EqaChecklistItem.objects.filter(centre=p.centre).first().pk
        # The comment bank (assessment/comment_bank): one personal comment of A's.
        self.comment_snippet = comment_snippet_create(centre=p.centre, actor=p.assessor, text="Date each entry.").pk
        from records.retention.models import DestructionBatch, LegalHold  # retention: a hold and a list of records due

        self.retention_hold = LegalHold.objects.create(centre=p.centre, learner=p.second_learner, reason="Claim",
                                                       placed_by=p.admin).pk
        self.retention_batch = DestructionBatch.objects.create(centre=p.centre, listed_at=timezone.now()).pk
        from records.exports.services import export_new_link, export_request  # exports: L's, built, and a link

        with TestCase.captureOnCommitCallbacks(execute=True):
            export = export_request(learner=p.learner, actor=p.learner)
        self.portfolio_export = export.pk
        self.portfolio_export_token = export_new_link(export=export, actor=p.learner, send=False)
        from records.gdpr.services import data_request_record  # data-subject requests: L's erasure, its letter

        data_request, _ = data_request_record(centre=p.centre, subject=p.learner, kind="erasure", notes="",
                                              received_on=timezone.localdate(), actor=p.admin)
        data_request.letter.save("letter.pdf", ContentFile(b"%PDF-1.4\n%%EOF"))
        self.data_request, self.data_request_file_kind = data_request.pk, "letter"
        from community.witness.services import witness_request_create  # witness statements: A asks about L's item

        witness_request = witness_request_create(evidence=pending, actor=p.assessor, name="Pat", role="Supervisor",
                                                 email="pat@example.com", criteria=pending.criteria.all())
        self.witness_request, self.witness_token = witness_request.pk, witness_request.token
        from community.conversations.services import Upload, message_send  # messages: L's to A, with a file

        message, _ = message_send(enrolment=enrolment, actor=p.learner, text="Is this enough?",
                                  attachments=[Upload(ContentFile(b"notes"), "notes.txt", 5)])
        self.message_file = message.files.get().pk
        from community.groups.services import group_create, group_members_add, thread_start  # cohort groups

        group = group_create(centre=p.centre, actor=p.assessor, name="Cohort")
        self.group_member = group_members_add(group=group, actor=p.assessor, memberships=[
            Membership.objects.get(user=p.learner, role=Role.LEARNER)])[0].pk
        thread = thread_start(group=group, actor=p.learner, title="Hello", body="First",
                              files=[SimpleUploadedFile("n.txt", b"note")])
        self.group, self.group_thread, self.group_post = group.pk, thread.pk, thread.posts.get().pk
        self.group_attachment = thread.posts.get().attachments.get().pk
        from community.sharing.services import comment_post, item_share, report_make  # sharing with the group

        shared = item_share(actor=p.learner, group=group, evidence=pending)
        peer_comment = comment_post(actor=p.assessor, item=shared, text="Good")  # waits for L's approval
        self.shared_item, self.peer_comment = shared.pk, peer_comment.pk
        self.sharing_report = report_make(actor=p.learner, kind="comment", target=peer_comment, reason="spam").pk

    @staticmethod
    def _approved_strategy(p, version):
        strategy = SamplingStrategy.objects.filter(qualification=version.qualification, status="approved").first()
        return strategy or SamplingStrategy.objects.create(
            centre=p.centre, qualification=version.qualification, status="approved", created_by=p.moderator)

    @staticmethod
    def _submitted(enrolment, learner, criteria, title):
        evidence = evidence_create(enrolment=enrolment, actor=learner)
        photo = jpeg_bytes(colour=(len(title), 1, 1))
        with TestCase.captureOnCommitCallbacks(execute=True):  # processed, so staff may open the file
            evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo),
                                 actor=learner)
        evidence.refresh_from_db()
        evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                            reflection="r", method="product", activity_date=None, activity_place="",
                            criteria=criteria)
        evidence.refresh_from_db()
        evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
        evidence.refresh_from_db()
        return evidence

    @staticmethod
    def _completed(p, code="DONE"):
        return enrolment_for(p, code=code, learner=p.learner)

    def url(self, route: str, case: Case) -> str:
        values = iter(str(getattr(self, name)) for name in case.args.split())
        return "/" + re.sub(r"<(?:\w+:)?\w+>", lambda _: next(values), route)


def outcome(response) -> str:
    code = response.status_code
    if code in (403, 404, 405) or code >= 500:
        return str(code)
    if code == 302 and response.url.startswith(("/accounts/login/", reverse("mfa_activate_totp"))):
        return "sent to sign in"
    return "ok"


def expected(pattern: URLPattern, case: Case, persona: str, anonymous: str) -> str:
    rule = pattern.callback.leap_access
    if rule == "public":
        return anonymous
    if persona == E and case.method == "post" and not may_write(pattern.name):
        return "403"  # under a grant the middleware refuses every write but the EQA's own
    if rule.startswith("roles:") and ROLES[persona] not in rule.removeprefix("roles:").split(","):
        return "403"
    if persona in case.ok:
        return "ok"
    return "403" if persona in case.forbidden else "404"


def ask(client: Client, case: Case, url: str):
    # Each request in a savepoint rolled back after it, so no request changes what the next one finds.
    with transaction.atomic(), override_settings(S3_BUCKET="walk" if case.direct_uploads else ""):
        response = getattr(client, case.method)(url)
        transaction.set_rollback(True)
    return response


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_every_persona_gets_what_the_rule_of_every_url_says(personas):
    world = World(personas)
    clients = {name: client_for(user) for name, user in world.personas.items()}
    wrong = []
    for route, pattern in LEAP_ROUTES:
        case = CASES.get(pattern.name, Case())
        url = world.url(route, case)
        anonymous = outcome(ask(Client(), case, url))
        if pattern.callback.leap_access == "public" and anonymous != "ok":
            wrong.append(f"{pattern.name} {url}: anonymous got {anonymous}, public pages must answer")
        for persona in PERSONAS:
            got = outcome(ask(clients[persona], case, url))
            want = expected(pattern, case, persona, anonymous)
            if got != want:
                wrong.append(f"{pattern.name} {case.method.upper()} {url} as {persona}: got {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


# What an external moderator without a grant in effect still reaches: their own account, nothing of any centre.
OWN_ACCOUNT_PAGES = {"home", "centre_switch", "join_centre", "profile", "notification_list", "notification_read_all",
                     "my_portfolio", "wallet", "showcase_settings", "public_name_setting",
                     "portfolio_export_request", "wallet_badges_zip",  # their own (empty) portfolio and badges
                     "shared_reports_sent"}  # what they reported (nothing, with no centre)


def walk_as_grantless_external_moderator(world: World, client: Client) -> list[str]:
    wrong = []
    for route, pattern in LEAP_ROUTES:
        case = CASES.get(pattern.name, Case())
        url = world.url(route, case)
        if pattern.callback.leap_access == "public":
            want = outcome(ask(Client(), case, url))
        else:
            want = "ok" if pattern.name in OWN_ACCOUNT_PAGES else "404"
        got = outcome(ask(client, case, url))
        if got != want:
            wrong.append(f"{pattern.name} {case.method.upper()} {url}: got {got}, expected {want}")
    return wrong


@pytest.mark.django_db
def test_an_external_moderator_without_a_grant_sees_only_their_own_account_pages(personas):
    world = World(personas)
    eqa_grant_revoke(grant=world.eqa_grant, actor=personas.admin, reason="The visit is over.")
    wrong = walk_as_grantless_external_moderator(world, client_for(personas.external_moderator))
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_after_the_grant_expires_the_external_moderator_sees_only_their_own_account_pages(personas, time_machine):
    world = World(personas)
    time_machine.move_to(world.eqa_grant.expires_at + datetime.timedelta(minutes=1))
    wrong = walk_as_grantless_external_moderator(world, client_for(personas.external_moderator))
    assert not wrong, "\n".join(wrong)

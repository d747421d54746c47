"""The EQA report: figures computed from judgements and ratings, signing rules, the sanction that holds
certification until a centre admin lifts it, acknowledgement and notifications."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from badges.certificates.services import CertificateError, certificate_issue
from centres.services import ServiceError
from moderation.external.reports import services
from moderation.external.reports.models import EqaChecklistItem, EqaReport
from moderation.external.reports.selectors import report_figures, report_with_rows
from moderation.samples.selectors import certification_holds
from moderation.samples.services import certification_hold_released
from notifications.delivery import render_email
from notifications.models import Notification
from portfolios.models import EnrolmentUnit
from tests.badges.test_certificate_issue import enrolment_for
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant

pytestmark = pytest.mark.django_db


class ReportWorld:
    """A completed enrolment of the learner, a second learner on the same qualification, a grant of that
    qualification for the external moderator and a draft report under it."""

    def __init__(self, personas, *, scope="qualification"):
        self.p = personas
        self.eqa = personas.external_moderator
        self.enrolment = enrolment_for(personas, code="EQA-Q", units=3)
        self.qualification = self.enrolment.version.qualification
        self.second = make_enrolment(personas.second_learner, personas.second_assessor, self.enrolment.version)
        self.grant = make_grant(personas, scope=scope, qualification=self.qualification
                                if scope == "qualification" else None, awarding_body="City Awards")
        self.report = services.eqa_report_create(grant=self.grant, actor=self.eqa, sample_basis="IQA plan")
        self.units = list(EnrolmentUnit.objects.filter(enrolment=self.enrolment).order_by("unit__position"))

    def judge(self, unit: EnrolmentUnit, agreed=True, note=""):
        return services.eqa_judgement_add(report=self.report, actor=self.eqa, enrolment_unit=unit, agreed=agreed,
                                          note=note or ("" if agreed else "Not sufficient"))

    def rate_all(self, rating="green", **special):
        ratings = {item.pk: (special.get(item.text, rating), "") for item in
                   EqaChecklistItem.objects.filter(centre=self.p.centre, active=True)}
        return services.eqa_ratings_save(report=self.report, actor=self.eqa, ratings=ratings)

    def sign(self):
        self.report = services.eqa_report_sign(report=self.report, actor=self.eqa,
                                               typed_name=self.eqa.get_full_name())
        return self.report

    def ready(self):
        self.judge(self.units[0])
        self.rate_all()
        return self


def reloaded(report):
    return report_with_rows(EqaReport.objects.filter(pk=report.pk)).get()


def test_a_new_report_seeds_the_centres_default_checklist_once(personas):
    world = ReportWorld(personas)
    services.eqa_report_create(grant=world.grant, actor=world.eqa)
    texts = list(EqaChecklistItem.objects.filter(centre=personas.centre).values_list("text", flat=True))
    assert len(texts) == 7 and texts[0] == "Assessment decisions are valid, authentic, current and sufficient"


def test_figures_are_computed_from_the_judgements_and_the_worst_rating(personas):
    world = ReportWorld(personas)
    world.judge(world.units[0])
    world.judge(world.units[1])
    world.judge(world.units[2], agreed=False)
    world.judge(EnrolmentUnit.objects.filter(enrolment=world.second).first())
    world.rate_all(**{"Standardisation takes place": "amber"})
    figures = report_figures(reloaded(world.report))
    assert (figures.sample_size, figures.agreed, figures.changed) == (4, 3, 1)
    assert (figures.agreed_percent, figures.changed_percent) == (75, 25)
    assert len(figures.learners) == 2 and len(figures.units) == 3
    assert figures.assessors == sorted([personas.assessor.display_name, personas.second_assessor.display_name])
    assert figures.overall == "amber"
    world.rate_all(**{"Records are accurate and complete": "red", "Standardisation takes place": "amber"})
    assert report_figures(reloaded(world.report)).overall == "red"


def test_a_changed_decision_needs_a_note(personas):
    world = ReportWorld(personas)
    with pytest.raises(ServiceError, match="why"):
        services.eqa_judgement_add(report=world.report, actor=world.eqa, enrolment_unit=world.units[0],
                                   agreed=False, note=" ")


def test_a_unit_outside_the_grants_scope_cannot_be_judged(personas):
    world = ReportWorld(personas)
    elsewhere = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="OTHER"))
    with pytest.raises(PermissionDenied):
        world.judge(EnrolmentUnit.objects.filter(enrolment=elsewhere).first())


def test_a_report_cannot_be_signed_without_a_judgement(personas):
    world = ReportWorld(personas)
    world.rate_all()
    with pytest.raises(ServiceError, match="at least one"):
        world.sign()


def test_a_report_cannot_be_signed_with_an_unrated_checklist_item(personas):
    world = ReportWorld(personas)
    world.judge(world.units[0])
    world.rate_all()
    services.eqa_checklist_item_add(centre=personas.centre, actor=personas.admin, text="Equality and diversity")
    with pytest.raises(ServiceError, match="Equality and diversity"):
        world.sign()


def test_the_typed_name_must_be_the_eqas_name(personas):
    world = ReportWorld(personas).ready()
    with pytest.raises(ServiceError, match="full name"):
        services.eqa_report_sign(report=world.report, actor=world.eqa, typed_name="Someone Else")


def test_signing_freezes_the_report_and_tells_the_admins_and_the_owners(personas):
    world = ReportWorld(personas).ready()
    services.eqa_action_point_add(report=world.report, actor=world.eqa, text="Standardise unit 2",
                                  owner=personas.moderator, due_date=timezone.localdate() + datetime.timedelta(days=30))
    report = world.sign()
    assert report.status == EqaReport.Status.SIGNED and report.signed_name == world.eqa.get_full_name()
    [told] = Notification.objects.filter(user=personas.admin, kind="eqa_report_signed")
    assert f"/eqa/reports/{report.pk}/pdf/" in told.data["pdf_url"]
    assert Notification.objects.filter(user=personas.moderator, kind="eqa_action_assigned").count() == 1
    with pytest.raises(ServiceError, match="signed"):
        world.judge(world.units[1])
    with pytest.raises(ServiceError, match="signed"):
        world.rate_all("red")
    assert AuditEvent.objects.filter(action="eqa.report_signed", object_id=str(report.pk)).exists()


def test_only_the_grants_external_moderator_writes_and_only_while_it_is_active(personas, time_machine):
    world = ReportWorld(personas)
    with pytest.raises(PermissionDenied):
        services.eqa_report_create(grant=world.grant, actor=personas.admin)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=15))
    with pytest.raises(PermissionDenied):
        world.judge(world.units[0])


def test_the_admin_acknowledges_a_signed_report_once(personas):
    world = ReportWorld(personas).ready()
    world.sign()
    report = services.eqa_report_acknowledge(report=world.report, actor=personas.admin)
    assert report.status == EqaReport.Status.ACKNOWLEDGED and report.acknowledged_by == personas.admin
    with pytest.raises(ServiceError):
        services.eqa_report_acknowledge(report=report, actor=personas.admin)
    assert Notification.objects.filter(user=world.eqa, kind="eqa_report_acknowledged").exists()


def test_a_sanction_holds_a_certificate_and_lifting_it_lets_it_issue(personas, django_capture_on_commit_callbacks):
    world = ReportWorld(personas).ready()
    services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="Assessment not valid")
    assert certification_holds(enrolment=world.enrolment) == []  # a draft holds nothing
    world.sign()
    [hold] = certification_holds(enrolment=world.enrolment)
    assert hold.report == world.report and "City Awards" in hold.sentence
    with pytest.raises(CertificateError, match="Assessment not valid"):
        certificate_issue(enrolment=world.enrolment, actor=personas.admin)

    released = []
    certification_hold_released.connect(lambda sender, enrolment, actor, **kw: released.append(enrolment.pk),
                                        weak=False, dispatch_uid="test-eqa-release")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.eqa_sanction_lift(report=world.report, actor=personas.admin, reason="Re-assessed")
    finally:
        certification_hold_released.disconnect(dispatch_uid="test-eqa-release")
    assert released == [world.enrolment.pk]
    assert certification_holds(enrolment=world.enrolment) == []
    assert certificate_issue(enrolment=world.enrolment, actor=personas.admin).number


def test_a_sanction_holds_only_the_grants_qualification(personas):
    world = ReportWorld(personas).ready()
    other = enrolment_for(personas, code="NOT-HELD", learner=personas.second_learner)
    services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="Invalid")
    world.sign()
    assert certification_holds(enrolment=world.enrolment)
    assert certification_holds(enrolment=other) == []


def test_a_sanction_needs_a_reason_and_lifting_needs_one_too(personas):
    world = ReportWorld(personas).ready()
    with pytest.raises(ServiceError, match="why"):
        services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="")
    services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="Invalid")
    world.sign()
    with pytest.raises(ServiceError, match="why"):
        services.eqa_sanction_lift(report=world.report, actor=personas.admin, reason=" ")
    with pytest.raises(PermissionDenied):
        services.eqa_sanction_lift(report=world.report, actor=personas.moderator, reason="No")


def test_a_centre_wide_grant_holds_the_qualifications_of_its_enrolments(personas):
    world = ReportWorld(personas, scope="centre").ready()
    services.eqa_sanction_set(report=world.report, actor=world.eqa, hold=True, reason="Invalid")
    assert set(world.report.sanction_qualifications.values_list("pk", flat=True)) == {world.qualification.pk}


def test_an_action_point_owner_is_centre_staff(personas):
    world = ReportWorld(personas)
    with pytest.raises(ServiceError, match="staff"):
        services.eqa_action_point_add(report=world.report, actor=world.eqa, text="Do it", owner=personas.learner,
                                      due_date=timezone.localdate() + datetime.timedelta(days=5))


def test_the_owner_or_an_admin_marks_an_action_point_done(personas):
    world = ReportWorld(personas).ready()
    point = services.eqa_action_point_add(report=world.report, actor=world.eqa, text="Do it",
                                          owner=personas.assessor,
                                          due_date=timezone.localdate() + datetime.timedelta(days=5))
    world.sign()
    with pytest.raises(PermissionDenied):
        services.eqa_action_done(point=point, actor=personas.moderator)
    point = services.eqa_action_done(point=point, actor=personas.assessor)
    assert point.status == "done" and point.done_by == personas.assessor


def test_a_comment_to_the_centre_is_told_to_its_admins(personas):
    world = ReportWorld(personas)
    services.eqa_comment_add(grant=world.grant, actor=world.eqa, text="Please upload the plans",
                             enrolment=world.enrolment)
    [told] = Notification.objects.filter(user=personas.admin, kind="eqa_report_comment")
    assert told.data["text"] == "Please upload the plans"


def test_the_checklist_reorders_and_deactivated_items_are_not_rated(personas):
    world = ReportWorld(personas)
    items = list(EqaChecklistItem.objects.filter(centre=personas.centre).order_by("position"))
    services.eqa_checklist_item_move(item=items[1], actor=personas.admin, up=True)
    assert list(EqaChecklistItem.objects.filter(centre=personas.centre).order_by("position")
                .values_list("pk", flat=True)[:2]) == [items[1].pk, items[0].pk]
    services.eqa_checklist_item_set_active(item=items[0], actor=personas.admin, active=False)
    world.judge(world.units[0])
    world.rate_all()
    assert world.sign().status == EqaReport.Status.SIGNED
    assert not world.report.ratings.filter(item=items[0]).exists()


def test_a_rating_keeps_the_words_it_was_given_against(personas):
    world = ReportWorld(personas).ready()
    world.sign()
    item = EqaChecklistItem.objects.filter(centre=personas.centre).order_by("position").first()
    services.eqa_checklist_item_edit(item=item, actor=personas.admin, text="Reworded")
    rating = world.report.ratings.get(item=item)
    assert rating.text == "Assessment decisions are valid, authentic, current and sufficient"


EMAIL_CONTEXT = {"recipient_name": "Al", "report": 3, "centre_name": "North", "eqa": "Chris", "visit": "2026-12-01",
                 "overall": "amber", "sample_size": 3, "sanction": True, "sanction_reason": "Invalid",
                 "pdf_url": "/r.pdf", "text": "Do it", "about": "Maya", "admin": "Alex", "reason": "Fixed",
                 "due": "2026-12-01", "owner": "Sam", "days": 3}


@pytest.mark.parametrize("kind", ["eqa_report_signed", "eqa_report_comment", "eqa_report_acknowledged",
                                  "eqa_report_sanction_lifted", "eqa_action_assigned", "eqa_action_due",
                                  "eqa_action_overdue"])
def test_each_eqa_report_email_renders_its_subject_and_bodies(kind):
    notification = Notification(kind=kind, data=EMAIL_CONTEXT, url="/u", language="en")
    assert render_email("subject.txt", notification).strip()
    assert "Al" in render_email("body.txt", notification) and "Al" in render_email("body.html", notification)

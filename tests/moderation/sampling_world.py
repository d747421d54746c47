"""A small IQA world for the sampling tests: a qualification with signed-off units, an approved strategy, a current
plan with items, and samples made through the services."""

import datetime

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from assessment.services import review_decide, review_start, unit_sign_off
from moderation.models import PlanItem, SampleKind, SamplingPlan, SamplingStrategy
from moderation.samples.services import Check, sample_record, sample_sign, sample_start
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import EnrolmentUnit, Evidence
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

ALL_YES = {name: Check(ok=True) for name in ("valid", "authentic", "current", "sufficient")}
PROCESS_YES = {name: Check(ok=True) for name in ("plan_followed", "feedback_developmental", "declaration_present",
                                                 "records_accurate")}


def accepted_evidence(enrolment, learner, assessor, criteria, title="Kitchen") -> Evidence:
    """Through the real services: uploaded (processed), submitted, reviewed and accepted, every criterion met."""
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=(len(title), 1, 1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo),
                             actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in criteria}, outcome="accepted",
                  feedback=f"Well evidenced: {title}")
    evidence.refresh_from_db()
    return evidence


def sign_off_unit(personas, enrolment, unit):
    accepted_evidence(enrolment, personas.learner, personas.assessor, list(unit.criteria.all()),
                      title=f"Work for {unit.code}")
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)
    return unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)


def strategy_for(centre, qualification, actor, *, gate: bool = False, status=SamplingStrategy.Status.APPROVED):
    version = (SamplingStrategy.objects.filter(centre=centre, qualification=qualification)
               .order_by("-version").values_list("version", flat=True).first() or 0) + 1
    return SamplingStrategy.objects.create(centre=centre, qualification=qualification, version=version, status=status,
                                           gate_certification=gate, created_by=actor)


def plan_for(strategy, actor) -> SamplingPlan:
    start, end = strategy.cycle_for(strategy.cycle_start_year_of(timezone.localdate()))
    number = SamplingPlan.objects.filter(strategy=strategy, cycle_start=start).count() + 1
    return SamplingPlan.objects.create(strategy=strategy, centre=strategy.centre, cycle_start=start, cycle_end=end,
                                       number=number, seed="test", generated_by=actor)


def item_for(plan, enrolment, unit, *, kind=SampleKind.SUMMATIVE, assessor=None, moderator=None) -> PlanItem:
    return PlanItem.objects.create(plan=plan, enrolment=enrolment, unit=unit, kind=kind,
                                   assessor=assessor or enrolment.assessor, moderator=moderator,
                                   reason="rate: tier=high", position=plan.items.count())


class Sampling:
    """An enrolment with `units` units; the first `signed` signed off; a current plan of an approved strategy
    with a summative item for the first unit and an interim one for the last."""

    def __init__(self, personas, *, units: int = 2, signed: int = 1, gate: bool = False, code: str = "IQA"):
        p = personas
        self.p = p
        self.version = make_spec(p.centre, code=code, units=units, outcomes=1, criteria=2)
        self.enrolment = make_enrolment(p.learner, p.assessor, self.version)
        self.units = list(self.version.units.order_by("position"))
        self.sign_offs = [sign_off_unit(p, self.enrolment, unit) for unit in self.units[:signed]]
        self.strategy = strategy_for(p.centre, self.version.qualification, p.moderator, gate=gate)
        self.plan = plan_for(self.strategy, p.moderator)
        self.item = item_for(self.plan, self.enrolment, self.units[0], moderator=p.moderator)
        self.interim_item = item_for(self.plan, self.enrolment, self.units[-1], kind=SampleKind.INTERIM,
                                     moderator=p.moderator)

    def start(self, item=None, actor=None):
        return sample_start(plan_item=item or self.item, actor=actor or self.p.moderator)

    def record(self, sample, *, outcome="agree", feedback="Sound judgement.", actions=(), actor=None):
        return sample_record(sample=sample, actor=actor or self.p.moderator,
                             criteria_ids=list(sample.unit.criteria.values_list("pk", flat=True)), vacs=ALL_YES,
                             process_checks=PROCESS_YES, outcome=outcome, feedback=feedback, actions=actions)

    def signed(self, item=None, *, outcome="agree", actions=(), feedback="Sound judgement."):
        sample = self.record(self.start(item), outcome=outcome, actions=actions, feedback=feedback)
        return sample_sign(sample=sample, actor=self.p.moderator, typed_name=self.p.moderator.get_full_name())


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)

"""An external moderator under a grant reads exactly its scope, writes nothing, and every request is recorded.

The world: two qualifications, an enrolment on each (IN on the first, started this month, by the learner; OUT on
the second, started months earlier, by the second learner), each with accepted evidence and a file, a sampling
plan per qualification with an item and a started sample of its enrolment.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from badges.certificates.services import certificate_issue
from centres.models import Membership, Role
from moderation.external.services import eqa_grant_expand
from moderation.models import Sample, SampleKind
from moderation.practice.services import co_marking_close, co_marking_create, meeting_record, observation_schedule
from moderation.samples.services import sample_start
from portfolios.evidence.services import evidence_create, evidence_save_draft
from portfolios.models import Enrolment, Evidence
from tests.badges.test_certificate_issue import enrolment_for
from tests.conftest import client_for
from tests.factories import learner as make_learner
from tests.moderation.sampling_world import accepted_evidence, item_for, plan_for, strategy_for
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class World:
    def __init__(self, personas):
        p = self.p = personas
        today = timezone.localdate()
        self.q_in = make_spec(p.centre, code="IN", units=2, outcomes=1, criteria=1)
        self.q_out = make_spec(p.centre, code="OUT", units=2, outcomes=1, criteria=1)
        self.inside = make_enrolment(p.learner, p.assessor, self.q_in, start=today.replace(day=1))
        self.outside = make_enrolment(p.second_learner, p.assessor, self.q_out,
                                      start=today.replace(day=1) - datetime.timedelta(days=120))
        self.evidence_in = self._evidence(self.inside, p.learner)
        self.evidence_out = self._evidence(self.outside, p.second_learner)
        self.plan_in, self.sample_in = self._plan(self.q_in, self.inside)
        self.plan_out, self.sample_out = self._plan(self.q_out, self.outside)

    def _evidence(self, enrolment, learner) -> Evidence:
        unit = enrolment.version.units.order_by("position").first()
        return accepted_evidence(enrolment, learner, self.p.assessor, list(unit.criteria.all()))

    def _plan(self, version, enrolment):
        plan = plan_for(strategy_for(self.p.centre, version.qualification, self.p.moderator), self.p.moderator)
        item = item_for(plan, enrolment, version.units.order_by("position").first(), kind=SampleKind.INTERIM,
                        moderator=self.p.moderator)
        return plan, sample_start(plan_item=item, actor=self.p.moderator)

    def pages(self, which: str) -> dict[str, str]:
        """One page of each kind about the IN or the OUT enrolment."""
        enrolment, evidence = (self.inside, self.evidence_in) if which == "in" else (self.outside, self.evidence_out)
        sample = self.sample_in if which == "in" else self.sample_out
        return {
            "enrolment": reverse("enrolment_detail", args=[enrolment.pk]),
            "portfolio": reverse("portfolio", args=[enrolment.pk]),
            "evidence": reverse("evidence_detail", args=[evidence.pk]),
            "review": reverse("review_detail", args=[evidence.submissions.get().pk]),
            "timeline": reverse("timeline_learner", args=[enrolment.pk]),
            "unit record": reverse("unit_record", args=[enrolment.pk, enrolment.version.units.first().pk]),
            "learner": reverse("learner_detail", args=[Membership.objects.get(
                user=enrolment.learner, centre=enrolment.centre, role=Role.LEARNER).pk]),
            "qualification": reverse("qualification_version", args=[enrolment.version_id]),
            "plan item": reverse("iqa_plan_item", args=[sample.plan_item_id]),
            "sample": reverse("iqa_sample", args=[sample.pk]),
        }

    def file_url(self, which: str) -> str:
        evidence = self.evidence_in if which == "in" else self.evidence_out
        return reverse("evidence_file", args=[evidence.files.get().pk])


SCOPES = {
    "qualification": lambda w: {"scope": "qualification", "qualification": w.q_in.qualification},
    "cohort": lambda w: {"scope": "cohort", "cohort_month": w.inside.start_date},
    "learners": lambda w: {"scope": "learners", "learners": [w.p.learner]},
    "iqa_plan": lambda w: {"scope": "iqa_plan", "plan": w.plan_in},
}


def grant_of(world, kind: str):
    if kind == "expanded on the day":  # a cohort of no one, then the learner added to it
        grant = make_grant(world.p, scope="cohort", cohort_month=world.inside.start_date.replace(year=2001))
        return eqa_grant_expand(grant=grant, actor=world.p.admin, learners=[world.p.learner])
    return make_grant(world.p, **SCOPES[kind](world))


def events(grant, action: str):
    return AuditEvent.objects.for_object(grant).filter(action=action)


@pytest.mark.parametrize("kind", [*SCOPES, "expanded on the day"])
def test_the_external_moderator_reads_exactly_the_scope_and_each_refusal_is_audited(personas, kind):
    world = World(personas)
    grant = grant_of(world, kind)
    client = client_for(personas.external_moderator)
    for name, url in world.pages("in").items():
        assert client.get(url).status_code == 200, name
    assert client.get(world.file_url("in")).status_code == 200
    for name, url in world.pages("out").items():
        before = events(grant, "eqa.refused").count()
        assert client.get(url).status_code == 404, name
        refused = events(grant, "eqa.refused")
        assert refused.count() == before + 1, name
        assert refused.last().data["grant"] == grant.pk and refused.last().data["path"] == url
    assert client.get(world.file_url("out")).status_code == 404


@pytest.mark.parametrize("kind", [*SCOPES, "expanded on the day"])
def test_the_lists_show_only_the_scope(personas, kind):
    world = World(personas)
    grant_of(world, kind)
    client = client_for(personas.external_moderator)
    caseload = client.get(reverse("caseload"))
    assert [r.pk for r in caseload.context["page"]] == [world.inside.pk]
    learners = client.get(reverse("learner_list"))
    assert [m.user for m in learners.context["page"]] == [personas.learner]
    plans = client.get(reverse("iqa_plan_list")).context["plans"]
    assert list(plans) == [world.plan_in]
    versions = client.get(reverse("qualification_list")).context["versions"]
    assert [v.pk for v in versions] == [world.q_in.pk]


def test_a_plan_page_lists_only_the_items_of_enrolments_in_scope(personas):
    world = World(personas)
    make_grant(personas, scope="learners", learners=[personas.learner])
    item_for(world.plan_in, world.outside, world.q_in.units.first())  # someone else's item on the same plan
    page = client_for(personas.external_moderator).get(reverse("iqa_plan_detail", args=[world.plan_in.pk]))
    assert [i.enrolment for i in page.context["page"]] == [world.inside]
    assert "Add an item" not in page.content.decode()


@pytest.mark.parametrize("status", [Enrolment.Status.WITHDRAWN, Enrolment.Status.COMPLETED])
def test_a_withdrawn_or_completed_learner_in_scope_is_readable_after_their_membership_ended(personas, status):
    world = World(personas)
    Enrolment.objects.filter(pk=world.inside.pk).update(status=status)
    membership = Membership.objects.get(user=personas.learner, centre=personas.centre, role=Role.LEARNER)
    Membership.objects.filter(pk=membership.pk).update(ended_at=timezone.now())
    make_grant(personas, scope="qualification", qualification=world.q_in.qualification)
    client = client_for(personas.external_moderator)
    for name, url in world.pages("in").items():
        assert client.get(url).status_code == 200, name
    assert [m.pk for m in client.get(reverse("learner_list")).context["page"]] == [membership.pk]


def test_writes_answer_403_and_change_nothing(personas):
    world = World(personas)
    make_grant(personas, scope="centre")
    draft = evidence_create(enrolment=world.inside, actor=personas.learner)
    evidence_save_draft(evidence=draft, revision=draft.revision, actor=personas.learner, title="Draft",
                        reflection="r", method="product", activity_date=None, activity_place="", criteria=[])
    client = client_for(personas.external_moderator)
    posts = {
        "review_decide": reverse("review_decide", args=[world.evidence_in.submissions.get().pk]),
        "evidence_submit": reverse("evidence_submit", args=[draft.pk]),
        "iqa_sample_record": reverse("iqa_sample_record", args=[world.sample_in.pk]),
        "enrolment_status": reverse("enrolment_status", args=[world.inside.pk]),
    }
    audited = AuditEvent.objects.exclude(action__startswith="eqa.").count()
    for name, url in posts.items():
        response = client.post(url, {"outcome": "accepted", "declared": "on", "status": "withdrawn"})
        assert response.status_code == 403, name
    assert Evidence.objects.get(pk=draft.pk).status == Evidence.Status.DRAFT
    assert Sample.objects.get(pk=world.sample_in.pk).outcome == ""
    assert Enrolment.objects.get(pk=world.inside.pk).status == Enrolment.Status.ACTIVE
    assert AuditEvent.objects.exclude(action__startswith="eqa.").count() == audited


def test_every_page_and_every_file_leaves_an_event_with_the_grant(personas):
    world = World(personas)
    grant = make_grant(personas, scope="centre")
    client = client_for(personas.external_moderator)
    for name, url in world.pages("in").items():
        client.get(url)
        viewed = events(grant, "eqa.viewed").last()
        assert viewed.data["path"] == url and viewed.data["grant"] == grant.pk, name
    client.get(world.file_url("in"))
    downloaded = events(grant, "eqa.file_downloaded").get()
    assert downloaded.data == {"grant": grant.pk, "method": "GET", "path": world.file_url("in"),
                               "view": "evidence_file", "status": 200}


def _what_they_see(world, user) -> dict:
    client = client_for(user)
    seen = {name: client.get(url).status_code for which in ("in", "out") for name, url in
            ((f"{which} {name}", url) for name, url in world.pages(which).items())}
    seen["caseload"] = sorted(r.pk for r in client.get(reverse("caseload")).context["page"])
    seen["learners"] = sorted(m.pk for m in client.get(reverse("learner_list")).context["page"])
    return seen


def test_the_assessor_and_the_iqa_moderator_see_what_they_saw_before_the_grant(personas):
    world = World(personas)
    before = {who: _what_they_see(world, getattr(personas, who)) for who in ("assessor", "moderator")}
    make_grant(personas, scope="learners", learners=[personas.learner])
    assert client_for(personas.external_moderator).get(world.pages("in")["enrolment"]).status_code == 200
    after = {who: _what_they_see(world, getattr(personas, who)) for who in ("assessor", "moderator")}
    assert after == before
    assert before["assessor"]["out enrolment"] == 200 and before["moderator"]["in sample"] == 200


ACCOUNT_FORMS = {"/accounts/logout/", "/account/language/", "/centre/switch/"}  # of every page's header


def test_the_iqa_records_hide_every_write_control_from_the_external_moderator(personas):
    world = World(personas)
    make_grant(personas, scope="centre")
    client = client_for(personas.external_moderator)
    for url in (reverse("iqa_plan_list"), reverse("iqa_plan_detail", args=[world.plan_in.pk]),
                reverse("iqa_plan_item", args=[world.sample_in.plan_item_id]),
                reverse("iqa_item", args=[world.sample_in.plan_item_id]),
                reverse("iqa_sample", args=[world.sample_in.pk]), reverse("iqa_strategy_list"),
                reverse("iqa_strategy_detail", args=[world.plan_in.strategy_id]),
                reverse("iqa_assessor_risk", args=[world.plan_in.strategy_id]),
                reverse("iqa_observation_list"), reverse("iqa_meeting_list"), reverse("iqa_co_marking_list")):
        page = client.get(url)
        assert page.status_code == 200, url
        posting = re.findall(r'<form method="post" action="([^"]*)"', page.content.decode())
        assert set(posting) <= ACCOUNT_FORMS, url


def test_observations_meetings_and_closed_co_marking_follow_the_scope(personas):
    world = World(personas)
    make_grant(personas, scope="qualification", qualification=world.q_in.qualification)
    other = make_learner(personas.centre, personas.second_assessor)
    in_scope = observation_schedule(centre=personas.centre, assessor=personas.assessor, actor=personas.moderator,
                                    scheduled_for=timezone.localdate(), place="Kitchen")
    outside = observation_schedule(centre=personas.centre, assessor=personas.second_assessor,
                                   actor=personas.moderator, scheduled_for=timezone.localdate(), place="Bar",
                                   learner=other)
    general = meeting_record(centre=personas.centre, actor=personas.moderator, held_on=timezone.localdate(),
                             title="All", attendees=[personas.assessor], minutes="", decisions="")
    of_out = meeting_record(centre=personas.centre, actor=personas.moderator, held_on=timezone.localdate(),
                            title="OUT only", attendees=[personas.assessor], minutes="", decisions="",
                            qualification=world.q_out.qualification)
    client = client_for(personas.external_moderator)
    assert client.get(reverse("iqa_observation_detail", args=[in_scope.pk])).status_code == 200
    assert client.get(reverse("iqa_observation_detail", args=[outside.pk])).status_code == 404
    assert list(client.get(reverse("iqa_meeting_list")).context["meetings"]) == [general]
    assert client.get(reverse("iqa_meeting_detail", args=[of_out.pk])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


LISTS = ("caseload", "learner_list", "qualification_list", "iqa_plan_list", "iqa_strategy_list",
         "iqa_observation_list", "iqa_meeting_list", "iqa_co_marking_list")


def test_each_list_page_of_the_external_moderator_is_a_fixed_number_of_queries(personas, django_assert_num_queries):
    world = World(personas)
    grant = make_grant(personas, scope="qualification", qualification=world.q_in.qualification)
    client = client_for(personas.external_moderator)
    client.get(reverse("home"))  # the first request of a session does more
    urls = {name: reverse(name) for name in LISTS} | {"iqa_plan_detail": reverse("iqa_plan_detail",
                                                                                 args=[world.plan_in.pk])}
    one = {name: _queries(client, url) for name, url in urls.items()}
    for n in range(3):  # more learners, enrolments, items, observations and meetings in scope
        extra = make_learner(personas.centre, personas.assessor)
        enrolment = make_enrolment(extra, personas.assessor, world.q_in)
        item_for(world.plan_in, enrolment, world.q_in.units.first())
        observation_schedule(centre=personas.centre, assessor=personas.assessor, actor=personas.moderator,
                             scheduled_for=timezone.localdate(), place=f"Room {n}", learner=extra)
        meeting_record(centre=personas.centre, actor=personas.moderator, held_on=timezone.localdate(),
                       title=f"Meeting {n}", attendees=[personas.assessor], minutes="", decisions="")
    assert one == PINNED_QUERIES, str(sorted(one.items()))
    client.get(reverse("home"))  # warm again after the writes, like the first measurements
    for name, url in urls.items():
        with django_assert_num_queries(PINNED_QUERIES[name]):
            assert client.get(url).status_code == 200, name
    assert events(grant, "eqa.viewed").count() == 2 * len(urls) + 2


# Each counts the request's own (session, user, memberships, grant, unread notifications, and the audit event of
# the page in its savepoints: 11 in all) and the page's.
# Warm: the person, memberships, grants and navigation counts come from the cache.
PINNED_QUERIES = {"caseload": 11, "iqa_co_marking_list": 8, "iqa_meeting_list": 8, "iqa_observation_list": 9,
                  "iqa_plan_detail": 13, "iqa_plan_list": 8, "iqa_strategy_list": 11, "learner_list": 10,
                  "qualification_list": 8}


def test_the_home_page_under_a_grant_says_the_scope_the_end_and_the_counts(personas):
    world = World(personas)
    make_grant(personas, scope="qualification", qualification=world.q_in.qualification, days=14)
    page = client_for(personas.external_moderator).get(reverse("home"))
    text = page.content.decode()
    assert "Qualification IN" in text and re.search(r"\(in 1[34] days\)", text)
    summary = page.context["eqa"]
    assert (summary.learners, summary.enrolments, summary.units) == (1, 1, 2)
    assert "Every page you open is recorded in the centre's audit trail." in text
    assert "Centre overview" not in text and "Open the moderation dashboard" not in text


def test_the_home_page_without_a_grant_shows_nothing_of_the_centre(personas, time_machine):
    grant = make_grant(personas, scope="centre", days=2)
    time_machine.move_to(grant.expires_at + datetime.timedelta(seconds=1))
    text = client_for(personas.external_moderator).get(reverse("home")).content.decode()
    assert "You have no active EQA access. A centre gives you access for a set time; ask the centre admin." in text
    assert personas.centre.name not in text


def test_a_certificate_pdf_is_for_an_external_moderator_only_of_a_learner_in_scope(personas):
    inside = certificate_issue(enrolment=enrolment_for(personas, code="CIN", learner=personas.learner),
                               actor=personas.admin)
    outside = certificate_issue(enrolment=enrolment_for(personas, code="COUT", learner=personas.second_learner),
                                actor=personas.admin)
    make_grant(personas, scope="learners", learners=[personas.learner])
    client = client_for(personas.external_moderator)
    assert client.get(reverse("certificate_pdf", args=[inside.uuid])).status_code in (200, 202)
    assert client.get(reverse("certificate_pdf", args=[outside.uuid])).status_code == 404


def test_a_co_marking_exercise_is_readable_once_closed_and_only_of_evidence_in_scope(personas):
    world = World(personas)
    make_grant(personas, scope="qualification", qualification=world.q_in.qualification)
    exercise_in = co_marking_create(centre=personas.centre, evidence=world.evidence_in, title="IN",
                                    invited=[personas.assessor, personas.second_assessor], actor=personas.moderator)
    exercise_out = co_marking_create(centre=personas.centre, evidence=world.evidence_out, title="OUT",
                                     invited=[personas.assessor, personas.second_assessor], actor=personas.moderator)
    client = client_for(personas.external_moderator)
    detail = reverse("iqa_co_marking_detail", args=[exercise_in.pk])
    assert client.get(detail).status_code == 404  # open: the assessors are still judging
    co_marking_close(exercise=exercise_in, actor=personas.moderator)
    co_marking_close(exercise=exercise_out, actor=personas.moderator)
    assert client.get(detail).status_code == 200
    assert client.get(reverse("iqa_co_marking_detail", args=[exercise_out.pk])).status_code == 404
    assert list(client.get(reverse("iqa_co_marking_list")).context["exercises"]) == [exercise_in]

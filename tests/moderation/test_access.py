"""Every moderation URL, walked from `moderation.urls`: learners get none of it, other centres' staff never reach
this centre's objects, and the centre admin can act (POST) only where the role rules let them: reassigning plan
items, second-signing an overturned decision and running the centre's side of EQA (grants, sample packs, reports,
the checklist, action points). Everything else is read-only for them. An external moderator sees nothing of the
centre without a grant (404) and under one may post only to their own EQA pages (`eqa_mine_...`)."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Role
from moderation import urls as moderation_urls
from moderation.external.reports.models import EqaChecklistItem
from moderation.external.reports.services import (
    eqa_action_point_add,
    eqa_judgement_add,
    eqa_ratings_save,
    eqa_report_create,
    eqa_report_sign,
)
from moderation.external.services import eqa_grant_create
from moderation.models import CoMarkingExercise, MeetingFile, SamplePack, StandardisationMeeting
from portfolios.evidence.services import evidence_create
from portfolios.models import EnrolmentUnit
from tests.conftest import client_for
from tests.factories import MembershipFactory, staff
from tests.moderation.external.factories import make_grant

from .dashboard_world import (
    days,
    learners_with_items,
    make_action,
    make_observation,
    make_plan,
    make_sample,
    make_strategy,
)

pytestmark = pytest.mark.django_db

# The acts a centre admin (who is not also a moderator) may POST.
ADMIN_ACTS = {"iqa_reassign", "iqa_sample_second_sign"}
# The centre's side of EQA whose empty POST acts (no field to refuse): request a pack, acknowledge a report, move or
# switch off a checklist item, mark an action point done. Its forms (grants, checklist text) refuse an empty POST.
EQA_ADMIN_ACTS = {"eqa_pack_request", "eqa_report_acknowledge", "eqa_checklist_item_move",
                  "eqa_checklist_item_active", "eqa_action_done"}
# ... and the one that refuses an empty POST with a message on the report's page (302), recording nothing.
EQA_ADMIN_REDIRECTS = {"eqa_sanction_lift"}
READ_ONLY_ANSWER = b"External moderators have read-only access."
MISSING = "987654"


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


ROUTES = list(walk(moderation_urls.urlpatterns))

# Which object of the world fills a route's first <pk>: the most specific route prefix wins.
OBJECT_FOR = (
    ("plans/items/", "item"), ("plans/", "plan"), ("strategies/", "strategy"), ("sampling/items/", "item"),
    ("sampling/samples/", "sample"), ("sampling/actions/", "action"), ("observations/", "observation"),
    ("standardisation/meetings/", "meeting"), ("standardisation/files/", "meeting_file"),
    ("standardisation/co-marking/", "exercise"),
    # EQA (moderation/external/**/urls.py)
    ("eqa/grants/", "grant"), ("eqa/packs/", "pack"), ("eqa/mine/packs/", "pack"), ("eqa/mine/reports/", "report"),
    ("eqa/mine/judgements/", "judgement"), ("eqa/mine/actions/", "action_point"), ("eqa/reports/", "report"),
    ("eqa/checklist/", "checklist_item"), ("eqa/actions/", "action_point"),
)


def rule_roles(pattern) -> set[str]:
    rule = pattern.callback.leap_access
    assert rule.startswith("roles:"), f"{pattern.name}: every moderation page needs a role rule, has {rule!r}"
    return set(rule.removeprefix("roles:").split(","))


class World:
    def __init__(self, personas):
        version, self.strategy = make_strategy(personas)
        self.plan = make_plan(self.strategy, personas.moderator)
        self.item = learners_with_items(personas, version, self.plan, 1, moderator=personas.moderator)[0]
        self.sample = make_sample(self.item, personas.moderator)
        self.action = make_action(self.sample, due=days(3))
        self.observation = make_observation(personas, on=days(5))
        self.meeting = StandardisationMeeting.objects.create(centre=personas.centre, held_on=days(-3), title="Std",
                                                             recorded_by=personas.moderator)
        self.meeting_file = MeetingFile.objects.create(meeting=self.meeting, file=ContentFile(b"%PDF-1.4", "m.pdf"),
                                                       original_name="m.pdf", content_type="application/pdf", size=8,
                                                       sha256="0" * 64)
        evidence = evidence_create(enrolment=self.item.enrolment, actor=self.item.enrolment.learner)
        self.exercise = CoMarkingExercise.objects.create(centre=personas.centre, evidence=evidence, title="Co-mark",
                                                         created_by=personas.moderator)
        # EQA: a whole-centre grant, a queued sample pack, and a signed report with a judgement and an action point.
        eqa = personas.external_moderator
        self.grant = make_grant(personas)
        self.pack = SamplePack.objects.create(grant=self.grant, requested_by=eqa, expires_at=self.grant.expires_at)
        report = eqa_report_create(grant=self.grant, actor=eqa, sample_basis="IQA plan")
        unit = EnrolmentUnit.objects.filter(enrolment=self.item.enrolment).order_by("pk").first()
        self.judgement = eqa_judgement_add(report=report, actor=eqa, enrolment_unit=unit, agreed=True)
        eqa_ratings_save(report=report, actor=eqa, ratings={item.pk: ("green", "") for item in
                                                            EqaChecklistItem.objects.filter(centre=personas.centre)})
        self.action_point = eqa_action_point_add(report=report, actor=eqa, text="Standardise", owner=personas.assessor,
                                                 due_date=days(20))
        self.report = eqa_report_sign(report=report, actor=eqa, typed_name=eqa.get_full_name())
        self.checklist_item = EqaChecklistItem.objects.filter(centre=personas.centre).order_by("pk").first()

    def url(self, route: str) -> str:
        if "<" not in route:
            return "/moderation/" + route
        name = next((name for prefix, name in OBJECT_FOR if route.startswith(prefix)), None)
        assert name, f"add the object for /moderation/{route} to OBJECT_FOR in {__name__}"
        pk = str(getattr(self, name).pk)
        values = iter([pk, MISSING])
        return "/moderation/" + re.sub(r"<(?:\w+:)?\w+>", lambda _: next(values), route)


@pytest.fixture
def world(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(personas)


def test_the_walk_finds_the_moderation_urls():
    assert {"iqa_dashboard", "iqa_reassign"} <= {p.name for _, p in ROUTES}


def test_no_moderation_page_is_open_to_learners_by_its_rule():
    assert not [p.name for _, p in ROUTES if Role.LEARNER in rule_roles(p)]


@pytest.mark.parametrize("who", ["learner", "second_learner", "other_centre_learner"])
def test_learners_are_refused_every_moderation_url(world, personas, who):
    client = client_for(getattr(personas, who))
    wrong = [f"{method.upper()} {world.url(route)}: {status}" for route, _ in ROUTES for method in ("get", "post")
             if (status := getattr(client, method)(world.url(route)).status_code) not in (403, 404)]
    assert not wrong


def test_other_centres_staff_never_reach_this_centres_objects(world, personas):
    """One person holding every staff role in the other centre passes every role rule: the object helpers must
    still answer 404 for this centre's objects."""
    stranger = staff(personas.other_centre, Role.MODERATOR)
    for role in (Role.ASSESSOR, Role.CENTRE_ADMIN, Role.EXTERNAL_MODERATOR):
        MembershipFactory(user=stranger, centre=personas.other_centre, role=role)
    client = client_for(stranger)
    events = AuditEvent.objects.filter(centre_id=personas.centre.pk).count()
    wrong = [f"{method.upper()} {world.url(route)}: {status}" for route, _ in ROUTES if "<" in route
             for method in ("get", "post")
             if (status := getattr(client, method)(world.url(route)).status_code) not in (403, 404, 405)]
    assert not wrong
    assert AuditEvent.objects.filter(centre_id=personas.centre.pk).count() == events


def test_the_centre_admin_may_post_only_reassignment_and_second_signing(world, personas):
    """From the decorators: every act the admin's role passes is one of ADMIN_ACTS (or, for EQA, EQA_ADMIN_ACTS or
    a form); an empty POST to any other moderation URL is refused (403; 405 for read-only pages) or only shows the
    page (200, or 400 with the form's errors), and records nothing."""
    admin_may = {p.name for _, p in ROUTES if Role.CENTRE_ADMIN in rule_roles(p)}
    client = client_for(personas.admin)
    wrong = []
    for route, pattern in ROUTES:
        if pattern.name in ADMIN_ACTS | EQA_ADMIN_ACTS:
            continue
        before = AuditEvent.objects.count()
        status = client.post(world.url(route)).status_code
        shows_or_refuses = (200, 400, 403, 404, 405, 302) if pattern.name in EQA_ADMIN_REDIRECTS else (
            200, 400, 403, 404, 405)
        if status not in shows_or_refuses or AuditEvent.objects.count() != before:
            wrong.append(f"{pattern.name}: POST answered {status}")
        if pattern.name not in admin_may and status != 403:
            wrong.append(f"{pattern.name}: the admin's role is not in its rule, yet POST answered {status}")
    assert not wrong, "\n".join(wrong)
    assert ADMIN_ACTS | EQA_ADMIN_ACTS <= admin_may  # the acts the admin does have are reachable by their rule


def test_an_external_moderator_of_another_centre_never_reaches_this_centres_objects(world, personas):
    """Under a grant of their own centre, every GET and POST to this centre's objects is refused; what is refused
    is recorded against their grant, in their centre, never in this one."""
    stranger = staff(personas.other_centre, Role.EXTERNAL_MODERATOR)
    other_admin = staff(personas.other_centre, Role.CENTRE_ADMIN)
    eqa_grant_create(centre=personas.other_centre, actor=other_admin, email=stranger.email, scope="centre",
                     starts_at=timezone.now() - datetime.timedelta(minutes=1),
                     expires_at=timezone.now() + datetime.timedelta(days=14))
    client = client_for(stranger)
    events = AuditEvent.objects.filter(centre_id=personas.centre.pk).count()
    wrong = [f"{method.upper()} {world.url(route)}: {status}" for route, _ in ROUTES if "<" in route
             for method in ("get", "post")
             if (status := getattr(client, method)(world.url(route)).status_code) not in (403, 404, 405)]
    assert not wrong
    assert AuditEvent.objects.filter(centre_id=personas.centre.pk).count() == events


def test_an_external_moderator_without_a_grant_gets_404_from_every_moderation_url(world, personas):
    """Without a grant the centre does not exist for them: no refusal (403) that would tell them otherwise."""
    grantless = staff(personas.centre, Role.EXTERNAL_MODERATOR)
    client = client_for(grantless)
    wrong = [f"{method.upper()} {world.url(route)}: {status}" for route, _ in ROUTES for method in ("get", "post")
             if (status := getattr(client, method)(world.url(route)).status_code) != 404]
    assert not wrong, "\n".join(wrong)


def test_an_external_moderator_under_a_grant_posts_only_to_their_own_eqa_pages(world, personas):
    """Every POST outside `eqa_mine_...` is refused by the middleware (403) and changes nothing but the record of
    the refusal; pages whose rule lacks their role answer 403 to a GET (they know of the centre now)."""
    client = client_for(personas.external_moderator)
    wrong = []
    for route, pattern in ROUTES:
        url = world.url(route)
        if Role.EXTERNAL_MODERATOR not in rule_roles(pattern) and (status := client.get(url).status_code) != 403:
            wrong.append(f"GET {pattern.name}: the EQA's role is not in its rule, yet it answered {status}")
        if pattern.name.startswith("eqa_mine_"):
            assert client.post(url).content != READ_ONLY_ANSWER, pattern.name  # their own: the view decides
            continue
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.post(url)
        made = list(AuditEvent.objects.exclude(pk__in=before).values_list("action", flat=True))
        if response.status_code != 403 or response.content != READ_ONLY_ANSWER or made != ["eqa.refused"]:
            wrong.append(f"POST {pattern.name}: {response.status_code}, recorded {made}")
    assert not wrong, "\n".join(wrong)

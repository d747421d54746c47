"""Every moderation URL, walked from `moderation.urls`: learners get none of it, other centres' staff never reach
this centre's objects, and the centre admin can act (POST) only where the role rules let them: reassigning plan
items and second-signing an overturned decision. Everything else is read-only for them."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver

from audit.models import AuditEvent
from centres.models import Role
from moderation import urls as moderation_urls
from moderation.models import CoMarkingExercise, MeetingFile, StandardisationMeeting
from portfolios.evidence.services import evidence_create
from tests.conftest import client_for
from tests.factories import MembershipFactory, staff

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
    """From the decorators: every act the admin's role passes is one of ADMIN_ACTS; an empty POST to any other
    moderation URL is refused (403; 405 for read-only pages) or only shows the page (200), and records nothing."""
    admin_may = {p.name for _, p in ROUTES if Role.CENTRE_ADMIN in rule_roles(p)}
    client = client_for(personas.admin)
    wrong = []
    for route, pattern in ROUTES:
        if pattern.name in ADMIN_ACTS:
            continue
        before = AuditEvent.objects.count()
        status = client.post(world.url(route)).status_code
        if status not in (200, 403, 404, 405) or AuditEvent.objects.count() != before:
            wrong.append(f"{pattern.name}: POST answered {status}")
        if pattern.name not in admin_may and status != 403:
            wrong.append(f"{pattern.name}: the admin's role is not in its rule, yet POST answered {status}")
    assert not wrong, "\n".join(wrong)
    assert ADMIN_ACTS <= admin_may  # the two acts the admin does have are reachable by their rule

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from moderation.models import SamplingPlan
from tests.moderation.plan_world import PlanWorld

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("sampling_plan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def world(personas):
    return PlanWorld(personas, assessors=2, learners_each=2, units=2)


def test_printing_without_a_plan_changes_nothing_and_says_how(world):
    with pytest.raises(CommandError, match="--generate"):
        run("--centre", world.centre.slug, "--qualification", "IQA", "--cycle", "2026")
    assert not SamplingPlan.objects.exists()


def test_generate_makes_the_plan_as_the_system_and_prints_it(world):
    out = run("--centre", world.centre.slug, "--qualification", "IQA", "--cycle", "2026", "--generate")
    plan = SamplingPlan.objects.get()
    assert plan.generated_by is None and f"seed {plan.seed}" in out and "coverage: assessor=" in out
    assert AuditEvent.objects.get(action="iqa.plan_generated").actor is None


def test_json_is_stable_across_two_runs_and_two_regenerations(world):
    args = ("--centre", world.centre.slug, "--qualification", "IQA", "--cycle", "2026", "--json")
    first = run(*args, "--generate")
    assert first == run(*args)
    second = run(*args, "--generate")
    document, again = json.loads(first), json.loads(second)
    assert document["items"] == again["items"] and again["plan"]["number"] == 2
    assert list(document) == sorted(document) and list(document["items"][0]) == sorted(document["items"][0])


def test_an_unknown_centre_or_qualification_is_refused(world):
    with pytest.raises(CommandError, match="No centre"):
        run("--centre", "nowhere", "--qualification", "IQA")
    with pytest.raises(CommandError, match="no approved sampling strategy"):
        run("--centre", world.centre.slug, "--qualification", "NOPE")

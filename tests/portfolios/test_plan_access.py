"""Who reaches the plan pages: nobody outside the enrolment; the learner reads and signs but does not edit."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portfolios.models import AssessmentPlan, Method
from portfolios.plans.services import plan_attach_document, plan_item_add, plan_start
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

OUTSIDERS = ["second_learner", "second_assessor", "other_centre_assessor", "other_centre_learner", "outsider"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))


def _add_item(plan, actor, unit):
    return plan_item_add(plan=plan, actor=actor, revision=plan.revision, units=[unit],
                         criteria=list(unit.criteria.all()[:2]), method=Method.QUESTIONING,
                         target_date=timezone.localdate() + datetime.timedelta(days=20))


@pytest.fixture
def plan(personas, enrolment) -> AssessmentPlan:
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    _add_item(plan, personas.assessor, enrolment.units.first())
    return plan_attach_document(plan=plan, upload=SimpleUploadedFile("p.pdf", b"%PDF-1.4\n%%EOF"),
                                actor=personas.assessor, revision=plan.revision)


def _urls(enrolment, plan) -> dict[str, str]:
    item = plan.items.first()
    e, n = enrolment.pk, plan.number
    return {
        "plan_detail": reverse("plan_detail", args=[e]),
        "plan_start": reverse("plan_start", args=[e]),
        "plan_versions": reverse("plan_versions", args=[e]),
        "plan_version": reverse("plan_version", args=[e, n]),
        "plan_item_add": reverse("plan_item_add", args=[e, n]),
        "plan_item_edit": reverse("plan_item_edit", args=[e, item.pk]),
        "plan_item_delete": reverse("plan_item_delete", args=[e, item.pk]),
        "plan_notes": reverse("plan_notes", args=[e, n]),
        "plan_document_upload": reverse("plan_document_upload", args=[e, n]),
        "plan_document_download": reverse("plan_document_download", args=[e, n]),
        "plan_sign": reverse("plan_sign", args=[e, n]),
    }


STAFF_ONLY = ["plan_start", "plan_item_add", "plan_item_edit", "plan_item_delete", "plan_notes", "plan_document_upload"]


def test_every_plan_url_is_covered_here(enrolment, plan):
    from portfolios.plans import urls as plan_urls

    # "Plans to sign" lists the assessor's own drafts across enrolments: tests/test_home_numbers.py covers it.
    assert {p.name for p in plan_urls.urlpatterns} - {"plans_to_sign"} == set(_urls(enrolment, plan))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_outside_the_enrolment_finds_any_plan_page(personas, enrolment, plan, who):
    client = client_for(getattr(personas, who))
    data = {"revision": plan.revision, "typed_name": getattr(personas, who).get_full_name(), "notes": "x",
            "units": [enrolment.units.first().pk], "method": "observation", "target_date": "2030-01-01"}
    for name, url in _urls(enrolment, plan).items():
        assert client.get(url).status_code in (404, 405), (who, name, "get")
        assert client.post(url, data).status_code == 404, (who, name, "post")
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.items.count() == 1 and plan.notes == ""
    assert enrolment.plans.count() == 1


@pytest.mark.parametrize("who", ["learner", "moderator", "external_moderator"])
def test_the_learner_and_moderators_get_403_from_the_staff_actions(personas, enrolment, plan, who):
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the plan, and may not change it
    client = client_for(getattr(personas, who))
    urls = _urls(enrolment, plan)
    for name in STAFF_ONLY:
        assert client.post(urls[name], {"revision": plan.revision, "notes": "mine"}).status_code == 403, name
        if name not in ("plan_start", "plan_item_delete"):
            assert client.get(urls[name]).status_code == 403, name
    plan.refresh_from_db()
    assert plan.notes == "" and plan.items.count() == 1 and enrolment.plans.count() == 1


@pytest.mark.parametrize("who", ["learner", "assessor", "admin", "moderator", "external_moderator"])
def test_everyone_with_the_enrolment_reads_the_plan_and_its_versions(personas, enrolment, plan, who):
    if who == "external_moderator":
        make_grant(personas)  # an external moderator reads the centre only under a grant
    client = client_for(getattr(personas, who))
    page = client.get(reverse("plan_detail", args=[enrolment.pk]))
    assert page.status_code == 200 and "Questioning" in page.content.decode()
    assert client.get(reverse("plan_versions", args=[enrolment.pk])).status_code == 200
    # The current version's own address shows the current plan page.
    assert client.get(reverse("plan_version", args=[enrolment.pk, 1])).url == reverse("plan_detail",
                                                                                       args=[enrolment.pk])


def test_an_external_moderator_without_a_grant_gets_404_from_every_plan_page(personas, enrolment, plan):
    client = client_for(personas.external_moderator)
    data = {"revision": plan.revision, "typed_name": personas.external_moderator.get_full_name(), "notes": "x",
            "units": [enrolment.units.first().pk], "method": "observation", "target_date": "2030-01-01"}
    for name, url in _urls(enrolment, plan).items():
        post_only = name in ("plan_start", "plan_item_delete", "plan_sign")
        assert client.get(url).status_code == (405 if post_only else 404), (name, "get")
        assert client.post(url, data).status_code == 404, (name, "post")
    plan.refresh_from_db()
    assert plan.notes == "" and plan.items.count() == 1 and enrolment.plans.count() == 1


def test_the_learner_sees_no_edit_controls(personas, enrolment, plan):
    html = client_for(personas.learner).get(reverse("plan_detail", args=[enrolment.pk])).content.decode()
    assert "Add an item" not in html and "Edit the notes" not in html and "Attach a document" not in html
    assert "Replace the document" not in html


def test_an_item_of_another_enrolment_is_not_found_through_this_one(personas, enrolment, plan):
    other = make_enrolment(personas.second_learner, personas.assessor, make_spec(personas.centre, code="CARE"))
    other_plan = plan_start(enrolment=other, actor=personas.assessor)
    other_item = _add_item(other_plan, personas.assessor, other.units.first())
    client = client_for(personas.assessor)
    assert client.get(reverse("plan_item_edit", args=[enrolment.pk, other_item.pk])).status_code == 404
    assert client.post(reverse("plan_item_delete", args=[enrolment.pk, other_item.pk]),
                       {"revision": other_plan.revision}).status_code == 404
    assert client.get(reverse("plan_version", args=[enrolment.pk, 7])).status_code == 404


def test_the_plan_page_query_count_does_not_grow_with_the_items(personas, enrolment, plan,
                                                                django_assert_max_num_queries):
    client = client_for(personas.learner)
    url = reverse("plan_detail", args=[enrolment.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as one_item:
        client.get(url)
    counted = len(one_item.captured_queries)  # now: the next request empties the connection's query log
    units = list(enrolment.units.all())
    plan = AssessmentPlan.objects.get(pk=plan.pk)
    for unit in units * 3:
        _add_item(plan, personas.assessor, unit)
        plan.refresh_from_db()
    client.get(url)  # warm the cache again after the writes, like the first measurement
    with django_assert_max_num_queries(counted):
        client.get(url)

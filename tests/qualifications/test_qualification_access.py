"""Who may reach which qualification page: staff of the centre read, its admins change, nobody else sees a thing."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Role
from portfolios.models import Enrolment
from qualifications import urls
from qualifications.interchange import spec_import
from qualifications.models import QualificationVersion
from tests.conftest import client_for
from tests.factories import staff
from tests.moderation.external.factories import make_grant

from .specs import import_spec, make_spec, tree_of

pytestmark = pytest.mark.django_db

READ_ONLY = {"qualification_list", "qualification_version", "qualification_export_json",
             "qualification_export_csv"}
WRITE = {p.name for p in urls.urlpatterns} - READ_ONLY
EQA_ACCESS_RECORDS = ("eqa.viewed", "eqa.file_downloaded", "eqa.refused")  # the middleware's record of an EQA's visit


def _urls(version: QualificationVersion) -> dict[str, str]:
    """Every qualification URL, each pointing at an object of `version`."""
    unit = version.units.first()
    outcome = unit.outcomes.first()
    ids = {"versions": version.pk, "units": unit.pk, "outcomes": outcome.pk, "criteria": outcome.criteria.first().pk}
    found = {}
    for pattern in urls.urlpatterns:
        route = str(pattern.pattern)
        args = [ids[route.split("/")[0]]] if "<int:pk>" in route else []
        found[pattern.name] = reverse(pattern.name, args=args)
    return found


def _object_urls(version: QualificationVersion) -> dict[str, str]:
    with_id = {p.name for p in urls.urlpatterns if "<int:pk>" in str(p.pattern)}
    return {name: url for name, url in _urls(version).items() if name in with_id}


def _enrol_without_freezing(personas, version: QualificationVersion) -> Enrolment:
    """An enrolment on `version` (what puts it in a grant's scope), leaving the version as editable as it was, so
    that the pages still offer their controls to those who may use them."""
    today = timezone.localdate()
    return Enrolment.objects.create(centre=personas.centre, learner=personas.learner, assessor=personas.assessor,
                                    version=version, start_date=today,
                                    planned_end_date=today + datetime.timedelta(days=365))


def _snapshot(version) -> tuple:
    version.refresh_from_db()
    return tree_of(version), version.revision, version.status, QualificationVersion.objects.count()


def test_the_list_covers_every_url_of_the_app(personas):
    assert len(_urls(import_spec(personas))) == len(urls.urlpatterns) == 22


def test_every_view_declares_its_rule_and_anonymous_visitors_are_sent_to_sign_in(personas, client):
    version = import_spec(personas)
    for pattern in urls.urlpatterns:
        assert pattern.callback.leap_access.startswith("roles:"), pattern.name
    for name, url in _urls(version).items():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), (name, method)


def test_another_centres_admin_gets_404_for_every_object_and_changes_nothing(personas):
    version = import_spec(personas)
    client = client_for(staff(personas.other_centre, Role.CENTRE_ADMIN))
    before = _snapshot(version)
    for name, url in _object_urls(version).items():
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"revision": version.revision, "direction": "up",
                                                     "text": "x", "code": "X", "title": "X"})
            if method == "get" and response.status_code == 405:
                continue  # a POST-only action: refused before any object is looked up
            assert response.status_code == 404, (name, method, response.status_code)
    assert _snapshot(version) == before


def test_another_centres_assessor_gets_404_for_what_they_could_read_and_403_for_the_rest(personas):
    version = import_spec(personas)
    client = client_for(personas.other_centre_assessor)
    for name, url in _object_urls(version).items():
        for method in ("get", "post"):
            status = getattr(client, method)(url, {"revision": version.revision}).status_code
            assert status == (404 if name in READ_ONLY else 403), (name, method, status)


@pytest.mark.parametrize("who", ["learner", "outsider"])
def test_learners_and_outsiders_get_403_for_every_page(personas, who):
    version = import_spec(personas)
    client = client_for(getattr(personas, who))
    for name, url in _urls(version).items():
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"revision": version.revision})
            assert response.status_code == 403, (name, method, response.status_code)
    assert _snapshot(version)[1] == version.revision


@pytest.mark.parametrize("who", ["assessor", "moderator", "external_moderator"])
def test_readers_view_and_export_but_cannot_change_anything(personas, who):
    version = import_spec(personas)
    if who == "external_moderator":  # they read a qualification with an enrolment in their grant's scope
        _enrol_without_freezing(personas, version)
        make_grant(personas)
    client = client_for(getattr(personas, who))
    before = _snapshot(version)
    events = AuditEvent.objects.exclude(action__in=EQA_ACCESS_RECORDS).count()
    all_urls = _urls(version)
    for name in READ_ONLY:
        assert client.get(all_urls[name]).status_code == 200, name
    for name in WRITE:
        for method in ("get", "post"):
            response = getattr(client, method)(all_urls[name], {"revision": version.revision, "direction": "down",
                                                                "text": "x", "code": "X", "title": "X"})
            assert response.status_code == 403, (name, method, response.status_code)
    assert _snapshot(version) == before and AuditEvent.objects.exclude(action__in=EQA_ACCESS_RECORDS).count() == events
    page = client.get(all_urls["qualification_version"]).content.decode()
    assert "CATER-L2" in page and "Criterion 1.1.1" in page
    for control in ("Edit details", "Add a unit", "Move<span", "Publish", "Start a new version"):
        assert control not in page, control


def test_an_external_moderator_without_a_grant_gets_404_for_every_page(personas):
    version = import_spec(personas)
    _enrol_without_freezing(personas, version)
    client = client_for(personas.external_moderator)
    before = _snapshot(version)
    for name, url in _urls(version).items():
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"revision": version.revision, "direction": "down",
                                                     "text": "x", "code": "X", "title": "X"})
            assert response.status_code == 404, (name, method, response.status_code)
    assert _snapshot(version) == before


def test_the_list_shows_only_this_centres_qualifications_with_counts(personas):
    import_spec(personas, units=3)
    spec = make_spec(code="SOUTH-1")
    spec_import(centre=personas.other_centre, raw=json.dumps(spec).encode(), filename="s.json",
                actor=staff(personas.other_centre, Role.CENTRE_ADMIN))
    response = client_for(personas.assessor).get(reverse("qualification_list"))
    versions = list(response.context["versions"])
    assert [(v.qualification.code, v.unit_count, v.enrolment_count) for v in versions] == [("CATER-L2", 3, 0)]
    assert "SOUTH-1" not in response.content.decode()
    assert "New qualification" not in response.content.decode()  # readers are not offered it

"""Publishing checks the whole version and names every problem; only a draft is published."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from centres.services import ServiceError
from qualifications import services
from qualifications.models import QualificationVersion

from .specs import import_spec

pytestmark = pytest.mark.django_db


def _fresh(version) -> QualificationVersion:
    return QualificationVersion.objects.select_related("qualification__centre").get(pk=version.pk)


def _publish(version, actor):
    version = _fresh(version)
    return services.version_publish(version=version, revision=version.revision, actor=actor)


def test_an_empty_draft_needs_a_unit(personas):
    version = services.qualification_create(centre=personas.centre, code="EMPTY", kind="short_course",
                                            title="Empty", actor=personas.admin)
    with pytest.raises(services.PublishError) as refused:
        _publish(version, personas.admin)
    assert refused.value.problems == ["Add at least one unit."]


def test_every_problem_is_named_at_once_and_nothing_is_published(personas):
    version = services.qualification_create(centre=personas.centre, code="Q", kind="qualification", title="Q",
                                            minimum_credits=100, actor=personas.admin)
    add = {"actor": personas.admin}
    for code, credits, mandatory in [("A", 30, True), ("B", 20, True), ("C", 10, False)]:
        services.unit_add(version=_fresh(version), revision=_fresh(version).revision, code=code, title=code,
                          credits=credits, mandatory=mandatory, **add)
    unit_a = version.units.get(code="A")
    services.outcome_add(unit=unit_a, revision=_fresh(version).revision, text="First", **add)
    services.outcome_add(unit=unit_a, revision=_fresh(version).revision, text="Second", **add)
    services.criterion_add(outcome=unit_a.outcomes.get(number="1"), revision=_fresh(version).revision, text="c",
                           **add)
    with pytest.raises(services.PublishError) as refused:
        _publish(version, personas.admin)
    assert refused.value.problems == [
        "Unit A, learning outcome 2 has no assessment criteria.",
        "Unit B has no learning outcomes.",
        "Unit C has no learning outcomes.",
        "The minimum of 100 credits is more than all the units together (60).",
    ]
    assert _fresh(version).status == "draft"

    services.version_update(version=_fresh(version), revision=_fresh(version).revision, minimum_credits=40, **add)
    with pytest.raises(services.PublishError) as refused:
        _publish(version, personas.admin)
    assert refused.value.problems[-1] == "The mandatory units add up to 50 credits, more than the minimum of 40."


def test_a_complete_draft_is_published_once_and_audited(personas):
    version = import_spec(personas)
    published = _publish(version, personas.admin)
    assert published.status == "published" and _fresh(version).status == "published"
    assert AuditEvent.objects.filter(action="qualification.version_published").count() == 1
    with pytest.raises(ServiceError, match="Only a draft can be published."):
        _publish(version, personas.admin)


def test_a_published_version_can_still_be_corrected_until_someone_is_enrolled(personas):
    version = _publish(import_spec(personas), personas.admin)
    services.version_update(version=version, revision=version.revision, actor=personas.admin, title="Corrected")
    assert _fresh(version).title == "Corrected"


def test_only_a_centre_admin_publishes(personas):
    version = import_spec(personas)
    for who in (personas.assessor, personas.moderator, personas.learner, personas.outsider):
        with pytest.raises(PermissionDenied):
            _publish(version, who)
    assert _fresh(version).status == "draft"

"""Journey: a centre admin sets up a qualification in the browser, from nothing to published."""

import pytest
from django.urls import reverse

from qualifications.models import AssessmentCriterion, LearningOutcome, QualificationVersion, Unit
from tests.conftest import client_for

from .specs import tree_of

pytestmark = pytest.mark.django_db


class Editor:
    """The admin's browser on one version: each action posts the revision the page was rendered with."""

    def __init__(self, client, version: QualificationVersion):
        self.client, self.version = client, version

    def revision(self) -> int:
        page = self.client.get(reverse("qualification_version", args=[self.version.pk]))
        assert page.status_code == 200
        return page.context["version"].revision

    def post(self, name: str, pk: int, **data):
        response = self.client.post(reverse(name, args=[pk]), {"revision": self.revision(), **data})
        assert response.status_code == 302, response.content.decode()[:2000]
        return response

    def messages(self, response) -> list[str]:
        return [str(m) for m in self.client.get(response.url).context["messages"]]


def test_an_admin_creates_a_qualification_in_the_browser_and_publishes_it(personas):
    client = client_for(personas.admin)
    assert client.get(reverse("qualification_create")).status_code == 200
    response = client.post(reverse("qualification_create"), {
        "code": "BAKE-L2", "kind": "qualification", "title": "Level 2 Certificate in Artisan Baking",
        "awarding_body": "Northern Vocational Awards", "level": "2", "framework": "RQF", "total_credits": 12,
        "guided_learning_hours": 80, "minimum_credits": 12})
    version = QualificationVersion.objects.get(qualification__code="BAKE-L2", qualification__centre=personas.centre)
    assert response.status_code == 302 and response.url == reverse("qualification_version", args=[version.pk])
    assert (version.number, version.status) == (1, "draft")
    editor = Editor(client, version)

    unit_form = {"level": "2", "guided_learning_hours": 40, "mandatory": "True"}
    editor.post("qualification_unit_add", version.pk, code="BK1", title="Bread", credits=6, **unit_form)
    editor.post("qualification_unit_add", version.pk, code="BK2", title="Pastry", credits=6, **unit_form)
    bread, pastry = Unit.objects.get(code="BK1"), Unit.objects.get(code="BK2")

    response = editor.post("qualification_outcome_add", bread.pk, text="Prepare dough", another="1")
    assert response.url == reverse("qualification_outcome_add", args=[bread.pk])  # "add another" stays on the form
    editor.post("qualification_outcome_add", bread.pk, text="Bake and finish bread")
    dough, bake = LearningOutcome.objects.filter(unit=bread).order_by("position")
    for text in ["Weigh ingredients", "Knead to window pane"]:
        editor.post("qualification_criterion_add", dough.pk, text=text)
    for text in ["Shape loaves", "Score and bake", "Cool and store"]:
        editor.post("qualification_criterion_add", bake.pk, text=text)

    # Publishing too early names what is missing, and publishes nothing.
    response = editor.post("qualification_version_publish", version.pk)
    assert "Unit BK2 has no learning outcomes." in editor.messages(response)
    version.refresh_from_db()
    assert version.status == "draft"

    editor.post("qualification_outcome_move", bake.pk, direction="up")
    cool = AssessmentCriterion.objects.get(text="Cool and store")
    editor.post("qualification_criterion_move", cool.pk, direction="up")
    editor.post("qualification_outcome_add", pastry.pk, text="Make laminated pastry")
    editor.post("qualification_criterion_add", LearningOutcome.objects.get(unit=pastry).pk, text="Laminate butter")
    editor.post("qualification_unit_move", pastry.pk, direction="up")

    assert tree_of(version) == [
        ("BK2", [("1", "Make laminated pastry", [("1.1", "Laminate butter")])]),
        ("BK1", [("1", "Bake and finish bread", [("1.1", "Shape loaves"), ("1.2", "Cool and store"),
                                                 ("1.3", "Score and bake")]),
                 ("2", "Prepare dough", [("2.1", "Weigh ingredients"), ("2.2", "Knead to window pane")])]),
    ]
    criteria = list(AssessmentCriterion.objects.filter(outcome__unit=bread).order_by("position"))
    assert [c.position for c in criteria] == [1, 2, 3, 4, 5]
    assert [c.number for c in criteria] == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert all(c.unit_id == bread.pk for c in criteria)

    response = editor.post("qualification_version_publish", version.pk)
    assert editor.messages(response) == ["Version 1 is published: learners can now be enrolled on it."]
    version.refresh_from_db()
    assert version.status == "published"
    page = client.get(reverse("qualification_list")).content.decode()
    assert "BAKE-L2" in page and "Published" in page


def test_the_editor_labels_every_control_for_screen_readers(personas):
    client = client_for(personas.admin)
    client.post(reverse("qualification_create"), {
        "code": "Q1", "kind": "short_course", "title": "First aid", "total_credits": 0,
        "guided_learning_hours": 6, "minimum_credits": 0})
    version = QualificationVersion.objects.get(qualification__code="Q1")
    editor = Editor(client, version)
    editor.post("qualification_unit_add", version.pk, code="FA1", title="Basics", credits=0,
                guided_learning_hours=3, mandatory="False")
    editor.post("qualification_unit_add", version.pk, code="FA2", title="CPR", credits=0,
                guided_learning_hours=3, mandatory="True")
    page = client.get(reverse("qualification_version", args=[version.pk])).content.decode()
    assert 'Move<span class="visually-hidden"> unit FA2</span> up' in page
    assert 'Move<span class="visually-hidden"> unit FA1</span> down' in page
    assert 'Delete<span class="visually-hidden"> unit FA1</span>' in page
    assert "Optional" in page and "Mandatory" in page
    assert 'name="viewport"' in page  # the phone layout of base.html


def test_a_deletion_asks_first_and_then_renumbers(personas):
    client = client_for(personas.admin)
    client.post(reverse("qualification_create"), {
        "code": "Q2", "kind": "qualification", "title": "Housekeeping", "total_credits": 0,
        "guided_learning_hours": 0, "minimum_credits": 0})
    version = QualificationVersion.objects.get(qualification__code="Q2")
    editor = Editor(client, version)
    editor.post("qualification_unit_add", version.pk, code="HK1", title="Rooms", credits=0,
                guided_learning_hours=0, mandatory="True")
    unit = Unit.objects.get(code="HK1")
    for text in ["Clean", "Inspect"]:
        editor.post("qualification_outcome_add", unit.pk, text=text)
    clean = LearningOutcome.objects.get(text="Clean")
    confirm = client.get(reverse("qualification_outcome_delete", args=[clean.pk]))
    assert confirm.status_code == 200 and "Delete learning outcome 1 of unit HK1?" in confirm.content.decode()
    assert LearningOutcome.objects.filter(pk=clean.pk).exists()
    editor.post("qualification_outcome_delete", clean.pk)
    assert tree_of(version) == [("HK1", [("1", "Inspect", [])])]

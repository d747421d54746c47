"""Staff tables become cards on a phone (`stack`, a label on every cell), and their statuses are words.

Each stacked table's body cells carry `data-label` (shown before the value on a phone), except the row's
primary cell (the learner, the evidence, the person: first and bold) and its actions (last). A table that must
scroll sideways sits in a labelled region the keyboard can reach. A status is the word with its colour and icon.
"""

import datetime
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.queue_selectors import FileKind
from centres.models import Invitation, Role
from portfolios import progress_counts
from portfolios.models import AchievedCriterion, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.assessment.test_queue import submitted
from tests.badges.test_public_award import make_badge_class
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

UNLABELLED = {"primary", "actions-cell"}  # the cells a card shows without a label


@dataclass
class Cell:
    classes: set[str]
    label: str | None
    colspan: bool


@dataclass
class Table:
    classes: set[str]
    wrap: dict[str, str]
    rows: list[list[Cell]] = field(default_factory=list)


class TableParser(HTMLParser):
    """The tables of a page, with their wrapping box's attributes and each body row's cells."""

    def __init__(self):
        super().__init__()
        self.tables: list[Table] = []
        self._div: dict[str, str] = {}
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "div":
            self._div = attrs
        elif tag == "table":
            self.tables.append(Table(set(attrs.get("class", "").split()), self._div))
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self.tables[-1].rows[-1].append(Cell(set(attrs.get("class", "").split()) | ({"primary"} if tag == "th"
                                                                                        else set()),
                                                 attrs.get("data-label"), "colspan" in attrs))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False


def tables_of(client, url: str) -> list[Table]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser.tables


def assert_stacked(table: Table) -> None:
    """Cards: one primary cell (shown first and bold), a label on every other cell, actions (if any) last."""
    assert "stack" in table.classes
    assert table.rows, "the table has no rows to check"
    for cells in table.rows:
        if len(cells) == 1 and cells[0].colspan:  # "nothing here" row
            continue
        assert [cell for cell in cells if "primary" in cell.classes][:1], cells
        for cell in cells:
            assert cell.label or cell.classes & UNLABELLED, cells
        assert all("actions-cell" not in cell.classes for cell in cells[:-1])


@pytest.fixture
def version(personas):
    return make_spec(personas.centre, code="HOSP", units=2, outcomes=1, criteria=2)


def test_queue_rows_are_cards_with_waiting_and_overdue_in_words_and_file_type_icons(personas, version):
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    submitted(enrolment, "Fresh photo", days_ago=0.5, files=2)
    old = submitted(enrolment, "Old recording", days_ago=30)
    EvidenceFile.objects.create(evidence=old, file="evidence/x.m4a", original_name="voice.m4a", extension=".m4a",
                                kind="audio", content_type="audio/mp4", size=10, sha256="1" * 64)
    client = client_for(personas.assessor)
    [table] = tables_of(client, reverse("assessment_queue"))
    assert_stacked(table)
    page = client.get(reverse("assessment_queue")).content.decode()
    assert 'status-kind-overdue"' in page and ">Overdue</span>" in page
    assert 'status-kind-waiting"' in page and ">Waiting</span>" in page
    assert "icon-file-image" in page and "2 photos" in page
    assert "icon-file-audio" in page and "1 recording" in page
    assert "Waited: the time since the learner submitted the item." in page


def test_file_kinds_count_each_kind_in_words():
    assert FileKind("image", 1, "image/jpeg").text == "1 photo"
    assert FileKind("video", 3, "video/mp4").text == "3 videos"
    assert FileKind("unknown", 2, "application/octet-stream").text == "2 files"


def test_caseload_says_behind_schedule_in_words_and_states_its_formulas(personas, version):
    today = timezone.localdate()
    behind = make_enrolment(personas.learner, personas.assessor, version,
                            start=today - datetime.timedelta(days=50), end=today + datetime.timedelta(days=50))
    past_end = make_enrolment(personas.second_learner, personas.assessor, version,
                              start=today - datetime.timedelta(days=100), end=today - datetime.timedelta(days=3))
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=past_end, criterion=c, unit_id=c.unit_id)
                                          for c in AssessmentCriterion.objects.filter(unit__version=version))
    progress_counts.refresh([past_end.pk])
    client = client_for(personas.assessor)
    [table] = tables_of(client, reverse("caseload"))
    assert_stacked(table)
    page = client.get(reverse("caseload")).content.decode()
    assert page.count('status-kind-behind"') == 1 and ">Behind schedule</span>" in page
    assert page.count('status-kind-in_progress"') == 2  # both are active: the word, not a colour
    assert "3 days past the planned end" in page
    assert "Progress: criteria met ÷ criteria of the chosen units." in page
    assert "more than 10 points above progress" in page
    assert behind.pk


def test_staff_page_tables_are_cards_with_invitation_statuses_in_words(personas):
    Invitation.objects.create(centre=personas.centre, email="new@example.org", role=Role.ASSESSOR,
                              invited_by=personas.admin, token_hash="a" * 64,
                              expires_at=timezone.now() + datetime.timedelta(days=7))
    Invitation.objects.create(centre=personas.centre, email="late@example.org", role=Role.MODERATOR,
                              invited_by=personas.admin, token_hash="b" * 64,
                              expires_at=timezone.now() - datetime.timedelta(days=1))
    client = client_for(personas.admin)
    staff, invitations = tables_of(client, reverse("staff_list"))
    assert_stacked(staff)
    assert_stacked(invitations)
    page = client.get(reverse("staff_list")).content.decode()
    assert 'status-kind-waiting"' in page and ">Pending</span>" in page
    assert 'status-kind-overdue"' in page and ">Expired</span>" in page
    assert "Learners: the learners of the centre whose assessor they are now." in page


def test_learner_list_rows_are_cards(personas, version):
    [table] = tables_of(client_for(personas.admin), reverse("learner_list"))
    assert_stacked(table)


def test_workload_is_cards_on_a_phone_in_a_labelled_focusable_region(personas):
    [table] = tables_of(client_for(personas.admin), reverse("assessment_workload"))
    assert_stacked(table)
    assert table.wrap.get("tabindex") == "0" and table.wrap.get("role") == "region"
    assert table.wrap.get("aria-label") == "Assessor workload"


def test_badge_list_rows_are_cards(personas):
    make_badge_class(personas.centre)
    [table] = tables_of(client_for(personas.admin), reverse("badge_class_list"))
    assert_stacked(table)


def test_moderation_lists_are_cards_and_the_camera_matrix_scrolls_in_a_labelled_focusable_region(personas):
    from moderation.plans.services import sampling_plan_generate
    from tests.moderation.plan_world import PlanWorld

    world = PlanWorld(personas, assessors=2, learners_each=2, units=3)
    plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)
    client = client_for(personas.moderator)
    [plans] = tables_of(client, reverse("iqa_plan_list"))
    assert_stacked(plans)
    [queue] = tables_of(client, reverse("iqa_queue"))
    assert_stacked(queue)
    [items] = tables_of(client, reverse("iqa_plan_detail", args=[plan.pk]))
    assert_stacked(items)
    matrix = next(t for t in tables_of(client, reverse("iqa_plan_camera", args=[plan.pk]))
                  if "iqap-matrix" in t.classes)
    assert "stack" not in matrix.classes  # a matrix is read across: it scrolls instead
    assert matrix.wrap.get("tabindex") == "0" and matrix.wrap.get("role") == "region"
    assert matrix.wrap.get("aria-label", "").startswith("Assessors × units")

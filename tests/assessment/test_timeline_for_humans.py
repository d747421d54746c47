"""The audit trail as people read it: names rather than email addresses, words rather than codes (every code the
code base records has words), LEAP named for what it records by itself, a filter by kind of event; the CSV keeps
the codes; the page's queries do not grow with the events or the people in them."""

import ast
import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.pseudonyms import pseudonym
from audit.labels import EVENTS, KINDS, is_automatic
from audit.models import AuditEvent
from audit.services import audit_record
from badges.awards import tasks as award_tasks
from centres.services import learner_assessor_change
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .test_verify_seals import signed_off_unit

pytestmark = pytest.mark.django_db

SOURCE_SKIPPED = {".venv", "tests", "node_modules", "migrations", "var", "static", "templates"}
AUDIT_HELPERS = ("_audit", "_checklist_audit")  # each module's small wrapper around audit_record


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed(personas):
    return signed_off_unit(personas)


def _call_name(func) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _action_argument(call: ast.Call):
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    return call.args[0] if call.args and _call_name(call.func) != "audit_record" else None


def recorded_codes() -> set[str]:
    """Every event code the code base passes to `audit_record` or to a module's `_audit...` wrapper, read from the
    source: string literals, both sides of a conditional, a variable assigned literals in the same function, and
    a wrapper's f-string prefix (`f"qualification.{action}"`)."""
    found = set()
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*.py"):
        if SOURCE_SKIPPED & set(path.relative_to(root).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefixes = {}
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                for call in ast.walk(function):
                    if isinstance(call, ast.Call) and _call_name(call.func) == "audit_record":
                        argument = _action_argument(call)
                        if isinstance(argument, ast.JoinedStr):
                            prefixes[function.name] = "".join(
                                part.value for part in argument.values if isinstance(part, ast.Constant))
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.Module):
                continue
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                        and isinstance(node.value.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, set()).add(node.value.value)
            for call in ast.walk(scope):
                name = _call_name(call.func) if isinstance(call, ast.Call) else ""
                if name != "audit_record" and not name.startswith(AUDIT_HELPERS):
                    continue
                argument = _action_argument(call)
                prefix = prefixes.get(name, "")
                if isinstance(argument, ast.IfExp):
                    found |= {prefix + branch.value for branch in (argument.body, argument.orelse)
                              if isinstance(branch, ast.Constant)}
                elif isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(prefix + argument.value)
                elif isinstance(argument, ast.Name) and argument.id in assigned:
                    found |= assigned[argument.id]
    return found


def test_every_event_code_the_code_base_records_has_words_and_a_kind():
    codes = recorded_codes()
    # The reading of the source finds each way a code is written down.
    assert {"badge.awarded", "eqa.viewed", "qualification.unit_added", "eqa.checklist_item_deactivated",
            "plan.signed", "iqa.action_closed"} <= codes and len(codes) > 100
    assert sorted(codes - set(EVENTS)) == []  # a new code needs its words in audit/labels.py
    assert {entry.kind for entry in EVENTS.values()} <= set(KINDS)
    assert all(str(entry.label) and str(entry.label) != code for code, entry in EVENTS.items())


def test_the_trail_names_people_and_shows_words_not_codes(personas, signed):
    enrolment = signed[0].enrolment
    learner_assessor_change(membership=personas.learner.memberships.get(), assessor=personas.second_assessor,
                            actor=personas.admin)
    response = client_for(personas.moderator).get(reverse("timeline_learner", args=[enrolment.pk]))
    rows = response.context["timeline"].rows
    assert {r.who for r in rows} == {personas.learner.display_name, personas.assessor.display_name,
                                     personas.admin.display_name}
    changed = next(r for r in rows if r.action == "membership.assessor_changed")
    assert changed.what == "Assessor changed"
    assert personas.second_assessor.display_name in changed.details  # the data's emails read as names
    page = response.content.decode()
    for person in (personas.learner, personas.assessor, personas.admin, personas.second_assessor):
        assert person.email not in page
    assert "review.decided" not in page and "Assessment decision recorded" in page


def test_a_blind_grant_shows_the_learner_by_pseudonym_and_staff_by_name(personas, signed):
    enrolment = signed[0].enrolment
    grant = make_grant(personas, blind=True)
    response = client_for(personas.external_moderator).get(reverse("timeline_learner", args=[enrolment.pk]))
    who = {r.who for r in response.context["timeline"].rows}
    assert who == {pseudonym(grant.pseudonym_key, personas.learner.pk), personas.assessor.display_name}
    page = response.content.decode()
    assert personas.learner.email not in page and f"{personas.learner.first_name} {personas.learner.last_name}" \
        not in page


def test_what_a_celery_task_records_is_leaps_own_act_not_the_assessors(personas, signed):
    _, sign_off = signed
    award_tasks.award_unit_badge.apply(args=[sign_off.pk])  # as the worker runs it after the sign-off commits
    awarded = AuditEvent.objects.get(action="badge.awarded")
    assert awarded.actor_id == personas.assessor.pk  # what set it off stays recorded
    assert awarded.data["automatic"] == "badges.awards.tasks.award_unit_badge"
    enrolment = sign_off.enrolment_unit.enrolment
    response = client_for(personas.moderator).get(reverse("timeline_learner", args=[enrolment.pk]))
    row = next(r for r in response.context["timeline"].rows if r.action == "badge.awarded")
    assert (row.who, row.automatic, row.what) == ("LEAP (automatic)", True, "Badge awarded")
    assert "automatic" not in row.details
    signed_row = next(r for r in response.context["timeline"].rows if r.action == "unit.signed_off")
    assert signed_row.who == personas.assessor.display_name  # the sign-off itself is the assessor's


def test_events_nobody_acted_on_or_only_rules_record_are_automatic(personas):
    assert is_automatic("eqa.pack_built", {}, has_actor=False)
    assert is_automatic("enrolment.completed", {}, has_actor=True)  # recorded by the sign-off, never by hand
    assert is_automatic("badge.awarded", {"kind": "unit"}, has_actor=True)  # only rules award unit badges
    assert not is_automatic("badge.awarded", {"kind": "participation"}, has_actor=True)
    assert not is_automatic("review.decided", {}, has_actor=True)
    event = audit_record(action="review.decided", actor=personas.assessor, centre=personas.centre)
    assert "automatic" not in event.data  # outside a task nothing is added


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_trail_filters_by_kind_and_the_downloads_follow(personas, signed):
    enrolment = signed[0].enrolment
    url = reverse("timeline_learner", args=[enrolment.pk])
    client = client_for(personas.assessor)
    everything = client.get(url).context["timeline"]
    counts = {k.kind: k.count for k in everything.kinds}
    assert counts == {"evidence": 4, "decisions": 2, "sign_off": 1}
    response = client.get(url, {"kind": ["evidence", "sign_off"]})
    shown = response.context["timeline"]
    assert [r.kind for r in shown.rows] == ["evidence"] * 4 + ["sign_off"]
    assert shown.total == 7 and shown.filtered
    page = response.content.decode()
    assert "5 of 7 events, oldest first" in page and 'value="evidence" id="kind-evidence" checked' in page
    assert "?kind=evidence&amp;kind=sign_off&amp;format=csv" in page
    rows = _rows(client.get(url, {"kind": ["evidence", "sign_off"], "format": "csv"}))
    assert [r[5] for r in rows[1:]] == ["evidence.created", "evidence.file_uploaded", "evidence.file_uploaded",
                                        "evidence.submitted", "unit.signed_off"]
    unknown = client.get(url, {"kind": "no-such-kind"}).context["timeline"]  # bad input: nothing filtered
    assert len(unknown.rows) == 7 and not unknown.filtered


def test_the_csv_keeps_its_columns_and_adds_the_codes(personas, signed):
    _, sign_off = signed
    award_tasks.award_unit_badge.apply(args=[sign_off.pk])
    enrolment = sign_off.enrolment_unit.enrolment
    rows = _rows(client_for(personas.admin).get(reverse("timeline_learner", args=[enrolment.pk]), {"format": "csv"}))
    assert rows[0] == ["when", "who", "action", "object", "details", "code", "kind", "by"]
    by_code = {r[5]: r for r in rows[1:]}
    assert set(by_code) == set(AuditEvent.objects.about(enrolment).values_list("action", flat=True))
    decided = by_code["review.decided"]
    assert decided[1:3] == [personas.assessor.email, "Assessment decision recorded"]  # "who" as recorded
    assert decided[6:] == ["decisions", personas.assessor.display_name]
    awarded = by_code["badge.awarded"]
    assert awarded[1] == personas.assessor.email and awarded[7] == "LEAP (automatic)"


def test_the_page_reads_every_name_in_one_query_whatever_the_people_or_events(personas, signed):
    enrolment = signed[0].enrolment
    url = reverse("timeline_learner", args=[enrolment.pk])
    client = client_for(personas.moderator)
    client.get(url)

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    before = queries()
    for person in (personas.admin, personas.second_assessor, personas.moderator, personas.second_learner):
        audit_record(action="plan.notes_updated", actor=person, centre=personas.centre, subject=enrolment,
                     data={"learner": personas.second_learner.email, "assessor": person.email})
    assert queries() == before == queries(kind="plans")


def test_stored_values_in_the_details_read_as_words():
    from assessment.timeline import event_details

    assert event_details({"outcome": "disagree_act"}, {}) == "outcome: disagree, assessor to act"
    assert event_details({"status": "on_break"}, {}) == "status: on a break"
    assert event_details({"reason": "Moved to evening class"}, {}) == "reason: Moved to evening class"

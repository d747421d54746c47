"""Bulk awards from a CSV file: checked whole, every problem named by line, nobody awarded until it is clean."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from badges.awards.badge_classes import BadgeError, badge_class_create
from badges.awards.services import AwardCsvError, awards_csv_validate, awards_import_csv
from badges.models import Award, BadgeClass
from notifications.models import Notification
from tests.factories import UserFactory, learner
from tests.portfolios.factories import make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge(personas) -> BadgeClass:
    return badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.EVENT,
                              name="Skills fair 2026", description="Ran a stand at the skills fair.",
                              criteria_narrative="Plan and run a stand for a whole day.")


@pytest.fixture
def cohort(personas) -> list:
    return [learner(personas.centre, personas.assessor, email=f"fair{n:03}@example.org") for n in range(200)]


def csv_of(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["email,narrative,evidence_url"] + [",".join(f'"{v}"' for v in row) for row in rows]
    return "\n".join(lines).encode()


def test_one_bad_row_in_two_hundred_awards_nobody_and_names_the_line(personas, badge, cohort):
    rows = [(u.email, f"Ran stand {n}", "https://example.org/fair") for n, u in enumerate(cohort)]
    rows[136] = ("nobody@example.org", "Ran a stand", "")

    with pytest.raises(AwardCsvError) as error:
        awards_import_csv(badge_class=badge, raw=csv_of(rows), actor=personas.admin)

    [problem] = error.value.problems
    assert problem.line == 138  # the header is line 1
    assert "nobody@example.org" in str(problem) and str(problem).startswith("Line 138")
    assert "no badge was awarded" in str(error.value)
    assert not Award.objects.exists() and not Notification.objects.filter(kind="badge_awarded").exists()


def test_a_clean_file_of_two_hundred_awards_everyone_in_one_go(personas, badge, cohort,
                                                               django_capture_on_commit_callbacks):
    rows = [(u.email.upper(), f"Ran stand {n}", "") for n, u in enumerate(cohort)]

    with django_capture_on_commit_callbacks(execute=True):  # each award is baked, then announced
        awards = awards_import_csv(badge_class=badge, raw=csv_of(rows), actor=personas.admin)

    assert len(awards) == 200 == Award.objects.filter(badge_class=badge).count()
    assert sorted(a.status_index for a in awards) == list(range(200))
    assert Award.objects.get(recipient=cohort[7]).narrative == "Ran stand 7"
    assert Notification.objects.filter(kind="badge_awarded").count() == 200
    assert AuditEvent.objects.filter(action="badge.awarded").count() == 200
    assert AuditEvent.objects.get(action="badges.imported").data["count"] == 200


def test_every_kind_of_problem_is_reported_by_line(personas, badge):
    outsider_account = UserFactory(email="walkin@example.org")
    already = learner(personas.centre, personas.assessor, email="already@example.org")
    awards_import_csv(badge_class=badge, raw=csv_of([(already.email, "Earlier", "")]), actor=personas.admin)
    raw = csv_of([
        (personas.learner.email, "Fine", "https://example.org/ok"),       # line 2: clean
        ("ghost@example.org", "Unknown", ""),                             # 3: no such account
        (outsider_account.email, "Not ours", ""),                         # 4: not a learner here
        (personas.other_centre_learner.email, "Other centre", ""),        # 5: a learner elsewhere
        (personas.second_learner.email, "", ""),                          # 6: no narrative
        (personas.second_learner.email, "Twice", ""),                     # 7: duplicate of line 6
        ("not-an-email", "Bad", ""),                                      # 8: invalid email
        (personas.learner.email.replace("@", "+x@"), "Bad URL", "javascript:alert(1)"),  # 9
        (already.email, "Again", ""),                                     # 10: already holds it
    ])

    with pytest.raises(AwardCsvError) as error:
        awards_csv_validate(badge_class=badge, raw=raw)

    by_line = {}
    for problem in error.value.problems:
        by_line.setdefault(problem.line, []).append(problem.message)
    assert set(by_line) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "nobody has an account" in by_line[3][0]
    assert "not a learner at this centre" in by_line[4][0] and "not a learner" in by_line[5][0]
    assert "narrative" in by_line[6][0]
    assert "also on line 6" in by_line[7][0]
    assert "not a valid email" in by_line[8][0]
    assert any("not a web address" in m for m in by_line[9])
    assert "already holds" in by_line[10][0]
    assert Award.objects.count() == 1


def test_files_that_cannot_be_read_are_refused_whole(personas, badge):
    for raw, expected in [(b"\xff\xfe\x00bad", "UTF-8"), (b"mail,text\nx@example.org,y", "missing column"),
                          (b"email,narrative\n", "nobody in it")]:
        with pytest.raises(AwardCsvError) as error:
            awards_csv_validate(badge_class=badge, raw=raw)
        assert expected in str(error.value.problems[0])


def test_semicolons_and_no_evidence_column_are_fine(personas, badge):
    raw = f"email;narrative\n{personas.learner.email};Ran the till\n".encode()
    [row] = awards_csv_validate(badge_class=badge, raw=raw)
    assert row.recipient == personas.learner and row.narrative == "Ran the till" and row.evidence_url == ""


def test_only_a_centre_admin_imports_and_only_hand_made_badges(personas, badge):
    raw = csv_of([(personas.learner.email, "n", "")])
    for who in (personas.assessor, personas.learner, personas.other_centre_assessor):
        with pytest.raises(PermissionDenied):
            awards_import_csv(badge_class=badge, raw=raw, actor=who)
    from badges.awards.badge_classes import badge_class_for_unit

    unit_badge = badge_class_for_unit(unit=make_spec(personas.centre, units=1).units.get(), centre=personas.centre)
    with pytest.raises(BadgeError, match="signed off"):
        awards_import_csv(badge_class=unit_badge, raw=raw, actor=personas.admin)
    assert not Award.objects.exists()

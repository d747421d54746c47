"""Counts read right at 1 and at 2 (ngettext, blocktranslate count), and no text says "(s)"."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from badges.awards.services import AwardCsvError
from centres.csv_files import CsvProblem, CsvUnreadable, csv_records
from centres.models import Membership, Role
from centres.services import CsvImportError
from portfolios.enrolments.forms import UnitChoiceField
from qualifications.models import Unit
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

BASE = Path(settings.BASE_DIR)
APPS = ["accounts", "audit", "assessment", "badges", "centres", "insights", "leap", "moderation", "notifications",
        "portfolios", "qualifications"]
MAYBE_PLURAL = re.compile(r"\w\((?:s|es)\)")  # "file(s)", "box(es)"; "http(s)" in a docstring is not shown to anyone


def _text(template: str, **values) -> str:
    """A plain-text email template rendered as the email is (no autoescape)."""
    return get_template(template).template.render(Context(values, autoescape=False))


def _problems(n: int) -> list[CsvProblem]:
    return [CsvProblem(line, "bad") for line in range(2, 2 + n)]


# --- Python messages -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "words"), [(1, "1 problem;"), (2, "2 problems;")])
def test_a_cohort_file_with_problems_counts_them_right(n, words):
    assert f"The file has {words} nobody was registered." == str(CsvImportError(_problems(n)))
    assert f"The file has {words} no badge was awarded." == str(AwardCsvError(_problems(n)))


@pytest.mark.parametrize(("header", "words"), [("first_name,last_name,email", "missing column: assessor_email."),
                                                ("first_name,last_name", "missing columns: email, assessor_email.")])
def test_a_file_without_its_columns_names_them_in_the_right_number(header, words):
    with pytest.raises(CsvUnreadable) as refused:
        csv_records(f"{header}\nA,B,c@example.org\n".encode(), required=["first_name", "last_name", "email",
                                                                         "assessor_email"], expected=["email"])
    assert words in str(refused.value)


@pytest.mark.parametrize(("credits", "words"), [(1, "— 1 credit, mandatory"), (2, "— 2 credits, mandatory")])
def test_a_unit_to_choose_shows_its_credits_in_the_right_number(credits, words):
    unit = Unit(code="U1", title="Food safety", credits=credits, mandatory=True)
    assert UnitChoiceField(queryset=Unit.objects.none()).label_from_instance(unit) == f"U1 Food safety {words}"


# --- Emails ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "words"), [(1, "(1 file)."), (2, "(2 files).")])
def test_the_evidence_email_counts_its_files(files, words):
    values = {"learner_name": "Maya", "qualification": "HOSP-L3", "title": "Knife skills", "criteria": "1.1",
              "files": files}
    assert f"claiming 1.1 {words}" in _text("emails/evidence_submitted-body.txt", **values)
    assert f"claiming 1.1 {words}" in get_template("emails/evidence_submitted-body.html").render(values)


@pytest.mark.parametrize(("days", "words"), [(1, "1 day"), (2, "2 days")])
def test_emails_with_a_number_of_days_say_day_or_days(days, words):
    assert f"within {words}; the link works once" in _text("emails/staff_invitation-body.txt", days=days)
    assert f"{words} to go" in _text("emails/eqa_visit_reminder-subject.txt", days=days, visit="3 Dec 2026")
    assert f"in {words} (EQA grant" in _text("emails/eqa_visit_reminder-body.txt", days=days, grant=4)


@pytest.mark.parametrize(("size", "words"), [(1, "1 sampled decision,"), (2, "2 sampled decisions,")])
def test_the_signed_eqa_report_email_counts_its_decisions(size, words):
    assert words in _text("emails/eqa_report_signed-body.txt", sample_size=size, report=3, overall="green")


# --- Pages -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("minimum", "words"), [(1, "at least 1 credit."), (2, "at least 2 credits.")])
def test_the_enrolment_page_states_the_minimum_credits_in_the_right_number(personas, minimum, words):
    version = make_spec(personas.centre, units=1, credits=minimum, minimum_credits=minimum)
    membership = Membership.objects.get(user=personas.learner, role=Role.LEARNER)
    page = client_for(personas.assessor).get(reverse("enrolment_create", args=[membership.pk]) +
                                             f"?version={version.pk}").content.decode()
    assert f"Rules of combination: every mandatory unit, and {words}" in page
    assert ("1 credit," if minimum == 1 else "2 credits,") in page  # the unit's own label


@pytest.mark.parametrize(("criteria", "words"), [(1, "0 of 1 criterion met."), (2, "0 of 2 criteria met.")])
def test_progress_counts_criteria_in_the_right_number(personas, criteria, words):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=criteria)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    page = client_for(personas.learner).get(reverse("enrolment_detail", args=[enrolment.pk])).content.decode()
    assert words in page


@pytest.mark.parametrize(("age", "words"), [(timedelta(seconds=5), "saved just now"),
                                            (timedelta(seconds=-30), "saved just now"),  # a clock a little ahead
                                            (timedelta(minutes=1, seconds=5), "saved 1 minute ago"),
                                            (timedelta(minutes=3), "saved 3 minutes ago"),
                                            (timedelta(days=1, hours=5), "saved 1 day ago")])
def test_a_draft_saved_a_moment_ago_was_saved_just_now(age, words):
    template = Template("{% load i18n leap_words %}"
                        "{% blocktranslate with d=when|ago %}saved {{ d }}{% endblocktranslate %}")
    assert template.render(Context({"when": timezone.now() - age})).replace("\xa0", " ") == words  # timesince's nbsp


# --- No "(s)" anywhere a person reads ----------------------------------------------------------------------

def _python_strings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_template_says_s_in_brackets_for_a_plural():
    found = [f"{path.relative_to(BASE)}:{n}" for path in sorted((BASE / "templates").rglob("*"))
             if path.suffix in (".html", ".txt")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if MAYBE_PLURAL.search(re.sub(r"\{#.*?#\}", "", line))]
    assert found == []


def test_no_python_string_or_script_says_s_in_brackets_for_a_plural():
    found = [f"{path.relative_to(BASE)}:{line}" for app in APPS for path in sorted((BASE / app).rglob("*.py"))
             if "migrations" not in path.parts
             for line, text in _python_strings(path) if MAYBE_PLURAL.search(text)]
    found += [f"{path.relative_to(BASE)}" for path in sorted((BASE / "static" / "js").glob("*.js"))
              if MAYBE_PLURAL.search(re.sub(r"//.*|/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S))]
    assert found == []


def test_no_template_says_ago_after_timesince():
    # timesince says "0 minutes" for a moment ago; the `ago` filter says "just now".
    found = [str(path.relative_to(BASE)) for path in sorted((BASE / "templates").rglob("*.html"))
             if re.search(r"\|timesince[^%]*%\}[^{]*\{\{ ?\w+ ?\}\} ago", path.read_text(encoding="utf-8"))]
    assert found == []

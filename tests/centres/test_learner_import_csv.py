import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from centres.models import Membership, Role
from tests.conftest import client_for
from tests.csv_data import cohort_csv

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(client, data: bytes):
    return client.post(reverse("learner_import"),
                       {"file": SimpleUploadedFile("cohort.csv", data, content_type="text/csv")})


def _learner_count(centre) -> int:
    return Membership.objects.filter(centre=centre, role=Role.LEARNER).count()


def test_one_bad_row_among_50_creates_nobody_and_names_the_line(personas):
    before_users, before_learners = User.objects.count(), _learner_count(personas.centre)
    response = _upload(client_for(personas.admin), cohort_csv(50, personas.assessor.email, bad_line=27))
    assert response.status_code == 200
    assert [str(p) for p in response.context["problems"]] == [
        "Line 27: “not-an-email” is not a valid email address."]
    assert "Line 27" in response.content.decode()
    assert User.objects.count() == before_users
    assert _learner_count(personas.centre) == before_learners
    assert mail.outbox == []


def test_every_problem_is_reported_with_its_line(personas):
    data = (
        "first_name;last_name;email;assessor_email\n"
        f"Ann;Lee;ann@example.org;{personas.assessor.email}\n"
        f";Lee;bob@example.org;{personas.assessor.email}\n"
        f"Cat;Ng;ann@example.org;{personas.assessor.email}\n"
        "Dan;Ho;dan@example.org;nobody@example.org\n"
        f"Eve;Li;{personas.learner.email};{personas.other_centre_assessor.email}\n"
    )
    response = _upload(client_for(personas.admin), data.encode())
    problems = [str(p) for p in response.context["problems"]]
    assert problems == [
        "Line 3: first name and last name are required.",
        "Line 4: ann@example.org is also on line 2.",
        "Line 5: “nobody@example.org” is not an assessor at this centre.",
        f"Line 6: {personas.learner.email} is already a learner at this centre.",
        f"Line 6: “{personas.other_centre_assessor.email}” is not an assessor at this centre.",
    ]
    assert not User.objects.filter(email="ann@example.org").exists()


def test_a_file_without_the_right_columns_is_refused(personas):
    response = _upload(client_for(personas.admin), b"name,mail\nA,a@example.org\n")
    assert "missing columns: first_name, last_name, email, assessor_email" in str(response.context["problems"][0])


def test_a_file_that_is_not_utf8_is_refused(personas):
    response = _upload(client_for(personas.admin), "first_name\nJos\xe9\n".encode("latin-1"))
    assert "not UTF-8" in str(response.context["problems"][0])


def test_a_clean_csv_of_500_registers_all_and_sends_500_welcome_emails(personas):
    before = _learner_count(personas.centre)
    response = _upload(client_for(personas.admin), cohort_csv(500, personas.second_assessor.email))
    assert response.status_code == 302
    assert _learner_count(personas.centre) == before + 500
    welcomes = [m for m in mail.outbox if m.subject.startswith("Welcome to North Vocational College")]
    assert len(welcomes) == 500
    assert personas.second_assessor.get_full_name() in welcomes[0].body
    assert Membership.objects.filter(user__email="learner499@cohort.example.org",
                                     assessor=personas.second_assessor).exists()


def test_an_existing_person_from_another_centre_is_linked_not_duplicated(personas):
    other_learner = personas.other_centre_learner
    data = f"first_name,last_name,email,assessor_email\nX,Y,{other_learner.email.upper()},{personas.assessor.email}\n"
    assert _upload(client_for(personas.admin), data.encode()).status_code == 302
    assert User.objects.filter(email__iexact=other_learner.email).count() == 1
    assert Membership.objects.filter(user=other_learner, centre=personas.centre, role=Role.LEARNER).exists()


@pytest.mark.parametrize("who", ["assessor", "learner", "moderator", "other_centre_assessor", "outsider"])
def test_only_the_centre_admin_may_import(personas, who):
    response = _upload(client_for(getattr(personas, who)), cohort_csv(2, personas.assessor.email))
    assert response.status_code == 403
    assert not User.objects.filter(email__endswith="@cohort.example.org").exists()

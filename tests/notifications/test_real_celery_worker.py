"""A real Celery worker, in its own process, takes welcome emails from Redis and delivers them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import client_for
from tests.csv_data import cohort_csv

from .celery_worker import running_worker, wait_for_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def worker(redis_url, tmp_path):
    """Start `celery worker` on the default queue; send this process's tasks to it through Redis."""
    with running_worker(redis_url, tmp_path) as process:
        yield tmp_path / "mail", process


def test_a_real_worker_delivers_500_welcome_emails_from_a_cohort_import(personas, worker):
    mail_dir, process = worker
    response = client_for(personas.admin).post(reverse("learner_import"), {
        "file": SimpleUploadedFile("cohort.csv", cohort_csv(500, personas.assessor.email), content_type="text/csv")})
    assert response.status_code == 302

    messages = wait_for_messages(mail_dir, 500, process)
    assert len(messages) == 500
    bodies = "\n".join(messages)
    assert bodies.count("Subject: Welcome to North Vocational College on LEAP") == 500
    assert "To: learner0@cohort.example.org" in bodies and "To: learner499@cohort.example.org" in bodies
    assert "Your assessor is Sam Assessor" in bodies

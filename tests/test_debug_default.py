"""DEBUG is off unless LEAP_DEBUG=1; error pages are LEAP's own; static files are served with DEBUG off."""

import subprocess
import sys

import pytest
from django.http import Http404
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.conftest import client_for
from tests.test_deploy_check import REPO_ROOT, _clean_env

SHOW = "import leap.settings as s; print(s.DEBUG, getattr(s, 'WHITENOISE_USE_FINDERS', False))"


def _settings_say(tmp_path, **env: str) -> str:
    result = subprocess.run([sys.executable, "-c", SHOW], cwd=REPO_ROOT, env=_clean_env(tmp_path, **env),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_by_default_and_static_files_still_come_from_the_source_folders(tmp_path):
    assert _settings_say(tmp_path) == "False True"


def test_leap_debug_1_turns_debug_on(tmp_path):
    assert _settings_say(tmp_path, LEAP_DEBUG="1") == "True True"


def test_the_old_debug_variable_no_longer_turns_debug_on(tmp_path):
    assert _settings_say(tmp_path, DEBUG="1") == "False True"


def test_production_serves_collected_static_files_only(tmp_path):
    production = {"LEAP_PRODUCTION": "1", "SECRET_KEY": "x" * 64, "ALLOWED_HOSTS": "leap.example.org"}
    assert _settings_say(tmp_path, **production) == "False False"


@pytest.mark.django_db
def test_a_mistyped_address_shows_leaps_404_page_not_djangos_url_list(client, personas):
    for who in (client, client_for(personas.assessor)):
        response = who.get("/no-such-page/")
        assert response.status_code == 404
        assert "404.html" in [t.name for t in response.templates]
        page = response.content.decode()
        assert "We cannot find that page" in page and "Go to your home page" in page
        assert "URLconf" not in page and "Using the URLconf" not in page


@pytest.mark.django_db
def test_another_centres_object_gets_the_same_404_page(personas):
    from tests.portfolios.factories import make_enrolment, make_spec

    version = make_spec(personas.other_centre, code="OTHER", units=1)
    enrolment = make_enrolment(personas.other_centre_learner, personas.other_centre_assessor, version)
    response = client_for(personas.assessor).get(reverse("enrolment_detail", args=[enrolment.pk]))
    assert response.status_code == 404 and b"We cannot find that page" in response.content


@pytest.mark.django_db
def test_a_page_of_another_role_shows_leaps_403_page(personas):
    response = client_for(personas.learner).get(reverse("staff_list"))
    assert response.status_code == 403
    assert b"This page is not open to you" in response.content


def test_the_500_page_needs_no_request_context_or_database():
    # No django_db mark: a query would raise here.
    response = server_error(RequestFactory().get("/broken/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "/static/css/leap.css" in page
    assert loader.get_template("500.html").render() == page


@pytest.mark.django_db
def test_the_404_page_does_not_show_the_reason_a_view_gave(rf):
    from django.views.defaults import page_not_found

    response = page_not_found(rf.get("/x/"), Http404("secret detail"))
    assert response.status_code == 404 and b"secret detail" not in response.content


def test_static_files_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False
    response = client.get("/static/css/leap.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"/* LEAP")


def test_a_form_sent_from_an_expired_page_gets_leaps_page_and_changes_nothing(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.learner)
    response = client.post(reverse("profile"), {"first_name": "Changed"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page had expired" in page and "Nothing was saved" in page
    assert "CSRF verification failed" not in page
    personas.learner.refresh_from_db()
    assert personas.learner.first_name != "Changed"

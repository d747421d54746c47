"""The wallet's "download all my badges": one ZIP of the learner's own badges, each current one's baked OB 2.0 and
OB 3.0 images, revoked ones listed without images, badges.csv and badges.json; a fixed number of queries."""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from badges.awards.services import award_revoke
from badges.openbadges.baking import OB2_KEYWORD, OB3_KEYWORD, award_bake
from tests.badges.test_ob3 import itxt_chunks
from tests.badges.test_public_award import SITE, make_award, make_badge_class
from tests.conftest import client_for

from .flow_world import streamed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_and_media(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path / "media"


def baked_award(personas, name: str, recipient=None, **fields):
    award = make_award(make_badge_class(personas.centre, name=name), recipient or personas.learner, **fields)
    return award_bake(award_id=award.pk)


def download(user) -> tuple[object, dict[str, bytes]]:
    response = client_for(user).get(reverse("wallet_badges_zip"))
    with zipfile.ZipFile(io.BytesIO(streamed(response))) as zf:
        return response, {name: zf.read(name) for name in zf.namelist()}


def test_every_current_badge_comes_baked_with_a_list_revoked_ones_listed_only(personas):
    valid = baked_award(personas, "Barista Skills")
    expired = baked_award(personas, "First Aid", issued_on=timezone.now() - datetime.timedelta(days=400),
                          expires_at=timezone.now() - datetime.timedelta(days=35))
    revoked = award_revoke(award=baked_award(personas, "Knife Skills"), reason="Awarded in error.",
                           actor=personas.admin)
    baked_award(personas, "Someone else's", recipient=personas.second_learner)
    response, entries = download(personas.learner)
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="badges-')

    listed = json.loads(entries["badges.json"])
    assert listed["format"] == "leap-badges" and listed["learner"]["name"] == personas.learner.display_name
    rows = {row["name"]: row for row in listed["badges"]}
    assert set(rows) == {"Barista Skills", "First Aid", "Knife Skills"}  # the learner's own only
    assert [rows[n]["status"] for n in ("Barista Skills", "First Aid", "Knife Skills")] == [
        "valid", "expired", "revoked"]
    assert rows["Knife Skills"]["ob2_image"] is None and rows["Knife Skills"]["revoked_on"]
    assert rows["Barista Skills"]["verification_url"] == f"{SITE}/badges/awards/{valid.uuid}/"
    assert rows["Barista Skills"]["issuer"] == personas.centre.name
    assert rows["First Aid"]["expires"] == expired.expires_at.date().isoformat()

    images = sorted(name for name in entries if name.startswith("images/"))
    assert len(images) == 4 and not any("knife" in name for name in images)
    for award, row in ((valid, rows["Barista Skills"]), (expired, rows["First Aid"])):
        with award.baked_ob2.open("rb") as f:
            assert entries[row["ob2_image"]] == f.read()
        assert json.loads(itxt_chunks(entries[row["ob2_image"]])[OB2_KEYWORD])["id"].endswith(str(award.uuid))
        assert json.loads(itxt_chunks(entries[row["ob3_image"]])[OB3_KEYWORD])["credentialSubject"]
    assert revoked.revoked_at

    table = list(csv.DictReader(io.StringIO(entries["badges.csv"].decode("utf-8-sig"))))
    assert [r["name"] for r in table] == [r["name"] for r in listed["badges"]]
    assert {r["status"] for r in table} == {"valid", "expired", "revoked"}
    assert next(r for r in table if r["name"] == "Knife Skills")["ob3_image"] == ""


def test_a_badge_not_baked_yet_is_baked_for_the_download(personas):
    award = make_award(make_badge_class(personas.centre, name="Barista Skills"), personas.learner)
    _, entries = download(personas.learner)
    award.refresh_from_db()
    assert award.baked_ob2 and award.baked_ob3
    assert sum(name.endswith(".png") for name in entries) == 2


def test_no_badges_gives_an_empty_list(personas):
    _, entries = download(personas.outsider)
    assert json.loads(entries["badges.json"])["badges"] == [] and set(entries) == {"badges.json", "badges.csv"}


def test_signed_out_it_asks_to_sign_in(client):
    response = client.get(reverse("wallet_badges_zip"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_download_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for n in range(2):
        baked_award(personas, f"Badge {n}")
    client = client_for(personas.learner)
    with CaptureQueriesContext(connection) as few:
        streamed(client.get(reverse("wallet_badges_zip")))
    for n in range(2, 6):
        baked_award(personas, f"Badge {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("wallet_badges_zip"))
        streamed(response)
    assert response.status_code == 200

"""`manage.py export_portfolio <email> --out FILE.zip [--centre SLUG]` and `manage.py verify_export FILE.zip`."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests.moderation.external.sample_pack_world import rewritten

from .export_world import export_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_exported_portfolio_verifies(personas, tmp_path):
    export_world(personas)
    target = tmp_path / "portfolio.zip"
    printed, _ = run("export_portfolio", personas.learner.email.upper(), "--out", target)
    assert str(target) in printed and "SHA-256" in printed
    printed, _ = run("verify_export", target)
    assert "OK" in printed and "signed-off units matching their seals: 1." in printed


def test_a_tampered_export_fails_and_names_the_file(personas, tmp_path):
    export_world(personas)
    target = tmp_path / "portfolio.zip"
    run("export_portfolio", personas.learner.email, "--out", target)
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(rewritten(target.read_bytes(), lambda n, c: c + b" " if n == "index.html" else c))
    err = io.StringIO()
    with pytest.raises(CommandError, match="problems found: 1"):
        call_command("verify_export", str(tampered), stdout=io.StringIO(), stderr=err)
    assert "index.html: SHA-256" in err.getvalue()


def test_the_centre_option_keeps_to_that_centre(personas, tmp_path):
    export_world(personas)
    target = tmp_path / "portfolio.zip"
    run("export_portfolio", personas.learner.email, "--out", target, "--centre", personas.other_centre.slug)
    with zipfile.ZipFile(target) as zf:
        document = json.loads(zf.read("data.json"))
    assert [e["centre"]["slug"] for e in document["enrolments"]] == [personas.other_centre.slug]


@pytest.mark.parametrize("args,message", [
    (("nobody@example.org",), "no user"),
    (("{learner}", "--centre", "no-such-centre"), "no centre"),
])
def test_unknown_people_and_centres_are_refused(personas, tmp_path, args, message):
    args = [a.format(learner=personas.learner.email) for a in args]
    with pytest.raises(CommandError, match=message):
        run("export_portfolio", *args, "--out", tmp_path / "x.zip")


def test_verify_export_of_a_missing_file_fails(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("verify_export", tmp_path / "missing.zip")

"""The operator's export: `manage.py export_award <id | latest> --format ob2|ob3|ob3-jwt [--baked FILE.png]`."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from badges.awards.services import award_revoke
from badges.models import Award
from badges.openbadges import addresses, ob2, ob3

from .test_ob3 import _site, hand_award, itxt_chunks, no_network, schema_errors, unit_award  # noqa: F401 (fixtures)


def export(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_award", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def award(personas) -> Award:
    return unit_award(personas)


def test_ob2_prints_the_hosted_assertion(award):
    printed, _ = export(award.pk, "--format", "ob2")
    assert json.loads(printed) == ob2.assertion(award)


def test_ob3_prints_the_signed_credential(award):
    printed, _ = export(award.pk, "--format", "ob3")
    credential = json.loads(printed)
    assert credential == award.credential_ob3 and schema_errors(credential) == []
    assert ob3.verify_credential(credential).status == ob3.VALID


def test_ob3_jwt_prints_the_vc_jwt(award):
    printed, _ = export(award.uuid, "--format", "ob3-jwt")
    token = printed.strip()
    assert token == Award.objects.get(pk=award.pk).credential_jwt
    assert ob3.verify_credential(token).status == ob3.VALID


def test_latest_is_the_most_recently_issued_award(award, personas):
    newer = hand_award(personas, learner=personas.second_learner)
    Award.objects.filter(pk=award.pk).update(issued_on=timezone.now() - datetime.timedelta(days=1))
    printed, _ = export("latest", "--format", "ob3")
    assert json.loads(printed)["id"] == addresses.credential_url(newer)


@pytest.mark.parametrize("format,keyword", [("ob2", "openbadges"), ("ob3", "openbadgecredential"),
                                            ("ob3-jwt", "openbadgecredential")])
def test_baked_writes_the_image_with_the_format_inside(award, tmp_path, format, keyword):
    target = tmp_path / "badge.png"
    printed, _ = export(award.pk, "--format", format, "--baked", target)
    assert str(target) in printed
    carried = itxt_chunks(target.read_bytes())
    assert list(carried) == [keyword]
    if format == "ob2":
        assert json.loads(carried[keyword]) == ob2.assertion(award)
    elif format == "ob3":
        assert json.loads(carried[keyword]) == award.credential_ob3
        assert target.read_bytes() == award.baked_ob3.read()  # the same image the award was baked as
    else:
        assert carried[keyword] == Award.objects.get(pk=award.pk).credential_jwt
        assert ob3.verify_credential(carried[keyword]).status == ob3.VALID


def test_an_award_not_baked_yet_is_baked_as_the_learners_download_would(personas, tmp_path):
    award = hand_award(personas)
    assert not award.baked_ob3  # the baking task runs after the commit
    export(award.pk, "--format", "ob3", "--baked", tmp_path / "badge.png")
    award.refresh_from_db()
    with award.baked_ob3.open("rb") as f:
        stored = f.read()
    assert (tmp_path / "badge.png").read_bytes() == stored
    assert json.loads(itxt_chunks(stored)["openbadgecredential"]) == award.credential_ob3


def test_a_revoked_award_is_printed_with_a_note_but_not_baked(award, personas, tmp_path):
    award_revoke(award=award, reason="Issued in error", actor=personas.admin)
    printed, note = export(award.pk, "--format", "ob3")
    assert json.loads(printed)["id"] == addresses.credential_url(award) and "Issued in error" in note
    with pytest.raises(CommandError, match="revoked"):
        export(award.pk, "--format", "ob3", "--baked", tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("args,message", [
    (["987654", "--format", "ob3"], "no award 987654"),
    (["not-an-award", "--format", "ob3"], "not an award id"),
    (["latest", "--format", "ob4"], "invalid choice"),
    (["latest"], "--format"),
])
def test_bad_arguments_are_explained(db, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)


def test_latest_with_no_awards_says_so(db):
    with pytest.raises(CommandError, match="no award latest"):
        export("latest", "--format", "ob2")

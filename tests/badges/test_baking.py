"""Baking: the award inside its PNG, readable by an independent reader (openbadges-bakery) and by Pillow."""

import io
import json

import pytest
from openbadges_bakery import unbake as bakery_unbake
from PIL import Image

from badges.awards.badge_classes import badge_class_create
from badges.awards.images import badge_png_generate
from badges.awards.services import award_by_hand, award_revoke
from badges.models import BadgeClass
from badges.openbadges import baking, ob2, ob3
from badges.openbadges.baking import BakingError, award_bake, bake_png, unbake_png

SITE = "https://leap.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def png() -> bytes:
    return badge_png_generate(name="Knife skills", formal=False, brand_colour="#0B5CAB", accent_colour="#F5B400")


@pytest.fixture
def award(db, personas):
    badge = badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.SKILL,
                               name="Knife skills", description="d", criteria_narrative="c")
    return award_by_hand(badge_class=badge, recipient=personas.learner, narrative="n", actor=personas.admin)


def test_a_baked_png_is_still_a_valid_png_with_the_text_in_an_itxt_chunk(png):
    text = json.dumps({"id": "https://leap.example/x", "name": "Café crème ✓"}, ensure_ascii=False)
    baked = bake_png(png, "openbadges", text)

    image = Image.open(io.BytesIO(baked))
    image.load()  # decodes every pixel: the file is whole
    assert image.size == (600, 600)
    assert image.text["openbadges"] == text
    assert Image.open(io.BytesIO(png)).tobytes() == image.tobytes()  # the picture itself is untouched
    assert unbake_png(baked, "openbadges") == text
    assert unbake_png(baked, "openbadgecredential") is None
    assert unbake_png(png, "openbadges") is None


def test_the_independent_openbadges_bakery_reads_what_we_bake(png):
    text = json.dumps({"@context": "https://w3id.org/openbadges/v2", "id": "https://leap.example/a"})
    assert bakery_unbake(io.BytesIO(bake_png(png, "openbadges", text))) == text


def test_baking_again_replaces_the_chunk_and_is_deterministic(png):
    once = bake_png(png, "openbadges", "first")
    twice = bake_png(once, "openbadges", "second")
    assert unbake_png(twice, "openbadges") == "second"
    assert twice.count(b"iTXtopenbadges\x00") == 1
    assert bake_png(png, "openbadges", "second") == twice
    both = bake_png(twice, "openbadgecredential", "{}")
    assert unbake_png(both, "openbadges") == "second" and unbake_png(both, "openbadgecredential") == "{}"


def test_compressed_and_latin1_chunks_written_by_others_are_read(png):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadges", "zipped ✓", zip=True)
    info.add_text("other", "plain")
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, "PNG", pnginfo=info)
    assert unbake_png(out.getvalue(), "openbadges") == "zipped ✓"
    assert unbake_png(out.getvalue(), "other") == "plain"


@pytest.mark.parametrize("bad", [b"GIF89a....", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", b""])
def test_what_is_not_a_whole_png_is_refused(bad):
    with pytest.raises(BakingError):
        bake_png(bad, "openbadges", "x")


def test_a_damaged_chunk_is_refused(png):
    damaged = bytearray(png)
    damaged[20] ^= 0xFF  # inside IHDR: its CRC no longer matches
    with pytest.raises(BakingError, match="damaged"):
        unbake_png(bytes(damaged), "openbadges")


@pytest.mark.django_db
def test_baking_an_award_carries_its_assertion_and_its_signed_credential(award):
    baked_award = award_bake(award_id=award.pk)

    assert baked_award.baked_ob2 and baked_award.baked_at and baked_award.baked_ob3
    baked = baked_award.baked_ob2.read()
    assertion = json.loads(bakery_unbake(io.BytesIO(baked)))
    assert assertion == ob2.assertion(award) and assertion["id"] == ob2.assertion_url(award)
    assert award.badge_class.name.lower().replace(" ", "-") in baked_award.baked_ob2.name
    baked_ob3 = baked_award.baked_ob3.read()
    credential = json.loads(unbake_png(baked_ob3, baking.OB3_KEYWORD))
    assert credential == ob3.signed_credential(award) and baked_award.credential_ob3 == credential
    assert str(award.uuid) in credential["id"] and "proof" in credential
    assert unbake_png(baked_ob3, "openbadges") is None
    first_name, first_time = baked_award.baked_ob2.name, baked_award.baked_at

    again = award_bake(award_id=award.pk)  # a redelivered task: nothing is baked twice
    assert again.baked_ob2.name == first_name and again.baked_at == first_time


@pytest.mark.django_db
def test_a_signing_failure_propagates_and_keeps_the_ob2_image_for_the_retry(award, monkeypatch):
    def broken(award):
        raise RuntimeError("issuer key unreadable")

    monkeypatch.setattr(ob3, "signed_credential", broken)
    with pytest.raises(RuntimeError, match="issuer key unreadable"):
        award_bake(award_id=award.pk)
    award.refresh_from_db()
    assert award.baked_ob2 and not award.baked_ob3

    monkeypatch.undo()
    retried = award_bake(award_id=award.pk)  # the task's retry
    assert retried.baked_ob3
    assert json.loads(unbake_png(retried.baked_ob3.read(), baking.OB3_KEYWORD)) == ob3.signed_credential(award)


@pytest.mark.django_db
def test_a_revoked_award_is_not_baked(personas, award):
    award_revoke(award=award, reason="wrong person", actor=personas.admin)
    assert not award_bake(award_id=award.pk).baked_ob2
    assert award_bake(award_id=987654) is None

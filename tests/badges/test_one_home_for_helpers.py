"""Helpers that badges shares with lower apps or between its own modules live once: PNG chunks, our own URLs,
signing a credential on first use."""

from pathlib import Path

import pytest

from badges.openbadges import ob2
from portfolios.evidence.files.png import PNG_SIGNATURE, PngError, png_checked_chunks, png_chunk, png_chunks

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "centres", "notifications", "qualifications", "portfolios", "assessment", "moderation",
        "badges", "leap")


def _files_containing(text: str, apps: tuple[str, ...] = APPS) -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for app in apps for path in (ROOT / app).rglob("*.py")
                  if text in path.read_text())


def test_png_chunks_are_read_and_written_in_one_module():
    assert _files_containing("crc32(") == ["portfolios/evidence/files/png.py"]
    assert _files_containing("\\x89PNG") == ["portfolios/evidence/files/png.py"]


def test_the_png_reader_keeps_unknown_bytes_for_stripping_but_refuses_them_for_baking():
    png = PNG_SIGNATURE + png_chunk(b"IHDR", b"\x00" * 13) + png_chunk(b"IEND", b"")
    chunks, rest = png_chunks(png + b"trailing")
    assert [c.kind for c in chunks] == [b"IHDR", b"IEND"] and rest == b"trailing"
    assert [c.kind for c in png_checked_chunks(png)] == [b"IHDR", b"IEND"]
    damaged = bytearray(png)
    damaged[20] ^= 0xFF
    with pytest.raises(PngError, match="damaged"):
        png_checked_chunks(bytes(damaged))
    with pytest.raises(PngError, match="IEND"):
        png_checked_chunks(png[:-6])


def test_only_one_function_in_badges_compares_a_url_with_site_url():
    assert _files_containing("urlsplit(settings.SITE_URL)", ("badges",)) == ["badges/openbadges/ob2.py"]


@pytest.mark.parametrize(("url", "path"), [
    ("https://leap.example/badges/x", "/badges/x"),
    ("https://LEAP.example/badges/x", "/badges/x"),
    ("http://leap.example/badges/x", None),
    ("https://leap.example.evil/badges/x", None),
    ("https://leap.example/badges/x?y=1", None),
    ("https://[bad/", None),
    (None, None),
])
def test_our_own_urls_are_those_of_site_url_without_a_query(settings, url, path):
    settings.SITE_URL = "https://leap.example"
    assert ob2.our_path(url) == path


def test_signing_on_first_use_is_written_once():
    source = (ROOT / "badges/openbadges/ob3.py").read_text()
    assert source.count("_locked_award(") == 2  # its definition and its one use
    assert source.count("Award.objects.filter(pk=award.pk).update(") == 1

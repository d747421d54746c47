"""The name on a generated badge wraps at spaces and hyphens; a hyphen at a break shows once."""

import pytest
from PIL import Image, ImageDraw

from badges.awards import images
from badges.awards.images import wrap_text


def chars(n: int):
    return lambda line: len(line) <= n


@pytest.mark.parametrize("text,width,lines", [
    ("Barista Skills (BARISTA-SC)", 9, ["Barista", "Skills", "(BARISTA-", "SC)"]),
    ("Barista Skills (BARISTA-SC)", 12, ["Barista", "Skills", "(BARISTA-SC)"]),
    ("Barista Skills (BARISTA-SC)", 20, ["Barista Skills", "(BARISTA-SC)"]),
    ("HOSP-L3-U01 Food safety", 8, ["HOSP-L3-", "U01 Food", "safety"]),
    ("HOSP-L3-U01", 5, ["HOSP-", "L3-", "U01"]),
    ("Well-known chef", 30, ["Well-known chef"]),
    ("First aid at work", 9, ["First aid", "at work"]),
])
def test_names_break_at_spaces_and_after_hyphens(text, width, lines):
    assert wrap_text(text, chars(width)) == lines


def test_a_hyphen_at_a_break_ends_the_first_line_and_never_starts_the_next():
    for width in range(9, 30):  # the longest part, "(BARISTA-", fits: no word needs cutting
        lines = wrap_text("Barista Skills (BARISTA-SC) and CAT-HYG-2024-L2", chars(width))
        assert not any(line.startswith("-") for line in lines), lines
        assert not any(line.endswith("--") for line in lines), lines
        # Nothing lost, nothing doubled: joining the lines gives the words back.
        assert "".join(lines).replace(" ", "") == "BaristaSkills(BARISTA-SC)andCAT-HYG-2024-L2"


def test_a_word_too_long_for_any_line_is_cut_with_one_hyphen_of_its_own():
    assert wrap_text("ABCDEFGHIJKLMNOP", chars(6)) == ["ABCDE-", "FGHIJ-", "KLMNOP"]


def test_a_cut_word_keeps_its_own_hyphen_once():
    assert wrap_text("ABCDEFGHIJ-K", chars(6)) == ["ABCDE-", "FGHIJ-", "K"]
    assert wrap_text("ABCDE-FG", chars(6)) == ["ABCDE-", "FG"]


def test_every_line_fits():
    for width in range(6, 25):
        assert all(len(line) <= width for line in wrap_text("Food safety (CAT-HYG-2024-L2) in kitchens",
                                                              chars(width)))


def test_the_drawn_badge_wraps_the_course_code_in_the_real_font():
    draw = ImageDraw.Draw(Image.new("RGBA", (600, 600)))
    font = images._font(54)
    lines = images._wrap(draw, "Barista Skills (BARISTA-SC)", font, 320)
    assert not any(line.startswith("-") for line in lines)
    assert "".join(lines).replace(" ", "") == "BaristaSkills(BARISTA-SC)"
    assert all(draw.textlength(line, font=font) <= 320 for line in lines)

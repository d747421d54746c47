"""Badge images: generated in the centre's colours with a shape that tells formal from non-formal; uploads checked."""

import io

import pytest
from PIL import Image

from badges.awards import images
from badges.awards.images import BadgeImageError, badge_png_generate, badge_png_validate, contrast_ratio, readable_ink


def generate(formal: bool, **kwargs) -> Image.Image:
    values = {"name": "Food safety and hygiene in catering kitchens", "brand_colour": "#0B5CAB",
              "accent_colour": "#F5B400", **kwargs}
    return Image.open(io.BytesIO(badge_png_generate(formal=formal, **values)))


def png_of(size, mode="RGB", fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def opaque(image: Image.Image, xy) -> bool:
    return image.convert("RGBA").getpixel(xy)[3] > 0


def test_a_generated_badge_is_a_600_pixel_square_png():
    image = generate(formal=True)
    assert image.format == "PNG" and image.size == (600, 600) and image.mode == "RGBA"


def test_formal_and_non_formal_badges_differ_in_shape():
    hexagon, medallion = generate(formal=True), generate(formal=False)
    for corner in [(0, 0), (599, 0), (0, 599), (599, 599)]:
        assert not opaque(hexagon, corner) and not opaque(medallion, corner)
    assert opaque(hexagon, (300, 300)) and opaque(medallion, (300, 255))
    # Near the hexagon's upper-right vertex: inside the hexagon, outside the round medallion.
    assert opaque(hexagon, (540, 165)) and not opaque(medallion, (540, 165))
    # Between the ribbon's two tails: the medallion leaves a gap where the hexagon is solid.
    assert opaque(hexagon, (300, 560)) and not opaque(medallion, (300, 560))
    hexagon_alpha = hexagon.getchannel("A").point(lambda a: 255 if a else 0)
    medallion_alpha = medallion.getchannel("A").point(lambda a: 255 if a else 0)
    assert hexagon_alpha.tobytes() != medallion_alpha.tobytes()


def test_the_name_is_written_in_the_more_readable_ink():
    dark_on_light = generate(formal=False, brand_colour="#FFE66D")
    assert readable_ink((0xFF, 0xE6, 0x6D)) == images.INK
    assert readable_ink((0x0B, 0x5C, 0xAB)) == images.WHITE
    for colour in [(0x0B, 0x5C, 0xAB), (0xFF, 0xE6, 0x6D), (0x80, 0x80, 0x80), (0xC0, 0x39, 0x2B)]:
        assert contrast_ratio(readable_ink(colour), colour) >= 4.5 - 0.6  # mid-grey is the worst case
    pixels = {colour for _count, colour in dark_on_light.convert("RGB").crop((150, 150, 450, 360)).getcolors(2 ** 20)}
    assert images.INK in pixels  # the text is drawn


def test_the_same_badge_draws_the_same_bytes_and_bad_colours_fall_back():
    kwargs = {"name": "Event", "formal": False, "brand_colour": "not-a-colour", "accent_colour": ""}
    assert badge_png_generate(**kwargs) == badge_png_generate(**kwargs)


def test_long_names_and_a_missing_font_still_draw(monkeypatch, tmp_path):
    monkeypatch.setattr(images, "FONT_DIR", tmp_path)  # as if fonts-dejavu-core were not installed
    images._font.cache_clear()
    try:
        image = generate(formal=True, name="Supercalifragilisticexpialidocious " * 8, label="Unit")
        assert image.size == (600, 600)
    finally:
        images._font.cache_clear()


def test_an_upload_must_be_a_big_enough_squareish_png_of_at_most_2_mb():
    assert badge_png_validate(png_of((300, 300)))
    assert badge_png_validate(png_of((512, 540)))
    for data, message in [(png_of((100, 100)), "at least 256"), (png_of((600, 300)), "square"),
                          (png_of((300, 300), fmt="JPEG"), "not a PNG"), (b"<svg></svg>", "not a PNG"),
                          (png_of((300, 300))[:60], "not a PNG"), (b"\x89PNG" + b"0" * (2 * 1024 * 1024), "2 MB")]:
        with pytest.raises(BadgeImageError, match=message):
            badge_png_validate(data)


@pytest.mark.django_db
def test_an_uploaded_image_is_kept_as_given(personas):
    from badges.awards.badge_classes import badge_class_create

    upload = png_of((400, 400))
    badge = badge_class_create(centre=personas.centre, actor=personas.admin, kind="event", name="Open day",
                               description="d", criteria_narrative="c", image=upload)
    assert badge.image.read() == upload
    with pytest.raises(BadgeImageError):
        badge_class_create(centre=personas.centre, actor=personas.admin, kind="event", name="Open day",
                           description="d", criteria_narrative="c", image=png_of((64, 64)))

import datetime
import hashlib
import io
import os
import shutil
import subprocess

import pytest
from PIL import ExifTags, Image, ImageChops

from portfolios.evidence.files import image_capture_time, make_thumbnail, sha256_of, strip_image_location, video_poster

from .files import samples


def opened_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def gps_of(data: bytes) -> dict:
    return dict(opened_image(data).getexif().get_ifd(ExifTags.IFD.GPSInfo))


def test_gps_is_removed_from_jpeg_keeping_capture_time_orientation_and_pixels():
    original = samples.image("JPEG", size=(120, 90), exif=samples.camera_exif(), noise=True)
    assert gps_of(original)

    stripped = strip_image_location(io.BytesIO(original), "image/jpeg")

    exif = opened_image(stripped).getexif()
    assert gps_of(stripped) == {}
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == samples.TAKEN_AT
    assert exif[ExifTags.Base.Orientation] == samples.ORIENTATION_ROTATE_90
    assert exif[ExifTags.Base.Make] == "PhoneMaker"
    assert opened_image(stripped).tobytes() == opened_image(original).tobytes()


def test_jpeg_scan_data_is_copied_byte_for_byte():
    original = samples.image("JPEG", size=(120, 90), exif=samples.camera_exif(), noise=True)

    stripped = strip_image_location(io.BytesIO(original), "image/jpeg")

    scan = original.index(b"\xff\xda")
    assert stripped.endswith(original[scan:])


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_gps_is_removed_from_png_and_webp_keeping_capture_time_and_pixels(fmt, content_type):
    original = samples.image(fmt, exif=samples.camera_exif())

    stripped = strip_image_location(io.BytesIO(original), content_type)

    exif = opened_image(stripped).getexif()
    assert gps_of(stripped) == {}
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == samples.TAKEN_AT
    assert opened_image(stripped).tobytes() == opened_image(original).tobytes()


def test_location_in_xmp_is_removed_too():
    xmp = b'<x:xmpmeta><rdf:Description exif:GPSLatitude="51,30.4N" exif:GPSLongitude="0,7.6W"/></x:xmpmeta>'
    original = samples.jpeg_with_xmp(samples.image("JPEG", exif=samples.camera_exif(with_gps=False)), xmp)

    stripped = strip_image_location(io.BytesIO(original), "image/jpeg")

    assert b"GPSLatitude" not in stripped
    assert opened_image(stripped).getexif().get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal]


@pytest.mark.parametrize("fmt, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_image_without_location_needs_no_stripping(fmt, content_type):
    photo = samples.image(fmt, exif=samples.camera_exif(with_gps=False))

    assert strip_image_location(io.BytesIO(photo), content_type) is None


def test_files_that_are_not_strippable_images_are_left_alone():
    assert strip_image_location(io.BytesIO(samples.heic()), "image/heic") is None
    assert strip_image_location(io.BytesIO(samples.pdf()), "application/pdf") is None


def test_thumbnail_is_upright_at_most_480_pixels_and_carries_no_exif():
    photo = samples.image("JPEG", size=(1200, 900), exif=samples.camera_exif())

    thumbnail = opened_image(make_thumbnail(io.BytesIO(photo)))

    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (360, 480)  # turned upright: the photo was stored sideways
    assert "exif" not in thumbnail.info
    assert len(thumbnail.getexif()) == 0


def test_thumbnail_of_small_image_is_not_enlarged():
    assert opened_image(make_thumbnail(io.BytesIO(samples.image("PNG")), max_side=480)).size == (64, 48)


def test_thumbnail_of_transparent_png_is_on_white():
    thumbnail = opened_image(make_thumbnail(io.BytesIO(samples.image("PNG", mode="RGBA"))))

    assert thumbnail.mode == "RGB"
    assert ImageChops.difference(thumbnail, Image.new("RGB", thumbnail.size, "white")).getbbox() is None


def test_sha256_streamed_in_chunks_equals_hashing_the_whole(tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 17)  # more than two chunks
    path = tmp_path / "video.mp4"
    path.write_bytes(data)

    expected = hashlib.sha256(data).hexdigest()
    assert sha256_of(io.BytesIO(data)) == expected
    assert sha256_of(path) == expected


def test_capture_time_comes_from_exif_date_time_original():
    photo = samples.image("JPEG", exif=samples.camera_exif())

    assert image_capture_time(io.BytesIO(photo)) == datetime.datetime(2024, 5, 17, 10, 30)


def test_capture_time_is_aware_when_the_camera_recorded_its_offset():
    photo = samples.image("JPEG", exif=samples.camera_exif(offset="+01:00"))

    taken = image_capture_time(io.BytesIO(photo))

    assert taken == datetime.datetime(2024, 5, 17, 9, 30, tzinfo=datetime.UTC)


def test_capture_time_is_none_without_exif_or_for_a_file_pillow_cannot_open():
    assert image_capture_time(io.BytesIO(samples.image("PNG"))) is None
    assert image_capture_time(io.BytesIO(samples.pdf())) is None


def test_video_poster_is_none_without_ffmpeg(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)

    assert video_poster(tmp_path / "clip.mp4") is None


@pytest.fixture
def ffmpeg():
    path = shutil.which("ffmpeg")
    if path is None:
        pytest.skip("ffmpeg is not installed")
    return path


def test_video_poster_is_a_480_pixel_wide_jpeg(ffmpeg, tmp_path):
    clip = tmp_path / "-clip.mp4"  # a leading dash must not be taken for an option
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10",
                    "-pix_fmt", "yuv420p", "file:" + str(clip)], check=True, timeout=60)

    poster = opened_image(video_poster(clip))

    assert (poster.format, poster.size) == ("JPEG", (480, 360))


def test_video_poster_of_clip_shorter_than_a_second_uses_the_first_frame(ffmpeg, tmp_path):
    clip = tmp_path / "short.webm"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=0.5:size=320x240:rate=10",
                    str(clip)], check=True, timeout=60)

    assert opened_image(video_poster(clip)).format == "JPEG"


def test_video_poster_is_none_for_a_file_that_is_not_a_video(ffmpeg, tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"not a video")

    assert video_poster(path) is None


def test_a_file_ffmpeg_cannot_read_is_tried_once_not_again_from_the_start(ffmpeg, tmp_path, monkeypatch):
    from portfolios.evidence.files import processing

    path = tmp_path / "damaged.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096))
    runs = []
    real_run = processing.subprocess.run
    monkeypatch.setattr(processing.subprocess, "run", lambda *a, **k: runs.append(a) or real_run(*a, **k))

    assert video_poster(path) is None and len(runs) == 1

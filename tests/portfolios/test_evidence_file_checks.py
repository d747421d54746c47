import importlib.util
import io
import unicodedata

import pytest
from PIL import Image, ImageFile

import portfolios.evidence.files as evidence_files
from portfolios.evidence.files import CheckedFile, FileRefused, check_upload, max_upload_bytes

from .files import samples

MB = 1024 * 1024
UNKNOWN = ("this type of file is not accepted; allowed: photos, videos, audio, PDF, Office and OpenDocument "
           "documents, plain text")
HAS_PILLOW_HEIF = importlib.util.find_spec("pillow_heif") is not None


def check(data: bytes, name: str = "evidence") -> CheckedFile:
    return check_upload(io.BytesIO(data), name, len(data))


def refusal(data: bytes, name: str = "evidence") -> str:
    with pytest.raises(FileRefused) as refused:
        check(data, name)
    assert refused.value.name == name
    return refused.value.reason


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {
    "jpeg": (lambda: samples.image("JPEG"), "photo.jpg", "image", "image/jpeg"),
    "png": (lambda: samples.image("PNG"), "photo.png", "image", "image/png"),
    "webp": (lambda: samples.image("WEBP"), "photo.webp", "image", "image/webp"),
    "heic": (samples.heic, "IMG_0001.HEIC", "image", "image/heic"),
    "mp4": (samples.mp4, "clip.mp4", "video", "video/mp4"),
    "mov": (lambda: samples.mp4(major=b"qt  ", compatible=b"qt  "), "IMG_0002.MOV", "video", "video/quicktime"),
    "webm video": (samples.webm, "screen.webm", "video", "video/webm"),
    "mp3": (samples.mp3, "voice.mp3", "audio", "audio/mpeg"),
    "m4a": (lambda: samples.mp4(major=b"M4A ", compatible=b"M4A mp42isom", handlers=(b"soun",)), "memo.m4a",
            "audio", "audio/mp4"),
    "wav": (samples.wav, "voice.wav", "audio", "audio/wav"),
    "ogg opus": (samples.ogg, "voice.ogg", "audio", "audio/ogg"),
    "ogg vorbis": (lambda: samples.ogg(b"\x01vorbis\x00\x00\x00\x00\x01"), "voice.ogg", "audio", "audio/ogg"),
    "webm audio": (lambda: samples.webm(codecs=(b"A_OPUS",)), "recording.webm", "audio", "audio/webm"),
    "pdf": (samples.pdf, "report.pdf", "pdf", "application/pdf"),
    "docx": (lambda: samples.office("word"), "essay.docx", "document", DOCX_TYPE),
    "xlsx": (lambda: samples.office("xl", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                     ".main+xml"), "budget.xlsx", "document",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (lambda: samples.office("ppt", "application/vnd.openxmlformats-officedocument.presentationml"
                                      ".presentation.main+xml"), "talk.pptx", "document",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": (samples.opendocument, "essay.odt", "document", "application/vnd.oasis.opendocument.text"),
    "ods": (lambda: samples.opendocument("spreadsheet"), "budget.ods", "document",
            "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": (lambda: samples.opendocument("presentation"), "talk.odp", "document",
            "application/vnd.oasis.opendocument.presentation"),
    "text": (lambda: "Reflective account: I wired the consumer unit — tested with an MFT ✓\n".encode(), "notes.txt",
             "text", "text/plain; charset=utf-8"),
}


@pytest.mark.parametrize("build, name, kind, content_type", ALLOWED.values(), ids=ALLOWED.keys())
def test_allowed_file_is_accepted_as_what_its_content_is(build, name, kind, content_type):
    if content_type == "image/heic" and HAS_PILLOW_HEIF:
        pytest.skip("the HEIC sample is a header only, which pillow-heif would rightly find damaged")
    checked = check(build(), name)

    assert (checked.kind, checked.content_type, checked.renamed) == (kind, content_type, False)
    assert checked.clean_name.lower() == name.lower()


def test_png_named_pdf_is_accepted_as_png_and_marked_renamed():
    checked = check(samples.image("PNG"), "Unit 3 evidence.pdf")

    assert checked == CheckedFile(kind="image", content_type="image/png", extension=".png",
                                  clean_name="Unit 3 evidence.png", renamed=True, thumbnailable=True)


def test_extension_that_agrees_with_the_content_is_kept():
    checked = check(samples.image("JPEG"), "site visit.JPEG")

    assert (checked.clean_name, checked.extension, checked.renamed) == ("site visit.jpeg", ".jpg", False)


def test_name_without_extension_gets_the_canonical_one_without_counting_as_renamed():
    checked = check(samples.image("JPEG"), "J.Smith wiring")

    assert (checked.clean_name, checked.renamed) == ("J.Smith wiring.jpg", False)


def test_name_loses_path_parts_controls_and_unsafe_characters():
    name = "C:\\Users\\sam\\..\\rapporte\u0301 \x07final\u202e <v2>?.txt"

    assert check(b"hello", name).clean_name == unicodedata.normalize("NFC", "rapporte\u0301 final v2.txt") == (
        "rapport\u00e9 final v2.txt")


def test_long_name_is_cut_to_120_characters_keeping_the_extension():
    clean_name = check(samples.pdf(), "é" * 300 + ".pdf").clean_name

    assert len(clean_name) == 120
    assert clean_name.endswith("é.pdf")


@pytest.mark.parametrize("name", ["", ".pdf", "../..", "\u202e\x00"])
def test_name_with_nothing_usable_falls_back_to_evidence(name):
    assert check(samples.pdf(), name).clean_name == "evidence.pdf"


def test_svg_is_refused_because_it_can_carry_scripts():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    assert refusal(svg, "logo.svg") == "SVG images can carry scripts and are not accepted; export it as PNG"


def test_svg_renamed_png_is_still_refused_as_svg():
    assert refusal(b"\xef\xbb\xbf  <SVG onload='x()'/>", "logo.png").startswith("SVG images can carry scripts")


def test_html_named_txt_is_refused_as_a_web_page():
    html = b"\n  <!DOCTYPE html><html><body><script>steal()</script></body></html>"

    assert refusal(html, "notes.txt") == "web pages (HTML) can carry scripts and are not accepted; save it as PDF"


def test_xml_is_refused():
    assert refusal(b'<?xml version="1.0"?><data/>', "data.txt") == (
        "XML files are not accepted; save it as PDF or plain text")


def test_shell_script_is_refused():
    assert refusal(b"#!/bin/sh\nrm -rf ~\n", "notes.txt") == (
        "scripts are not accepted; upload a screenshot or a PDF of it instead")


def test_elf_executable_is_refused():
    assert refusal(b"\x7fELF\x02\x01\x01" + b"\x00" * 57, "photo.jpg") == "programs are not accepted"


@pytest.mark.parametrize("header", [b"MZ\x90\x00\x03\x00", b"\xcf\xfa\xed\xfe\x07\x00", b"\xca\xfe\xba\xbe\x00"],
                         ids=["windows", "mach-o", "java class"])
def test_other_executables_are_refused(header):
    assert refusal(header + b"\x00" * 64) == "programs are not accepted"


def test_text_that_happens_to_start_with_mz_is_plain_text():
    assert check(b"MZ Electrical: job sheet for Tuesday\n").kind == "text"


def test_plain_zip_is_refused_as_an_archive():
    assert refusal(samples.zip_of({"photo1.jpg": samples.image("JPEG")}), "photos.zip") == (
        "archives are not accepted; upload the files themselves")


@pytest.mark.parametrize("header", [b"\x1f\x8b\x08\x00", b"Rar!\x1a\x07\x01\x00", b"7z\xbc\xaf\x27\x1c\x00\x04"],
                         ids=["gzip", "rar", "7z"])
def test_other_archives_are_refused(header):
    assert refusal(header + b"\x00" * 64).startswith("archives are not accepted")


def test_tar_is_refused_as_an_archive():
    tar = b"notes.txt".ljust(257, b"\x00") + b"ustar\x0000" + b"\x00" * 247

    assert refusal(tar).startswith("archives are not accepted")


def test_oversized_file_is_refused_naming_the_limit(settings):
    settings.LEAP_MAX_UPLOAD_BYTES = {"image": 3 * MB}
    data = samples.image("JPEG")

    with pytest.raises(FileRefused) as refused:
        check_upload(io.BytesIO(data), "big.jpg", 3 * MB + 1)

    assert refused.value.reason == "the file is larger than the 3 MB allowed for photos"
    assert max_upload_bytes("video") == 500 * MB  # kinds left out of the setting keep their default


def test_largest_limit_follows_settings(settings):
    assert evidence_files.MAX_ANY_UPLOAD_BYTES == 500 * MB
    settings.LEAP_MAX_UPLOAD_BYTES = {"video": 2 * MB, "audio": 4 * MB, "pdf": 1, "document": 1, "image": 1,
                                      "text": 1}

    assert evidence_files.MAX_ANY_UPLOAD_BYTES == 4 * MB


def test_an_image_just_over_leaps_cap_is_refused_before_any_pixel_is_decoded(monkeypatch):
    def no_decoding(image):
        raise AssertionError("decoded a decompression bomb")

    bomb = samples.bomb_png(side=8_000)  # 64 megapixels: over LEAP's 60, under Pillow's own limit
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)

    assert len(bomb) < 100_000
    assert 60_000_000 < 8_000 * 8_000 < Image.MAX_IMAGE_PIXELS
    assert refusal(bomb, "plan.png") == "the image is too large to process (over 60 megapixels)"


def test_bomb_beyond_pillows_own_limit_is_refused_with_the_megapixel_reason(settings):
    settings.LEAP_MAX_IMAGE_PIXELS = 10**9  # let Pillow's DecompressionBombError be what stops it

    assert refusal(samples.bomb_png()) == "the image is too large to process (over 1000 megapixels)"


def test_truncated_jpeg_is_refused():
    photo = samples.image("JPEG", size=(200, 150), noise=True)

    assert refusal(photo[: len(photo) // 2], "site.jpg") == "the image is damaged or incomplete (truncated)"


def test_jpeg_signature_with_garbage_after_it_is_refused_as_damaged():
    assert refusal(b"\xff\xd8\xff\xe0" + b"garbage" * 20) == "the image is damaged and cannot be opened"


def test_empty_file_is_refused():
    assert refusal(b"", "photo.jpg") == "the file is empty"


def test_docx_with_macros_is_refused():
    docm = samples.office("word", extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})

    assert refusal(docm, "essay.docx") == (
        "documents with macros are not accepted; save it without macros (.docx, .xlsx or .pptx)")


def test_office_file_declaring_a_macro_enabled_main_part_is_refused_whatever_its_part_names():
    docm = samples.office("word", "application/vnd.ms-word.document.macroEnabled.main+xml",
                          extra={"word/code.bin": b"\xd0\xcf\x11\xe0"})

    assert refusal(docm).startswith("documents with macros are not accepted")


def test_opendocument_with_basic_macros_is_refused():
    odt = samples.opendocument(extra={"Basic/Standard/Module1.xml": b"<script:module/>",
                                      "Basic/Standard/script-lb.xml": b"<library:library/>"})

    assert refusal(odt).startswith("documents with macros are not accepted")


def test_old_word_document_is_refused_with_a_way_forward():
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "essay.doc") == (
        "old Office formats (.doc, .xls, .ppt) are not accepted; save it as .docx, .xlsx, .pptx or PDF")


def test_password_protected_docx_is_refused_asking_for_the_password_to_be_removed():
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016 + "EncryptedPackage".encode("utf-16-le")

    assert refusal(encrypted, "essay.docx") == (
        "password-protected documents cannot be opened by your assessor; remove the password and upload it again")


def test_damaged_zip_is_refused_as_a_damaged_document():
    assert refusal(samples.office("word")[:200], "essay.docx") == "the document is damaged and cannot be opened"


@pytest.mark.parametrize("data", [
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    samples.webm(doctype=b"matroska"),
    samples.mp4(major=b"avif", compatible=b"avifmif1"),
    samples.ogg(b"\x80theora"),
    b"\x00\x01\x02\x03" * 100,
], ids=["gif", "matroska", "avif", "ogg theora", "binary"])
def test_unrecognised_file_is_refused_listing_what_is_allowed(data):
    assert refusal(data) == UNKNOWN


def test_text_not_in_utf8_is_refused_asking_for_utf8():
    assert refusal("Café wiring notes\n".encode("latin-1"), "notes.txt") == "text files must be saved as UTF-8"


def test_text_whose_end_is_not_utf8_is_refused_though_its_start_is():
    assert refusal(b"a" * 70_000 + b"\xff\xfe", "notes.txt") == "text files must be saved as UTF-8"


def test_refusal_reads_with_the_file_name():
    with pytest.raises(FileRefused) as refused:
        check(b"", "photo.jpg")

    assert str(refused.value) == "“photo.jpg”: the file is empty"


def test_browser_voice_recording_without_video_is_audio():
    safari = samples.mp4(major=b"iso5", compatible=b"iso5iso6mp41", handlers=(b"soun",))

    assert check(safari, "recording.mp4").content_type == "audio/mp4"
    assert check(samples.webm(codecs=(b"A_OPUS",)), "recording.webm").content_type == "audio/webm"


def test_mp4_whose_tracks_cannot_be_read_is_treated_as_video():
    assert check(samples.mp4(handlers=())).content_type == "video/mp4"


@pytest.mark.skipif(HAS_PILLOW_HEIF, reason="pillow-heif decodes HEIC; this covers its absence")
def test_heic_without_pillow_heif_is_accepted_by_signature_and_gets_no_thumbnail():
    checked = check(samples.heic(), "IMG_0001.HEIC")

    assert (checked.content_type, checked.clean_name, checked.thumbnailable) == ("image/heic", "IMG_0001.heic", False)


def test_file_on_disk_is_checked_by_path(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(samples.wav())

    assert check_upload(path, "voice", path.stat().st_size).content_type == "audio/wav"


def test_open_file_is_left_rewound_for_saving():
    upload = io.BytesIO(samples.image("PNG"))
    upload.seek(10)

    check_upload(upload, "photo.png", len(upload.getvalue()))

    assert upload.tell() == 0


class CountingReader(io.FileIO):
    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.bytes_read += count or 0
        return count


def test_large_video_is_classified_without_reading_its_body(tmp_path):
    path = tmp_path / "long.mp4"
    with open(path, "wb") as f:
        # moov after a 150 MB mdat, as phones write it; the sparse file costs no disk.
        f.write(samples.box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + (150 * MB + 8).to_bytes(4, "big") + b"mdat")
        f.seek(150 * MB, io.SEEK_CUR)
        f.write(samples.box(b"moov", samples.box(b"trak", samples.box(b"mdia", samples.box(
            b"hdlr", b"\x00" * 8 + b"soun" + b"\x00" * 13)))))

    with CountingReader(path) as reader:
        checked = check_upload(reader, "long.mp4", path.stat().st_size)

    assert checked.content_type == "audio/mp4"
    assert reader.bytes_read < 200_000

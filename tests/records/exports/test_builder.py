"""The portfolio export's ZIP: every entry in the manifest with its hash, data.json valid against the schema,
leap2a.xml an Atom feed with one entry per evidence item, offline pages that link to each other and fetch nothing,
the badges and certificates, and only one centre's records when a centre is given. Written as a stream: files read
a chunk at a time, into an output that need not seek, in a number of queries that does not grow with the evidence."""

import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from badges.models import Award
from centres import zip_stream
from portfolios.models import Evidence
from qualifications.models import AssessmentCriterion
from records.exports.builder import write_portfolio_export
from records.exports.data_json import SCHEMA_PATH
from tests.badges.test_ob3 import itxt_chunks
from tests.moderation.external.sample_pack_world import submitted

from .export_world import export_world, exported, manifest_of, zip_entries

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(personas):
    return export_world(personas)


@pytest.fixture
def export(world, personas):
    data, summary = exported(personas.learner)
    return data, summary, zip_entries(data)


def test_the_manifest_lists_every_other_entry_with_its_size_and_sha256(export):
    data, summary, entries = export
    manifest = manifest_of(entries)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert sorted(listed) == sorted(name for name in entries if name != "manifest.json")
    for path, content in entries.items():
        if path != "manifest.json":
            assert (listed[path]["size"], listed[path]["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    assert (summary.size, summary.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert summary.file_count == len(entries) and manifest["format"] == "leap-portfolio-export"


def test_data_json_validates_against_the_shipped_schema(export, world, personas):
    document = json.loads(export[2]["data.json"])
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []
    assert document["learner"]["email"] == personas.learner.email
    enrolment = next(e for e in document["enrolments"] if e["ref"] == f"enrolment-{world.enrolment.pk}")
    signed_unit = enrolment["units"][0]
    assert signed_unit["state"] == "signed_off" and all(c["met"] for c in signed_unit["criteria"])
    assert signed_unit["sign_offs"][0]["seal_hash"] == world.award.sign_off.seal_hash
    item = next(e for e in enrolment["evidence"] if e["ref"] == f"evidence-{world.signed_off.pk}")
    stored = world.signed_off.files.get()
    assert item["files"][0]["sha256"] == stored.sha256 and item["files"][0]["path"] in export[2]
    assert item["reviews"][0]["feedback"] == "Well done." and item["reviews"][0]["decisions"][0]["met"] is True
    returned = next(e for e in enrolment["evidence"] if e["ref"] == f"evidence-{world.open_item.pk}")
    assert returned["reviews"][0]["voice_feedback"] in export[2]
    assert enrolment["progress"] == {"criteria_met": 4, "criteria_total": 8, "percent": 50}


def test_leap2a_is_an_atom_feed_with_one_entry_per_evidence_item_linked_to_its_criteria(export, personas):
    entries = export[2]
    feed = ET.fromstring(entries["leap2a.xml"])
    assert feed.tag == f"{ATOM}feed"
    by_id = {entry.findtext(f"{ATOM}id"): entry for entry in feed.findall(f"{ATOM}entry")}
    evidence = Evidence.objects.filter(enrolment__learner=personas.learner)
    items = {key: entry for key, entry in by_id.items() if key.startswith("portfolio:evidence-")}
    assert sorted(items) == sorted(f"portfolio:evidence-{e.pk}" for e in evidence)
    signed = items[f"portfolio:evidence-{evidence.filter(status='accepted').get().pk}"]
    assert signed.find(f"{RDF}type").get(f"{RDF}resource") == "leap2:entry"
    assert signed.findtext(f"{ATOM}content") == "I prepared the kitchen."
    criteria = [link.get("href") for link in signed.findall(f"{ATOM}link") if link.get("rel") == "leap2:is_evidence_of"]
    assert len(criteria) == 4
    for href in criteria:
        assert by_id[href].find(f"{RDF}type").get(f"{RDF}resource") == "leap2:ability"
    enclosures = [link.get("href") for link in signed.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert enclosures and all(href in entries for href in enclosures)
    feedback = [e for e in by_id.values() if any(link.get("rel") == "leap2:reflects_on" and link.get("href") ==
                                                 signed.findtext(f"{ATOM}id") for link in e.findall(f"{ATOM}link"))]
    assert [f.findtext(f"{ATOM}author/{ATOM}email") for f in feedback] == [personas.assessor.email]
    selections = [e for e in by_id.values() if e.find(f"{RDF}type").get(f"{RDF}resource") == "leap2:selection"]
    assert {s.find(f"{ATOM}category").get("term") for s in selections} == {"Grouping"}


def test_the_offline_pages_link_to_each_other_fetch_nothing_and_escape_user_content(export):
    entries = export[2]
    pages = {name: content.decode() for name, content in entries.items() if name.endswith(".html")}
    index = pages["index.html"]
    qualification_pages = re.findall(r'href="(qualifications/[^"#]+)"', index)
    assert qualification_pages and all(page in pages for page in qualification_pages)
    for name, html in pages.items():
        assert "<script" not in html and "style=" not in html
        assert not re.search(r'(src|href)="https?:', html), name
        folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
        for href in re.findall(r'(?:href|src)="([^"#]+)', html):
            resolved = _resolve(folder, href)
            assert resolved in entries, f"{name} links to {href}, which the ZIP does not hold"
    unit_pages = [name for name in pages if name.startswith("units/")]
    assert unit_pages and all("../qualifications/" in pages[name] for name in unit_pages)
    everything = "".join(pages.values())
    assert "Menu &lt;b&gt;costing&lt;/b&gt;" in everything and "<b>costing" not in everything
    assert "&lt;script&gt;working" in everything
    assert "style.css" in entries and "I prepared the kitchen." in everything and "Well done." in everything


def _resolve(folder: str, href: str) -> str:
    parts = (folder + href).split("/")
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            resolved.pop()
        elif part not in ("", "."):
            resolved.append(part)
    return "/".join(resolved)


def test_badges_are_baked_in_both_versions_with_the_credential_and_its_jwt(export, world):
    entries = export[2]
    award = Award.objects.get(pk=world.award.pk)
    names = sorted(name for name in entries if name.startswith("badges/"))
    assert [name.rsplit("-", 1)[1] for name in names] == ["ob2.png", "ob3.json", "ob3.jwt", "ob3.png"]
    ob2_png, ob3_json, ob3_jwt, ob3_png = (entries[name] for name in names)
    assert list(itxt_chunks(ob2_png)) == ["openbadges"]
    assert json.loads(itxt_chunks(ob3_png)["openbadgecredential"]) == award.credential_ob3
    assert json.loads(ob3_json) == award.credential_ob3 and ob3_jwt.decode() == award.credential_jwt


def test_a_certificate_without_its_pdf_yet_is_rendered_into_the_export(export, world):
    assert not world.certificate.pdf
    pdfs = [content for name, content in export[2].items() if name.startswith("certificates/")]
    assert len(pdfs) == 1 and pdfs[0].startswith(b"%PDF")


def test_each_signed_off_unit_comes_with_its_seal_events_and_signed_checkpoint(export, world):
    manifest = manifest_of(export[2])
    [sealed] = manifest["sealed_units"]
    assert sealed["seal_hash"] == world.award.sign_off.seal_hash
    [chain] = manifest["audit_chains"].values()
    actions = {event["action"] for event in chain["events"]}
    assert {"unit.signed_off", "review.decided", "evidence.submitted"} <= actions
    assert chain["checkpoints"] and all(c["public_key"] for c in chain["checkpoints"])
    assert max(e["seq"] for e in chain["events"]) <= chain["checkpoints"][0]["document"]["seq"]


def test_given_a_centre_only_that_centres_records_are_exported(world, personas):
    entries = zip_entries(exported(personas.learner, centre=personas.centre)[0])
    document = json.loads(entries["data.json"])
    assert {e["centre"]["slug"] for e in document["enrolments"]} == {personas.centre.slug}
    everything = b"".join(entries.values())
    assert b"Work done elsewhere" not in everything and b"OTHER-L1" not in everything
    assert f"evidence-{world.elsewhere.pk}".encode() not in everything
    assert b"Work done elsewhere" in b"".join(zip_entries(exported(personas.learner)[0]).values())


def test_another_learners_portfolio_is_not_in_the_export(world, personas):
    entries = zip_entries(exported(personas.second_learner)[0])
    document = json.loads(entries["data.json"])
    assert document["enrolments"] == [] and document["badges"] == []
    assert personas.learner.email.encode() not in b"".join(entries.values())


class _WriteOnly:
    """An output that cannot seek or tell, like a pipe or an HTTP response."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data) -> int:
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def test_the_zip_streams_into_an_output_that_cannot_seek(world, personas):
    out = _WriteOnly()
    summary = write_portfolio_export(learner=personas.learner, out=out)
    data = out.buffer.getvalue()
    assert summary.sha256 == hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None and "manifest.json" in zf.namelist()


def test_stored_files_are_read_a_chunk_at_a_time_never_whole(world, personas, monkeypatch):
    reads = []
    opened = zip_stream.storage_open

    class Recording:
        def __init__(self, handle):
            self.handle = handle

        def read(self, size=-1):
            reads.append(size)
            return self.handle.read(size)

        def close(self):
            self.handle.close()

    monkeypatch.setattr(zip_stream, "CHUNK", 64)
    monkeypatch.setattr(zip_stream, "storage_open", lambda field_file: Recording(opened(field_file)))
    entries = zip_entries(exported(personas.learner)[0])
    assert reads and set(reads) == {64}  # every read bounded: never read() of a whole file
    photo = world.signed_off.files.get()
    assert len(reads) > photo.size // 64 and any(len(c) == photo.size for c in entries.values())


def test_an_unknown_purpose_is_refused(personas):
    with pytest.raises(ValueError):
        write_portfolio_export(learner=User.objects.get(pk=personas.learner.pk), out=io.BytesIO(), purpose="sale")


def test_the_number_of_queries_does_not_grow_with_the_evidence(world, personas):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exported(personas.learner)
        return len(captured)

    queries()  # the first export signs the award's VC-JWT once
    before = queries()
    criterion = AssessmentCriterion.objects.filter(unit__version=world.enrolment.version).last()
    for n in range(3):
        submitted(world.enrolment, personas.learner, [criterion], f"More work {n}", name=f"more-{n}.jpg")
    assert queries() == before

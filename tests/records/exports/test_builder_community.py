"""The export carries the community records of the learner's portfolio: the witness statements attached to their
evidence (in data.json, on the evidence pages, as Leap2A entries authored by the witness; never the witness's email
or IP address) and each enrolment's conversation (a page of its own, data.json's `messages`, the voice notes and
attachments in `files/messages/`, hashed in the manifest and checked by verify_export), in a number of queries
that does not grow with the messages or the statements."""

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from community.conversations.services import Upload, message_send
from community.witness.services import criteria_to_offer, witness_statement_submit
from records.exports.data_json import schema_problems
from records.exports.verify import verify_export
from records.transfers.reading import schema_validator
from tests.community.witness.world import ask
from tests.moderation.external.sample_pack_world import rewritten
from tests.portfolios.evidence_samples import jpeg_bytes, wav_bytes

from .export_world import export_world, exported, manifest_of, zip_entries
from .test_builder import ATOM, _resolve

pytestmark = pytest.mark.django_db
WITNESS_EMAIL = "pat.supervisor@example.com"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def witnessed(personas, evidence, text="I watched her cost the menu <b>to the penny</b>.", ip="203.0.113.9"):
    request = ask(evidence, personas.assessor, list(criteria_to_offer(evidence)), email=WITNESS_EMAIL)
    return witness_statement_submit(
        witness_request=request, text=text, criteria=list(request.criteria.all()), role="Head chef",
        relationship="Her supervisor at the restaurant", observed_from="2026-11-20", observed_to=None,
        typed_name="Pat Okafor", declared=True, ip_address=ip, user_agent="Witness Browser/1.0")


def said(enrolment, actor, text, **files):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return message_send(enrolment=enrolment, actor=actor, text=text, form_token="", **files)[0]


def upload(name: str, content: bytes) -> Upload:
    return Upload(content=io.BytesIO(content), name=name, size=len(content))


@pytest.fixture
def world(personas):
    world = export_world(personas)
    world.statement = witnessed(personas, world.open_item)
    world.voice = wav_bytes(seconds=0.3)
    world.question = said(world.enrolment, personas.learner, "Is my <i>costing</i> right?",
                          voice=upload("memo.wav", world.voice))
    world.answer = said(world.enrolment, personas.assessor, "Nearly: add the supplier prices.",
                        attachments=[upload("prices.jpg", jpeg_bytes())])
    return world


@pytest.fixture
def export(world, personas):
    data, _summary = exported(personas.learner)
    return data, zip_entries(data)


def enrolment_in(document, world) -> dict:
    return next(e for e in document["enrolments"] if e["ref"] == f"enrolment-{world.enrolment.pk}")


def test_data_json_holds_the_statement_without_the_witnesss_email_or_ip_and_validates(export, world):
    data, entries = export
    document = json.loads(entries["data.json"])
    assert schema_problems(document) == []
    item = next(e for e in enrolment_in(document, world)["evidence"] if e["ref"] == f"evidence-{world.open_item.pk}")
    [statement] = item["witness_statements"]
    assert statement["witness"] == {"name": "Pat Okafor", "role": "Head chef"}
    assert statement["relationship"] == "Her supervisor at the restaurant"
    assert statement["text"] == "I watched her cost the menu <b>to the penny</b>."
    assert statement["criteria"] == [{"unit": c.unit.code, "number": c.number}
                                     for c in world.statement.criteria.order_by("position")]
    assert (statement["observed_from"], statement["observed_to"]) == ("2026-11-20", None)
    assert statement["signed_name"] == "Pat Okafor" and statement["received_by"] == "emailed_link"
    assert WITNESS_EMAIL.encode() not in data and b"203.0.113.9" not in data  # not even compressed into a page
    assert all(WITNESS_EMAIL.encode() not in content and b"203.0.113.9" not in content
               for content in entries.values())


def test_data_json_holds_the_conversation_with_its_files_hashed_in_the_manifest(export, world, personas):
    entries = export[1]
    document = json.loads(entries["data.json"])
    question, answer = enrolment_in(document, world)["messages"]
    assert question["author"] == {"name": personas.learner.get_full_name(), "role": "learner"}
    assert answer["author"] == {"name": personas.assessor.get_full_name(), "role": "assessor"}
    assert question["text"] == "Is my <i>costing</i> right?" and question["sent_at"] < answer["sent_at"]
    [voice], [attachment] = question["files"], answer["files"]
    assert voice["role"] == "voice" and attachment["role"] == "attachment"
    assert voice["path"].startswith(f"files/messages/enrolment-{world.enrolment.pk}/")
    assert entries[voice["path"]] == world.voice
    listed = {entry["path"]: entry for entry in manifest_of(entries)["files"]}
    assert voice["sha256"] == world.question.files.get().sha256
    assert attachment["sha256"] == world.answer.files.get().sha256
    for file in (voice, attachment):
        assert listed[file["path"]]["sha256"] == file["sha256"] and file["path"] in entries
    other = next(e for e in document["enrolments"] if e["ref"] != f"enrolment-{world.enrolment.pk}"
                 and e["centre"]["slug"] != personas.centre.slug)
    assert other["messages"] == []


def test_the_offline_pages_show_the_statement_and_the_conversation_escaped_and_linked(export, world, personas):
    entries = export[1]
    conversation = f"conversations/enrolment-{world.enrolment.pk}.html"
    qualification = entries[f"qualifications/enrolment-{world.enrolment.pk}.html"].decode()
    assert f'href="../{conversation}"' in qualification and "2 messages with the assessor" in qualification
    assert "Witness statement by Pat Okafor (Head chef)" in qualification
    assert "to the penny" in qualification and "<b>to the penny" not in qualification
    assert "Her supervisor at the restaurant" in qualification and "emailed to the witness" in qualification
    page = entries[conversation].decode()
    assert personas.learner.get_full_name() in page and personas.assessor.get_full_name() in page
    assert "Is my &lt;i&gt;costing&lt;/i&gt; right?" in page and "Nearly: add the supplier prices." in page
    assert "<script" not in page and "style=" not in page and not re.search(r'(src|href)="https?:', page)
    links = re.findall(r'(?:href|src)="([^"#]+)', page)
    assert any(link.endswith("memo.wav") for link in links) and any(link.endswith("prices.jpg") for link in links)
    assert all(_resolve("conversations/", link) in entries for link in links)
    assert "<audio controls" in page


def test_leap2a_has_the_statement_as_an_entry_by_the_witness_about_the_evidence(export, world):
    feed = ET.fromstring(export[1]["leap2a.xml"])
    by_id = {entry.findtext(f"{ATOM}id"): entry for entry in feed.findall(f"{ATOM}entry")}
    testimony = by_id[f"portfolio:witness-statement-{world.statement.pk}"]
    assert testimony.findtext(f"{ATOM}author/{ATOM}name") == "Pat Okafor"
    assert testimony.find(f"{ATOM}author/{ATOM}email") is None
    links = [(link.get("rel"), link.get("href")) for link in testimony.findall(f"{ATOM}link")]
    assert ("leap2:reflects_on", f"portfolio:evidence-{world.open_item.pk}") in links
    criteria = [href for rel, href in links if rel == "leap2:is_evidence_of"]
    assert criteria and all(by_id[href] is not None for href in criteria)
    assert not any("message" in key for key in by_id)  # messages are not mapped to Leap2A


def test_verify_export_passes_and_names_a_changed_message_file(export, world):
    data, entries = export
    check = verify_export(io.BytesIO(data))
    assert check.ok, check.problems
    voice = json.loads(entries["data.json"])["enrolments"][0]["messages"][0]["files"][0]["path"]
    changed = rewritten(data, lambda name, content: content + b"!" if name == voice else content)
    assert any(problem.startswith(f"{voice}: SHA-256") for problem in verify_export(io.BytesIO(changed)).problems)


def test_verify_export_names_a_message_file_data_json_gives_another_hash(export):
    data, entries = export
    document = json.loads(entries["data.json"])
    file = document["enrolments"][0]["messages"][0]["files"][0]
    file["sha256"] = "0" * 64
    forged = rewritten(data, lambda name, content: json.dumps(document).encode() if name == "data.json" else content)
    problems = verify_export(io.BytesIO(forged)).problems
    assert any(f"the SHA-256 of {file['path']} differs from the file's" in problem for problem in problems)


def test_the_transfer_import_still_accepts_the_document_with_statements_and_messages(export):
    document = json.loads(export[1]["data.json"])
    assert document["enrolments"][0]["messages"] and list(schema_validator().iter_errors(document)) == []


def test_the_number_of_queries_does_not_grow_with_messages_or_statements(world, personas):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exported(personas.learner)
        return len(captured)

    queries()  # the first export signs the award's VC-JWT once
    before = queries()
    for n in range(3):
        said(world.enrolment, personas.learner, f"Another question {n}", voice=upload(f"q{n}.wav", wav_bytes()))
        said(world.enrolment, personas.assessor, f"Another answer {n}",
             attachments=[upload(f"a{n}.jpg", jpeg_bytes())])
    witnessed(personas, world.open_item, text="Seen again.")
    assert queries() == before

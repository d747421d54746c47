"""verify_export: a fresh export checks out; a changed byte in a file, a changed data.json (even with the manifest
changed to match), a changed audit event or a forged checkpoint is named."""

import hashlib
import io
import json
import zipfile

import pytest

from audit.models import AuditEvent
from audit.services import audit_erase_content
from records.exports.verify import verify_export
from tests.moderation.external.sample_pack_world import rewritten

from .export_world import export_world, exported, manifest_of, zip_entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def export(personas) -> bytes:
    export_world(personas)
    return exported(personas.learner)[0]


def checked(data: bytes):
    return verify_export(io.BytesIO(data))


def problems_of(data: bytes) -> str:
    return "\n".join(checked(data).problems)


def with_manifest(data: bytes, change) -> bytes:
    """The export with its manifest passed through `change(manifest)`."""
    def edit(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        change(manifest)
        return json.dumps(manifest).encode()
    return rewritten(data, edit)


def relisted(data: bytes, path: str, content: bytes) -> bytes:
    """The export with `path` replaced by `content` and the manifest changed to match (a careful forger)."""
    swapped = rewritten(data, lambda name, old: content if name == path else old)

    def match(manifest):
        for entry in manifest["files"]:
            if entry["path"] == path:
                entry["size"], entry["sha256"] = len(content), hashlib.sha256(content).hexdigest()
    return with_manifest(swapped, match)


def test_a_fresh_export_verifies(export):
    check = checked(export)
    assert check.problems == [] and check.ok
    assert check.sealed_units == 1 and check.events > 3 and check.checkpoints >= 1
    assert check.files == len(zip_entries(export)) - 1


def test_a_changed_byte_in_a_file_is_named(export):
    name = next(n for n in zip_entries(export) if n.startswith("files/") and n.endswith(".jpg"))
    changed = rewritten(export, lambda n, content: content[:-1] + bytes([content[-1] ^ 1]) if n == name else content)
    assert f"{name}: SHA-256" in problems_of(changed)


def test_a_file_dropped_or_added_is_named(export):
    name = next(n for n in zip_entries(export) if n.startswith("badges/"))
    assert f"{name}: in the manifest but missing" in problems_of(rewritten(export, lambda n, c: None if n == name
                                                                            else c))
    buffer = io.BytesIO(rewritten(export, lambda n, c: c))  # the same ZIP written afresh, then one more entry
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.writestr("files/extra.txt", b"slipped in")
    assert "files/extra.txt: in the ZIP but not in the manifest" in problems_of(buffer.getvalue())


def test_a_changed_data_json_is_named(export):
    document = json.loads(zip_entries(export)["data.json"])
    document["enrolments"][0]["evidence"][0]["reflection"] = "Someone else wrote this."
    content = json.dumps(document).encode()
    assert "data.json: SHA-256" in problems_of(rewritten(export, lambda n, c: content if n == "data.json" else c))
    # With the manifest changed to match, the sealed unit still gives it away.
    found = problems_of(relisted(export, "data.json", content))
    assert "data.json: SHA-256" not in found
    assert "reflection differs from the seal" in found


def test_a_data_json_that_breaks_the_schema_is_named(export):
    document = json.loads(zip_entries(export)["data.json"])
    document["version"] = 7
    del document["enrolments"][0]["units"][0]["criteria"][0]["met"]
    found = problems_of(relisted(export, "data.json", json.dumps(document).encode()))
    assert "data.json: version: 7 was expected" in found or "data.json: version:" in found
    assert "data.json: enrolments/0/units/0/criteria/0: 'met' is a required property" in found


def test_a_changed_audit_event_is_named(export):
    def change(manifest):
        [chain] = manifest["audit_chains"].values()
        event = next(e for e in chain["events"] if e["action"] == "review.decided")
        event["data"]["outcome"] = "returned"
    found = problems_of(with_manifest(export, change))
    assert "(review.decided): its data or actor label was altered" in found


def test_an_audit_event_rewritten_with_its_hashes_does_not_link_to_the_checkpoint(export):
    def change(manifest):
        [chain] = manifest["audit_chains"].values()
        event = next(e for e in chain["events"] if e["action"] == "unit.signed_off")
        event["created_at"] = "2020-01-01T00:00:00+00:00"
    found = problems_of(with_manifest(export, change))
    assert "(unit.signed_off): its hash differs from its recomputed hash" in found


def test_a_forged_checkpoint_is_named(export):
    def change(manifest):
        [chain] = manifest["audit_chains"].values()
        chain["checkpoints"][0]["document"]["hash"] = "0" * 64
    found = problems_of(with_manifest(export, change))
    assert "the signature is invalid (forged or altered)" in found


def test_a_changed_seal_is_named(export):
    def change(manifest):
        manifest["sealed_units"][0]["seal"]["achieved"] = ["1.1"]
    found = problems_of(with_manifest(export, change))
    assert "the seal differs from its seal hash" in found


def test_a_file_that_is_not_an_export_is_named():
    assert checked(b"not a zip").problems[0].startswith("not a readable ZIP file")
    assert checked(rewritten_empty()).problems == ["manifest.json: missing or not JSON"]


def rewritten_empty() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("data.json", b"{}")
    return buffer.getvalue()


def test_the_sealed_file_check_names_a_file_changed_with_the_manifest_to_match(export):
    entries = zip_entries(export)
    sealed_path = next(iter(manifest_of(entries)["sealed_units"][0]["files"].values()))
    found = problems_of(relisted(export, sealed_path, b"another photo"))
    assert f"{sealed_path}: differs from the file sealed at sign-off" in found


def test_an_export_whose_events_had_their_content_erased_still_verifies(personas):
    world = export_world(personas)
    erased = AuditEvent.objects.filter(action="review.decided", subject=f"portfolios.enrolment:{world.enrolment.pk}")
    assert erased.exists()
    audit_erase_content(events=erased, actor=personas.admin, reason="retention")
    check = checked(exported(personas.learner)[0])
    assert check.problems == []

import json
from pathlib import Path

import pytest

from badges.openbadges.crypto.contexts import (
    CONTEXTS_DIR,
    OB_V3P0,
    VC_V2,
    UnknownContextError,
    bundled_context,
    bundled_context_urls,
    document_loader,
)

SHARED_CONTEXTS = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "openbadges" / "contexts"


def test_every_context_in_the_index_is_shipped_with_the_app():
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    assert VC_V2 in index and OB_V3P0 in index
    for url in bundled_context_urls():
        assert "@context" in bundled_context(url)


def test_bundled_contexts_are_the_shared_standards_files():
    if not SHARED_CONTEXTS.exists():
        pytest.skip("shared/ is not beside the project")
    shared_index = json.loads((SHARED_CONTEXTS / "index.json").read_text())
    assert json.loads((CONTEXTS_DIR / "index.json").read_text()) == shared_index
    for filename in shared_index.values():
        assert (CONTEXTS_DIR / filename).read_bytes() == (SHARED_CONTEXTS / filename).read_bytes(), filename


def test_the_loader_serves_a_bundled_context_as_a_remote_document():
    remote = document_loader(VC_V2, {})
    assert remote["documentUrl"] == VC_V2
    assert remote["contextUrl"] is None
    assert remote["document"] == bundled_context(VC_V2)


@pytest.mark.parametrize("url", ["https://example.com/context.json", "http://www.w3.org/ns/credentials/v2",
                                 "https://www.w3.org/ns/credentials/v2#x"])
def test_the_loader_never_goes_to_the_network(url):
    with pytest.raises(UnknownContextError, match="never fetched"):
        document_loader(url, {})


def test_callers_get_copies_they_may_change():
    bundled_context(VC_V2)["@context"]["changed"] = "yes"
    assert "changed" not in bundled_context(VC_V2)["@context"]


def test_the_standards_copies_in_the_tests_are_the_shared_files():
    shared = SHARED_CONTEXTS.parent
    if not shared.exists():
        pytest.skip("shared/ is not beside the project")
    here = Path(__file__).parent / "standards"
    for name in ("ob_v3p0_achievementcredential_schema.json", "ob3-eddsa-rdfc-2022-test-vector.json"):
        assert json.loads((here / name).read_text()) == json.loads((shared / name).read_text()), name

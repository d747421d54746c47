"""Canonicalisation's short paths give exactly what the full JSON-LD pipeline gives.

``canonicalise`` expands a document once, keeps the bundled contexts processed between calls and remembers
scoped contexts; proof options of the usual shape are canonicalised from a template. Each is checked here
against the plain pipeline (pyld's expand then normalize, nothing kept between calls, as LEAP did before), on
official test vectors, on LEAP's own credentials and on varied inputs, in the order that would expose state
leaking from one document to the next.
"""

import copy
import hashlib
import json
import random
from pathlib import Path

import pytest
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from badges.openbadges import ob3
from badges.openbadges.crypto import contexts
from badges.openbadges.crypto import data_integrity as di
from badges.openbadges.crypto.contexts import DATA_INTEGRITY_V2, MULTIKEY_V1, OB_V3P0, VC_V2, document_loader
from badges.openbadges.crypto.data_integrity import (
    CRYPTOSUITE,
    PROOF_TYPE,
    CanonicalisationError,
    canonicalise,
    sign_eddsa_rdfc_2022,
    verify_eddsa_rdfc_2022,
)
from badges.openbadges.crypto.multibase import decode_public_key, decode_secret_key
from badges.openbadges.keys import controller_document

from .test_crypto_data_integrity import VECTOR
from .test_crypto_node import leap_like_credential
from .test_ob3 import hand_award, unit_award

W3C_VECTOR = json.loads((Path(__file__).parent / "standards" / "w3c-eddsa-rdfc-2022-test-vector.json").read_text())
VC_V1 = "https://www.w3.org/2018/credentials/v1"
EXTENSIONS = ob3.EXTENSIONS


def reference_canonicalise(document: dict) -> str:
    """The plain pipeline: expand with a fresh context resolver, then normalize (which expands again)."""
    dropped = []
    options = {"base": None, "documentLoader": document_loader, "contextResolver": ContextResolver({}, document_loader)}
    expanded = jsonld.expand(copy.deepcopy(document), options, on_property_dropped=dropped.append)
    assert not dropped, dropped
    return jsonld.normalize(expanded, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": document_loader,
                                       "contextResolver": ContextResolver({}, document_loader)})


def forget_processed_contexts() -> None:
    di._RESOLVED_CONTEXTS.clear()
    di._SCOPED_CONTEXTS.clear()
    di._proof_template.cache_clear()


@pytest.fixture
def examples_context(monkeypatch):
    """Lend the W3C examples context (not bundled with LEAP) to the loader, for the W3C vector only."""
    bundled = contexts.bundled_context

    def lending(url: str) -> dict:
        if url == W3C_VECTOR["examples_context_url"]:
            return copy.deepcopy(W3C_VECTOR["examples_context"])
        return bundled(url)

    forget_processed_contexts()
    monkeypatch.setattr(contexts, "bundled_context", lending)
    yield
    forget_processed_contexts()


# --- The W3C vc-di-eddsa test vector for eddsa-rdfc-2022 ---------------------------------------------------------

def test_the_w3c_vector_document_canonicalises_exactly(examples_context):
    nquads = canonicalise(W3C_VECTOR["unsigned_credential"])
    assert nquads == W3C_VECTOR["canonical_document"]
    assert hashlib.sha256(nquads.encode()).hexdigest() == W3C_VECTOR["document_hash"]


def test_the_w3c_vector_proof_options_canonicalise_exactly(examples_context):
    nquads = canonicalise(W3C_VECTOR["proof_options"])
    assert nquads == W3C_VECTOR["canonical_proof_options"]
    assert hashlib.sha256(nquads.encode()).hexdigest() == W3C_VECTOR["proof_options_hash"]


def test_the_w3c_vector_proof_options_by_their_template_are_the_same_with_an_https_method(examples_context):
    options = {**W3C_VECTOR["proof_options"], "verificationMethod": "https://vc.example/issuers/5678#key-1"}
    fast = di._canonical_proof_options(options)
    assert fast is not None
    assert fast == reference_canonicalise(options) == W3C_VECTOR["canonical_proof_options"].replace(
        W3C_VECTOR["proof_options"]["verificationMethod"], options["verificationMethod"])


def _w3c_sign() -> dict:
    options = W3C_VECTOR["proof_options"]
    return sign_eddsa_rdfc_2022(copy.deepcopy(W3C_VECTOR["unsigned_credential"]),
                                private_key=decode_secret_key(W3C_VECTOR["key_pair"]["secretKeyMultibase"]),
                                verification_method=options["verificationMethod"], created=options["created"])


def _w3c_resolver(url: str):
    if url != W3C_VECTOR["proof_options"]["verificationMethod"]:
        raise LookupError(url)
    return decode_public_key(W3C_VECTOR["key_pair"]["publicKeyMultibase"])


def test_signing_the_w3c_vector_gives_its_proof_value_exactly(examples_context):
    assert _w3c_sign()["proof"]["proofValue"] == W3C_VECTOR["expected_proofValue"]


def test_the_w3c_vector_verifies_and_tampered_it_does_not(examples_context):
    signed = _w3c_sign()
    assert verify_eddsa_rdfc_2022(signed, public_key_resolver=_w3c_resolver).ok
    signed["credentialSubject"]["alumniOf"] = "Another School"
    assert not verify_eddsa_rdfc_2022(signed, public_key_resolver=_w3c_resolver).ok


# --- Documents: the same N-Quads as the plain pipeline, whatever came before ---------------------------------

def _scoped_inline(document: dict) -> dict:
    document = copy.deepcopy(document)
    document["@context"] = [*document["@context"], {"leapNote": {"@id": "https://leap.example/terms#note",
                                                                 "@context": {"lang": "@language"}}}]
    document["leapNote"] = {"@value": "Signed at the centre.", "lang": "en"}
    return document


def _variants() -> dict[str, dict]:
    leap_like = leap_like_credential("https://leap.example/badges/issuers/1")
    alias = copy.deepcopy(leap_like)
    alias["type"] = ["VerifiableCredential", "AchievementCredential"]
    with_extensions = copy.deepcopy(leap_like)
    with_extensions["@context"].append(EXTENSIONS)
    with_extensions["credentialSubject"]["achievement"]["alignment"].append(
        {"type": ["Alignment"], "targetType": "ext:EUMicroCredentialElement", "targetName": "Level: 3",
         "targetUrl": "https://eur-lex.europa.eu/eli/reco/2022/C243/02", "targetCode": "level"})
    no_alignments = copy.deepcopy(leap_like)
    del no_alignments["credentialSubject"]["achievement"]["alignment"]
    return {
        "1EdTech vector": VECTOR["unsigned_credential"],
        "LEAP-like": leap_like,
        "type alias": alias,
        "with extensions": with_extensions,
        "no alignments": no_alignments,
        "inline scoped context": _scoped_inline(leap_like),
        "proof options in full": {**VECTOR["proof_options"], "@context": VECTOR["unsigned_credential"]["@context"]},
        "data integrity context alone": {**VECTOR["proof_options"], "@context": DATA_INTEGRITY_V2,
                                         "expires": "2030-01-01T00:00:00Z"},
        "VC 1.1 with data integrity": {"@context": [VC_V1, DATA_INTEGRITY_V2], "id": "urn:uuid:1",
                                       "type": ["VerifiableCredential"], "issuer": "https://leap.example/i/1",
                                       "issuanceDate": "2024-01-01T00:00:00Z",
                                       "credentialSubject": {"id": "did:example:1"}},
    }


VARIANTS = _variants()


@pytest.mark.parametrize("name", VARIANTS)
def test_a_document_canonicalises_as_the_plain_pipeline_does(name):
    assert canonicalise(VARIANTS[name]) == reference_canonicalise(VARIANTS[name])


def test_documents_in_turn_and_again_give_the_plain_pipelines_n_quads():
    expected = {name: reference_canonicalise(document) for name, document in VARIANTS.items()}
    order = [*VARIANTS, *reversed(VARIANTS), *VARIANTS]
    for name in order:
        assert canonicalise(VARIANTS[name]) == expected[name], name


def test_a_controller_document_canonicalises_as_the_plain_pipeline_does(db, settings):
    from tests.factories import CentreFactory

    settings.SITE_URL = "https://leap.example"
    document = controller_document(CentreFactory())
    assert MULTIKEY_V1 in document["@context"]
    assert canonicalise(document) == reference_canonicalise(document)


def test_leaps_own_credentials_canonicalise_as_the_plain_pipeline_does(personas):
    credentials = [ob3.credential(unit_award(personas)), ob3.credential(hand_award(personas, validity_days=30))]
    assert all(credential["@context"] == [VC_V2, OB_V3P0, EXTENSIONS] for credential in credentials)
    for credential in [*credentials, *credentials]:
        assert canonicalise(credential) == reference_canonicalise(credential)


def test_the_document_is_left_alone():
    document = copy.deepcopy(VARIANTS["with extensions"])
    canonicalise(document)
    assert document == VARIANTS["with extensions"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(unknownTerm="x"), "not defined"),
    (lambda d: d["issuer"].update(id="issuers/1"), "not an absolute IRI"),
    (lambda d: d["@context"].append("https://example.com/other.json"), "not bundled"),
])
def test_what_is_refused_is_refused_every_time(change, message):
    document = copy.deepcopy(VARIANTS["LEAP-like"])
    change(document)
    for _ in range(2):
        with pytest.raises(CanonicalisationError, match=message):
            canonicalise(document)
    assert canonicalise(VARIANTS["LEAP-like"]) == reference_canonicalise(VARIANTS["LEAP-like"])


def _cached_context_documents() -> str:
    """What pyld keeps of every context in the shared cache (an entry holds one resolved context or a list)."""
    entries = [tags.get("static") for tags in di._RESOLVED_CONTEXTS.values()]
    resolved = [item for entry in entries for item in (entry if isinstance(entry, list) else [entry])]
    return json.dumps([item.document for item in resolved if item is not None], default=str)


@pytest.mark.parametrize("imported", [OB_V3P0, EXTENSIONS, MULTIKEY_V1])
def test_a_context_importing_another_is_refused_and_leaves_the_shared_contexts_alone(imported):
    canonicalise(VARIANTS["with extensions"])  # the bundled contexts are in the shared cache
    crafted = {"@context": [{"@import": imported, "zzz": "https://attacker.example/zzz"}], "zzz": "x"}
    with pytest.raises(CanonicalisationError, match="@import"):
        canonicalise(crafted)
    assert "attacker" not in _cached_context_documents()
    assert canonicalise(VARIANTS["with extensions"]) == reference_canonicalise(VARIANTS["with extensions"])


def test_no_bundled_context_imports_another():
    assert "@import" not in json.dumps(contexts.bundled_contexts())


def test_the_caches_kept_between_calls_are_bounded():
    cache = di._BoundedCache(3)
    for key in range(10):
        cache[key] = key
        assert len(cache) <= 3
    assert cache[9] == 9


# --- Proof options: the template gives the full pipeline's N-Quads ------------------------------------------

CONTEXTS = {
    "VC 2.0": [VC_V2],
    "VC 2.0 + OB 3.0": [VC_V2, OB_V3P0],
    "LEAP's": [VC_V2, OB_V3P0, EXTENSIONS],
    "data integrity": DATA_INTEGRITY_V2,
    "VC 1.1 + data integrity": [VC_V1, DATA_INTEGRITY_V2],
    "inline, same terms": [{
        "type": "@type", "sec": "https://w3id.org/security#", "xsd": "http://www.w3.org/2001/XMLSchema#",
        "DataIntegrityProof": "sec:DataIntegrityProof",
        "cryptosuite": {"@id": "sec:cryptosuite", "@type": "sec:cryptosuiteString"},
        "created": {"@id": "http://purl.org/dc/terms/created", "@type": "xsd:dateTime"},
        "verificationMethod": {"@id": "sec:verificationMethod", "@type": "@id"},
        "proofPurpose": {"@id": "sec:proofPurpose", "@type": "@vocab"},
        "assertionMethod": {"@id": "sec:assertionMethod", "@type": "@id"},
        "authentication": {"@id": "sec:authenticationMethod", "@type": "@id"},
        "capabilityInvocation": {"@id": "sec:capabilityInvocationMethod", "@type": "@id"},
    }],
}
PURPOSES = ["assertionMethod", "authentication", "capabilityInvocation"]
CREATED = ["2024-05-01T09:30:05Z", "1999-12-31T23:59:60Z", "2024-05-01T09:30:05.123456Z",
           "2024-05-01T09:30:05+05:30", "2024-05-01t09:30:05z", "2024-02-29T00:00:00-00:00"]
METHODS = ["https://leap.example/badges/issuers/1#key-1", "http://127.0.0.1:8000/badges/issuers/2/keys/3",
           "https://例え.jp/発行者/鍵?v=1&x=%20#z6Mk", "https://leap.example/a(b)*c'd~e!f$g;h=i,j@k",
           "ftp://files.example/keys/1", "https://leap.example/#"]


def _options(context, purpose="assertionMethod", created=CREATED[0], method=METHODS[0], **more) -> dict:
    return {"@context": context, "type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
            "verificationMethod": method, "proofPurpose": purpose, **more}


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
@pytest.mark.parametrize("purpose", PURPOSES)
def test_proof_options_by_template_equal_the_full_pipeline(context, purpose):
    for created in CREATED:
        for method in METHODS:
            options = _options(context, purpose, created, method)
            fast = di._canonical_proof_options(options)
            assert fast is not None, (created, method)
            assert fast == reference_canonicalise(options), (created, method)


def test_random_values_by_template_equal_the_full_pipeline():
    rng = random.Random(20240501)
    safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%éß漢🎓"
    for _ in range(150):
        created = (f"{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                   f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
                   + rng.choice(["", f".{rng.randint(0, 999999)}"])
                   + rng.choice(["Z", f"+{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", "-01:00"]))
        method = rng.choice(["https", "http", "urn-x", "a+b.c"]) + "://" + "".join(
            rng.choice(safe) for _ in range(rng.randint(1, 40)))
        options = _options(rng.choice(list(CONTEXTS.values())), rng.choice(PURPOSES), created, method)
        fast = di._canonical_proof_options(options)
        assert fast is not None, options
        assert fast == reference_canonicalise(options), options


@pytest.mark.parametrize("options", [
    _options([VC_V2], method="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6Mk"),
    _options([VC_V2], method="urn:uuid:8c7b1c2e-2f7d-4a8e-9d31-5b0e6f1a7c42"),
    _options([VC_V2], method="https://leap.example/keys/1\n"),
    _options([VC_V2], created="2024-05-01T09:30:05Z\n"),
    _options([VC_V2], created="2024-05-01"),
    _options([VC_V2], expires="2030-01-01T00:00:00Z"),
    _options([VC_V2], nonce="abc"),
    {**_options([VC_V2]), "type": [PROOF_TYPE]},
    {**_options([VC_V2]), "cryptosuite": "eddsa-jcs-2022"},
    {**_options([VC_V2]), "proofPurpose": ["assertionMethod"]},
], ids=["did:key", "urn", "newline in method", "newline in created", "date only", "expires", "nonce",
        "type list", "other cryptosuite", "purpose list"])
def test_other_shapes_take_the_full_pipeline(options):
    assert di._canonical_proof_options(options) is None


@pytest.mark.parametrize("context", [
    [{"@vocab": "https://leap.example/terms#"}],
    [{"@vocab": "https://leap.example/terms#", "verificationMethod": "https://leap.example/terms#vm"}],
    [{"@vocab": "https://leap.example/terms#", "created": {"@id": "https://leap.example/terms#created",
                                                           "@type": "https://leap.example/terms#date"}}],
    [{"@vocab": "https://leap.example/terms#", "created": {"@id": "https://leap.example/terms#created",
                                                           "@language": "en"}}],
], ids=["plain strings", "method as a string", "another datatype", "language string"])
def test_a_context_that_reads_the_values_otherwise_gets_no_template(context):
    options = _options(context)
    assert di._canonical_proof_options(options) is None
    assert canonicalise(options) == reference_canonicalise(options)


def test_a_context_that_makes_created_an_iri_gets_no_template_and_is_refused():
    context = [{"@vocab": "https://leap.example/terms#",
                "created": {"@id": "https://leap.example/terms#created", "@type": "@id"}}]
    assert di._canonical_proof_options(_options(context)) is None
    with pytest.raises(CanonicalisationError, match="not an absolute IRI"):
        canonicalise(_options(context))


def test_the_signature_is_the_same_by_either_path():
    private_key = decode_secret_key(VECTOR["key_pair"]["secretKeyMultibase"])
    document = VARIANTS["with extensions"]
    proof = {key: value for key, value in _options(document["@context"]).items() if key != "@context"}
    config = {**proof, "@context": document["@context"]}
    full = hashlib.sha256(reference_canonicalise(config).encode()).digest() + hashlib.sha256(
        reference_canonicalise(document).encode()).digest()
    assert di._hash_data(document, proof) == full
    signed = sign_eddsa_rdfc_2022(document, private_key=private_key, verification_method=proof["verificationMethod"],
                                  created=proof["created"])
    private_key.public_key().verify(decode_multibase_signature(signed["proof"]["proofValue"]), full)


def decode_multibase_signature(value: str) -> bytes:
    from badges.openbadges.crypto.multibase import multibase_decode

    return multibase_decode(value)

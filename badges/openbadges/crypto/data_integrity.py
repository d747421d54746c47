"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0, 3.3).

Signing (3.3.1 to 3.3.5): the proof configuration is the proof options with the document's ``@context``;
both it and the document without its proof are canonicalised with RDFC-1.0 (pyld's URDNA2015, which is the
same algorithm) and hashed with SHA-256; the Ed25519 signature over ``proofConfigHash || documentHash`` is
the ``proofValue``, multibase base58btc.

Canonicalisation is strict, like the Digital Bazaar verifiers' "safe mode": a property the contexts do not
define, a relative IRI, or a control character whose N-Quads escaping pyld writes differently from RDFC-1.0
is refused instead of being silently dropped or hashed differently from other implementations.

It is also quick, with the same output as pyld's plain pipeline (tests/badges/test_crypto_canonical_paths.py):
the document is expanded once on its way to RDF, the bundled contexts stay processed between calls (scoped
contexts too), and proof options of the usual shape are canonicalised from a template made once per context.
"""

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from badges.openbadges.crypto.contexts import UnknownContextError, document_loader
from badges.openbadges.crypto.multibase import MultibaseError, multibase_decode, multibase_encode
from badges.openbadges.crypto.result import VerificationResult, failed

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

# xsd:dateTime with a time zone, as the VC Data Model 2.0 requires.
DATETIME_RE = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$",
    re.IGNORECASE,
)
# pyld escapes only \t \n \r " \\ in literals; RDFC-1.0 also escapes these, so they would hash differently.
_UNSTABLE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*$")

PublicKeyResolver = Callable[[str], Ed25519PublicKey]


class CanonicalisationError(ValueError):
    pass


def xsd_datetime(moment: datetime) -> str:
    """``2024-05-01T09:30:00Z``: a moment in UTC to the second, as used for ``created`` and ``validFrom``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_document(value: Any) -> None:
    """Refuse control characters, and ``@import`` in a context: pyld merges the importing context into its copy of
    the imported one, and that copy is the one the context cache shares between documents."""
    if isinstance(value, str):
        if _UNSTABLE_CHARACTERS.search(value):
            raise CanonicalisationError(f"control characters are not allowed in signed text: {value[:60]!r}")
    elif isinstance(value, dict):
        if "@import" in value:
            raise CanonicalisationError("a context with @import is not supported")
        for key, item in value.items():
            _check_document(key)
            _check_document(item)
    elif isinstance(value, list):
        for item in value:
            _check_document(item)


def _check_iris(expanded: Any) -> None:
    if isinstance(expanded, list):
        for item in expanded:
            _check_iris(item)
        return
    if not isinstance(expanded, dict):
        return
    for key, value in expanded.items():
        if key in ("@id", "@type"):
            for iri in value if isinstance(value, list) else [value]:
                if isinstance(iri, str) and not iri.startswith("_:") and not iri.startswith("@") \
                        and not _ABSOLUTE_IRI.match(iri):
                    raise CanonicalisationError(f"{key} {iri!r} is not an absolute IRI")
        elif key != "@value":
            _check_iris(value)


def _root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


class _BoundedCache(dict):
    """A cache kept across calls that empties itself when it grows past ``limit`` (a plain ``clear`` is safe
    between threads)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


# pyld's shared cache of resolved contexts: the bundled contexts are fixed files, so each is processed once per
# process. Inline contexts of documents being verified land here too, hence the bound.
_RESOLVED_CONTEXTS = _BoundedCache(512)
# Scoped contexts applied to an active context: (active context id, local context, flags) -> the new context.
_SCOPED_CONTEXTS = _BoundedCache(4096)
_PROCESSED = type(jsonld.freeze({}))  # the immutable mapping pyld makes of a processed context


class _StrictProcessor(jsonld.JsonLdProcessor):
    """pyld's processor, with two changes that leave its output alone.

    - What would not be signed faithfully is refused as soon as the document is expanded, so canonicalising
      expands it once: ``normalize`` goes to RDF through this ``expand``.
    - A scoped context applied to an active context is remembered: pyld keeps the bundled contexts processed,
      but works out a type-scoped context again on every node of that type (each Alignment, each Achievement).
      Active contexts are immutable once processed and each has its own ``_uuid``; the local context is
      matched by identity (it is part of a cached context), so an answer is reused only for the very same
      inputs.
    """

    def __init__(self) -> None:
        self.dropped: list[str | None] = []
        super().__init__(on_property_dropped=self.dropped.append)

    def expand(self, input_: Any, options: dict[str, Any]) -> list[Any]:
        expanded = super().expand(input_, options)
        if self.dropped:
            raise CanonicalisationError(
                f"a property is not defined by the document's @context, so it would not be signed ({self.dropped[0]})")
        _check_iris(expanded)
        return expanded

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True,
                         validate_scoped=True, cycles=None):
        uuid = active_ctx.get("_uuid") if isinstance(active_ctx, _PROCESSED) else None
        key = (uuid, id(local_ctx), override_protected, propagate, validate_scoped)
        if uuid is not None and (known := _SCOPED_CONTEXTS.get(key)) is not None and known[0] is local_ctx:
            return known[1]
        processed = super()._process_context(active_ctx, local_ctx, options, override_protected=override_protected,
                                             propagate=propagate, validate_scoped=validate_scoped, cycles=cycles)
        if uuid is not None and isinstance(processed, _PROCESSED):
            _SCOPED_CONTEXTS[key] = (local_ctx, processed)
        return processed


def _normalise(document: dict[str, Any]) -> str:
    # base None keeps relative IRIs relative (pyld would resolve them against http://example.org/base/),
    # so that _check_iris can refuse them.
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "base": None,
               "documentLoader": document_loader,
               "contextResolver": ContextResolver(_RESOLVED_CONTEXTS, document_loader)}
    try:
        return _StrictProcessor().normalize(document, options)
    except CanonicalisationError:
        raise
    except Exception as error:  # pyld reports malformed input with JsonLdError, and sometimes with a KeyError
        cause = _root_cause(error)
        if isinstance(cause, UnknownContextError):
            raise CanonicalisationError(str(cause)) from error
        raise CanonicalisationError(f"JSON-LD processing failed: {cause!r}") from error


def canonicalise(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document, using only the bundled contexts."""
    _check_document(document)
    return _normalise(document)


# --- Proof options: the same N-Quads by a short path -------------------------------------------------------
#
# Proof options have a fixed shape: five terms, two of them constant. Under a given @context and purpose their
# canonical form is the same N-Quads but for the values of created and verificationMethod, which RDFC-1.0 writes
# as they are when they are an xsd:dateTime literal and an IRI with an authority (no compact IRI, no escaping).
# So the full pipeline runs once per (@context, purpose) on placeholder values, and later proofs fill them in.
# A context under which the placeholders do not come out as exactly that (another datatype, a plain string, more
# than one blank node) gets no template, and its proofs take the full pipeline.

_CREATED_PLACEHOLDER = "0001-01-01T00:00:00Z"
_METHOD_PLACEHOLDER = "https://proof-options.invalid/verification-method"
_AUTHORITY_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\x00-\x20<>\"{}|^`\\]*$")
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_PROOF_OPTION_KEYS = frozenset({"@context", "type", "cryptosuite", "created", "verificationMethod", "proofPurpose"})


def _fill(template: str, created: str, method: str) -> str:
    lines = template.replace(f'"{_CREATED_PLACEHOLDER}"^^', f'"{created}"^^').replace(
        f"<{_METHOD_PLACEHOLDER}>", f"<{method}>").splitlines(keepends=True)
    return "".join(sorted(lines))


@functools.lru_cache(maxsize=64)
def _proof_template(context_json: str, purpose: str) -> str | None:
    """The canonical N-Quads of proof options under this context and purpose with placeholder values, or None."""
    probe = {"@context": json.loads(context_json), "type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
             "created": _CREATED_PLACEHOLDER, "verificationMethod": _METHOD_PLACEHOLDER, "proofPurpose": purpose}
    try:
        template = canonicalise(probe)
    except CanonicalisationError:
        return None
    created, method = f'"{_CREATED_PLACEHOLDER}"^^<{_XSD_DATETIME}>', f"<{_METHOD_PLACEHOLDER}>"
    if template.count(_CREATED_PLACEHOLDER) != 1 or template.count(created) != 1 \
            or template.count(_METHOD_PLACEHOLDER) != 1 or template.count(method) != 1:
        return None
    if set(re.findall(r"_:[A-Za-z0-9]+", template)) != {"_:c14n0"}:
        return None
    return template


def _canonical_proof_options(options: dict[str, Any]) -> str | None:
    """The canonical N-Quads of proof options of the usual shape by their template; None for any other shape."""
    if options.keys() != _PROOF_OPTION_KEYS or options["type"] != PROOF_TYPE \
            or options["cryptosuite"] != CRYPTOSUITE:
        return None
    created, method, purpose = options["created"], options["verificationMethod"], options["proofPurpose"]
    if not (isinstance(created, str) and DATETIME_RE.fullmatch(created)
            and isinstance(method, str) and _AUTHORITY_IRI.fullmatch(method) and isinstance(purpose, str)):
        return None
    try:
        context_json = json.dumps(options["@context"], ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    template = _proof_template(context_json, purpose)
    return None if template is None else _fill(template, created, method)


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    proof_config = {**proof_options, "@context": document["@context"]}
    canonical_config = _canonical_proof_options(proof_config) or canonicalise(proof_config)
    proof_config_hash = hashlib.sha256(canonical_config.encode()).digest()
    document_hash = hashlib.sha256(canonicalise(document).encode()).digest()
    return proof_config_hash + document_hash


def sign_eddsa_rdfc_2022(
    document: dict[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    proof_as_list: bool = False,
) -> dict[str, Any]:
    """A copy of ``document`` with a ``proof``; with ``proof_as_list`` the proof is wrapped in a list, as the
    Open Badges 3.0 JSON schema wants. Raises ``ValueError`` (``CanonicalisationError``) for what cannot be signed.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    if "@context" not in document:
        raise ValueError("the document has no @context")
    if not DATETIME_RE.match(created):
        raise ValueError(f"created {created!r} is not an xsd:dateTime with a time zone")
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = private_key.sign(_hash_data(document, proof))
    proof["proofValue"] = multibase_encode(signature)
    return {**document, "proof": [proof] if proof_as_list else proof}


def _single_proof(document: dict[str, Any]) -> dict[str, Any] | str:
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            return f"expected exactly one proof, found {len(proof)}"
        proof = proof[0]
    if not isinstance(proof, dict):
        return "the document has no proof"
    return proof


def _proof_problem(proof: dict[str, Any], expected_proof_purpose: str) -> str:
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}"
    if proof.get("proofPurpose") != expected_proof_purpose:
        return f"the proof purpose is {proof.get('proofPurpose')!r}, not {expected_proof_purpose!r}"
    if not isinstance(proof.get("verificationMethod"), str):
        return "the proof has no verificationMethod"
    if "created" in proof and not (isinstance(proof["created"], str) and DATETIME_RE.match(proof["created"])):
        return "the proof's created is not an xsd:dateTime"
    return ""


def verify_eddsa_rdfc_2022(
    document: dict[str, Any],
    *,
    public_key_resolver: PublicKeyResolver,
    expected_proof_purpose: str = "assertionMethod",
) -> VerificationResult:
    """Check the document's eddsa-rdfc-2022 proof (an object or a one-element list).

    ``public_key_resolver`` maps the proof's verificationMethod URL to the Ed25519 public key, raising
    ``LookupError`` for a method it does not know or that the issuer does not control: that is where the
    binding of key to issuer is enforced. Only the proof is checked here: validity dates, revocation and
    whether the issuer is trusted are the caller's checks.
    """
    proof = _single_proof(document)
    if isinstance(proof, str):
        return failed(proof)
    if problem := _proof_problem(proof, expected_proof_purpose):
        return failed(problem)
    method = proof["verificationMethod"]
    try:
        signature = multibase_decode(proof.get("proofValue"))
    except MultibaseError as error:
        return failed(f"the proofValue is not valid: {error}", verification_method=method)
    if len(signature) != 64:
        return failed("the proofValue is not an Ed25519 signature", verification_method=method)

    options = {key: value for key, value in proof.items() if key != "proofValue"}
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if "@context" in options:
        proof_context = options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
        doc_context = unsecured.get("@context")
        doc_context = doc_context if isinstance(doc_context, list) else [doc_context]
        if doc_context[:len(proof_context)] != proof_context:
            return failed("the proof's @context does not match the document's", verification_method=method)
        unsecured["@context"] = options["@context"]
    if "@context" not in unsecured:
        return failed("the document has no @context", verification_method=method)

    try:
        public_key = public_key_resolver(method)
    except LookupError as error:
        return failed(f"verification method {method} could not be resolved: {error}", verification_method=method)
    if not isinstance(public_key, Ed25519PublicKey):
        return failed(f"verification method {method} is not an Ed25519 key", verification_method=method)

    try:
        hash_data = _hash_data(unsecured, options)
    except CanonicalisationError as error:
        return failed(f"the document cannot be canonicalised: {error}", verification_method=method)
    try:
        public_key.verify(signature, hash_data)
    except InvalidSignature:
        return failed("the signature does not match the document", verification_method=method)
    return VerificationResult(ok=True, verification_method=method)

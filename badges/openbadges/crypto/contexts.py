"""JSON-LD contexts bundled with the app, and a pyld document loader that serves only those.

Canonicalisation must never depend on the network: a context fetched at verification time could have
changed (or be served by someone else), and would change what was signed. ``badges/openbadges/contexts/index.json``
maps each supported context URL to its file; any other URL raises :class:`UnknownContextError`.
"""

import copy
import functools
import json
from pathlib import Path
from typing import Any

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


class UnknownContextError(LookupError):
    def __init__(self, url: str):
        super().__init__(f"JSON-LD context {url!r} is not bundled with LEAP (badges/openbadges/contexts/index.json); "
                         "contexts are never fetched from the network")
        self.url = url


@functools.cache
def _index() -> dict[str, str]:
    return json.loads((CONTEXTS_DIR / "index.json").read_text())


@functools.cache
def _parsed(url: str) -> dict[str, Any]:
    try:
        filename = _index()[url]
    except KeyError:
        raise UnknownContextError(url) from None
    return json.loads((CONTEXTS_DIR / filename).read_text())


def bundled_context_urls() -> list[str]:
    return list(_index())


def bundled_context(url: str) -> dict[str, Any]:
    """The context document for ``url`` (a copy: callers may change it)."""
    return copy.deepcopy(_parsed(url))


def bundled_contexts() -> dict[str, dict[str, Any]]:
    return {url: bundled_context(url) for url in _index()}


def document_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """pyld ``documentLoader``: a RemoteDocument for a bundled context, :class:`UnknownContextError` otherwise.

    The "static" tag tells pyld the document never changes, so a shared context cache may keep it processed.
    """
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": bundled_context(url),
        "tag": "static",
    }

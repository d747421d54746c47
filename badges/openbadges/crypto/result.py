from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of checking one proof. ``reason`` says why it failed, in words fit for a log or a page."""

    ok: bool
    reason: str = ""
    verification_method: str = ""
    credential: dict[str, Any] | None = None


def failed(reason: str, **kwargs: Any) -> VerificationResult:
    return VerificationResult(ok=False, reason=reason, **kwargs)

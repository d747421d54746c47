"""Response headers that hold on every page: Content-Security-Policy, Permissions-Policy, and no caching of
anything a signed-in person sees.

The policy allows no inline script or style: pages load /static/ files only. A template that really needs an
inline block marks it with ``nonce="{{ csp_nonce }}"``; the nonce is added to the policy only when used.
"""

import secrets
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

# Only features Chromium knows: it warns in the console about any other name.
PERMISSIONS_POLICY = ", ".join([
    "camera=(self)", "microphone=(self)", "geolocation=()", "payment=()", "usb=()", "serial=()", "hid=()",
    "midi=()", "magnetometer=()", "gyroscope=()", "accelerometer=()", "display-capture=()", "browsing-topics=()",
])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def s3_origins() -> list[str]:
    """Where evidence files live in S3 mode: pages show them from there and uploads POST straight to it."""
    storage = settings.STORAGES.get("default", {})
    if not storage.get("BACKEND", "").startswith("storages.backends.s3"):
        return []
    options = storage.get("OPTIONS", {})
    bucket, endpoint = options.get("bucket_name") or settings.S3_BUCKET, options.get("endpoint_url")
    style = options.get("addressing_style") or "auto"
    if endpoint:
        parts = urlsplit(endpoint)
        path_style, virtual = _origin(endpoint), f"{parts.scheme}://{bucket}.{parts.netloc}"
    else:
        region = options.get("region_name")
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        path_style, virtual = f"https://{host}", f"https://{bucket}.{host}"
    return {"path": [path_style], "virtual": [virtual]}.get(style, [path_style, virtual])


def content_security_policy(nonce: str | None = None) -> str:
    return _policy_without_nonce() if nonce is None else _policy(nonce)


@cache
def _policy_without_nonce() -> str:
    """Most pages use no nonce: their policy is the same for every request until the settings change."""
    return _policy(None)


@receiver(setting_changed)
def _forget_policy(setting: str, **kwargs) -> None:
    if setting in {"SITE_URL", "STORAGES", "S3_BUCKET"}:
        _policy_without_nonce.cache_clear()


def _policy(nonce: str | None) -> str:
    own = ["'self'"]
    site = _origin(settings.SITE_URL)  # absolute links (badge images) name the canonical origin
    if site:
        own.append(site)
    files = s3_origins()
    inline = [f"'nonce-{nonce}'"] if nonce else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *inline],
        "style-src": ["'self'", *inline],
        # data: for the TOTP QR code allauth draws; blob: for previews of recordings before upload.
        "img-src": [*own, "data:", "blob:", *files],
        "media-src": [*own, "blob:", *files],
        "connect-src": ["'self'", *files],
        "font-src": ["'self'"],
        "form-action": ["'self'", *files],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Outermost but for SecurityMiddleware, so that it sees every page; request.user is read on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        used: list[str] = []

        def make_nonce() -> str:
            used.append(secrets.token_urlsafe(18))
            return used[-1]

        request.csp_nonce = SimpleLazyObject(make_nonce)
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", content_security_policy(used[0] if used else None))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)  # unset for static files, which WhiteNoise answers early
        if user is not None and user.is_authenticated and not _shared_asset(response):
            response["Cache-Control"] = "private, no-store"
        return response


def _shared_asset(response: HttpResponse) -> bool:
    """A file or redirect the view declared the same for everyone (a badge image, an icon), not a page."""
    page = response.get("Content-Type", "").startswith("text/html") and not 300 <= response.status_code < 400
    return "public" in response.get("Cache-Control", "") and not page


def csp_nonce(request: HttpRequest) -> dict:
    """Template context processor: ``{{ csp_nonce }}`` for the rare inline block."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}

"""Deny by default: every URL is walked; none may be reached without an explicit access rule."""

import inspect

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for

LEAP_APPS = ("accounts", "audit", "centres", "notifications", "qualifications", "portfolios", "assessment",
             "moderation", "badges", "insights", "community", "records", "leap")
SAMPLE_VALUES = {"int": "987654", "str": "not-a-real-token", "slug": "no-such-slug",
                 "uuid": "00000000-0000-0000-0000-000000000000", "path": "no/such/path"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def sample_url(route: str) -> str | None:
    import re

    if route.startswith("^") or "(?P" in route:
        return None  # regex routes (the Django admin's) are covered by the admin's own checks
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES[m.group(1) or "str"], route)
    return "/" + url


def is_leap_view(callback) -> bool:
    module = inspect.getmodule(inspect.unwrap(callback)) or inspect.getmodule(callback)
    return bool(module) and module.__name__.split(".")[0] in LEAP_APPS


ALL = list(walk(get_resolver().url_patterns))
LEAP_ROUTES = [(route, p) for route, p in ALL if is_leap_view(p.callback)]


def test_the_walk_finds_the_apps_urls():
    names = {p.name for _, p in LEAP_ROUTES}
    assert {"home", "learner_import", "invitation_accept", "notification_list", "welcome_set_password"} <= names


@pytest.mark.parametrize("route,pattern", LEAP_ROUTES, ids=[r for r, _ in LEAP_ROUTES])
def test_every_leap_view_declares_its_access_rule(route, pattern):
    rule = getattr(pattern.callback, "leap_access", None)
    assert rule, f"{route} ({pattern.name}) has no access rule: mark it public, signed_in or role_required"


@pytest.mark.django_db
@pytest.mark.parametrize("route,pattern", LEAP_ROUTES, ids=[r for r, _ in LEAP_ROUTES])
def test_anonymous_visitors_are_sent_to_sign_in_unless_the_page_is_public(client, route, pattern):
    url = sample_url(route)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if pattern.callback.leap_access == "public":
            assert response.status_code < 500
        else:
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), (method, url)


@pytest.mark.django_db
@pytest.mark.parametrize("route,pattern", LEAP_ROUTES, ids=[r for r, _ in LEAP_ROUTES])
def test_a_signed_in_outsider_gets_nothing_from_role_pages(personas, route, pattern):
    if not pattern.callback.leap_access.startswith("roles:"):
        return
    client = client_for(personas.outsider)
    for method in ("get", "post"):
        assert getattr(client, method)(sample_url(route)).status_code in (403, 404, 405), (method, route)


@pytest.mark.django_db
def test_third_party_pages_need_sign_in_too(client):
    for url in ["/django-admin/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url

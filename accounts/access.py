"""The access rules every view is marked with; `centres.access` adds the role rules and object helpers.

A test walks every URL and fails when a view carries no rule, so nothing is reachable by accident.
"""
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required


def mark_access(view: Callable, rule: str) -> Callable:
    view.leap_access = rule
    return view


def public(view: Callable) -> Callable:
    """Deliberately reachable without signing in."""
    return mark_access(login_not_required(view), "public")


def signed_in(view: Callable) -> Callable:
    """Any signed-in person; the view itself limits what it shows to their own things."""
    return mark_access(view, "signed-in")


def posted(request, *, files: bool = False):
    """The form data of a POST, else None, so a POST with every box unticked still counts as a submission."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST

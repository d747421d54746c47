from functools import cache

from centres.models import Role

from .selectors import assessor_open_action_count


def iqa_navigation(request):
    """For assessors, their open IQA actions: a callable (asked once per request at most), so the one count query
    runs only on pages that show it."""
    leap = getattr(request, "leap", None)
    user = getattr(request, "user", None)
    if leap is None or user is None or not user.is_authenticated:
        return {}

    @cache
    def open_actions() -> int:
        if leap.centre is None or not leap.has(Role.ASSESSOR):
            return 0
        return assessor_open_action_count(centre=leap.centre, assessor=user)

    return {"iqa_open_action_count": open_actions}

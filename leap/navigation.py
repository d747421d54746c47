"""The navigation: which places a person's roles give them, in what order, with which counts.

One list of items per request, built lazily by the `navigation` context processor and rendered three ways by
`templates/base.html`: the top bar (wide screens: the primary items), the menu (a phone: every item;
wide screens: the rest) and, for learners, the bottom tab bar. Counts are callables, so a page that shows no
navigation (an error page, a PDF) asks nothing, and each count is one query at most, asked once; an assessor's
and a moderator's counts come from the shared cache under their generation. The places themselves (labels,
URLs, icons) are worked out once per process for each set of roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import signed_in
from accounts.request_cache import page_cache, read_with_every_page
from centres.access import role_required
from centres.models import Role

from .pwa import header_colour

# Wide screens show at most this many items in the top bar; the rest sit in the menu under "More".
PRIMARY_LIMIT = 7


@dataclass
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    count: Callable[[], int] | None = None
    counted: bool = False  # whether the place carries a count (`count` is this request's, set per request)
    count_label: str = ""  # what the count counts, for screen readers: "items waiting"
    primary: bool = False
    current: bool = field(default=False)
    short: str = ""  # the tab bar's label, where the full one is too long for a fifth of a phone
    also: tuple[str, ...] = ()  # names of the URLs, elsewhere, that are this place too
    # The link as drawn in each (language, tab bar or not), shared by every request's copy of the place
    # (templatetags/leap_ui.py: nav_link).
    drawn: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def short_label(self) -> str:
        return self.short or self.label


class Navigation:
    def __init__(self, request: HttpRequest):
        self.request = request
        self.leap = request.leap

    @cached_property
    def items(self) -> list[NavItem]:
        counts = {"queue": self._once(self._queue_count), "messages": self._once(self._unread_messages_count),
                  "moderation": self._once(self._samples_due_count), "my_samples": self.open_action_count}
        items = [replace(place, count=counts[place.key] if place.counted else None) for place in self._places()]
        path = self.request.path
        match = getattr(self.request, "resolver_match", None)
        named = [i for i in items if match is not None and match.url_name in i.also]
        matches = named or [i for i in items if i.url == path or (i.url != "/" and path.startswith(i.url))]
        if matches:
            max(matches, key=lambda i: len(i.url)).current = True
        return items

    @cached_property
    def tabs(self) -> list[NavItem]:
        """The learner's bottom tab bar: only for a person who is a learner and nothing else at this centre."""
        roles = set(self.leap.roles)
        if roles != {Role.LEARNER}:
            return []
        keys = ("home", "portfolio", "add_evidence", "messages", "progress", "badges")
        by_key = {i.key: i for i in self.items}
        return [by_key[k] for k in keys if k in by_key]

    @property
    def more(self) -> list[NavItem]:
        return [i for i in self.items if not i.primary]

    def _places(self) -> tuple[NavItem, ...]:
        """The person's places, worked out once per process for each set of roles (and URL configuration): the
        same for everyone with those roles, and reversing a URL name costs more than drawing the link."""
        leap = self.leap
        roles = frozenset(leap.roles)
        key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), roles, leap.centre is not None)
        places = _PLACES.get(key)
        if places is None:
            places = _PLACES[key] = tuple(_with_primaries(self._items(set(roles), leap.centre is not None)))
        return places

    @staticmethod
    def _items(roles: set[str], in_centre: bool) -> list[NavItem]:
        staff = roles & {Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR, Role.CENTRE_ADMIN}
        items = [NavItem("home", _("Home"), reverse("home"), "house", primary=True)]
        if Role.LEARNER in roles:
            items += [
                NavItem("portfolio", _("My portfolio"), reverse("my_portfolio"), "folder-open", primary=True,
                        short=_("Portfolio"), also=("portfolio", "evidence_detail", "evidence_edit",
                                                    "evidence_delete")),
                NavItem("add_evidence", _("Add evidence"), reverse("add_evidence"), "circle-plus", primary=True,
                        short=_("Add"), also=("evidence_new",)),
                NavItem("progress", _("My Progress"), reverse("my_progress"), "chart-no-axes-column", primary=True,
                        short=_("Progress")),
                NavItem("badges", _("Badges"), reverse("wallet"), "award", primary=True,
                        also=("award_share", "public_name_setting")),
            ]
        messages = NavItem("messages", _("Messages"), reverse("conversation_list"), "message-circle", primary=True,
                           counted=True, count_label=_("unread messages"),
                           short=_("Chat"), also=("conversation_detail",))
        if Role.LEARNER in roles and in_centre:
            items.insert(4, messages)
        # Cohort groups (community/groups): for everyone who may be in one or make one; no count, so no query.
        groups = NavItem("groups", _("Groups"), reverse("group_list"), "users")
        if not staff or not in_centre:
            return items + [groups] if Role.LEARNER in roles and in_centre else items
        if Role.ASSESSOR in roles:
            items.append(NavItem("queue", _("Queue"), reverse("assessment_queue"), "inbox", primary=True,
                                 counted=True, count_label=_("items waiting"),
                                 also=("review_detail",)))
        if roles & {Role.MODERATOR, Role.CENTRE_ADMIN}:
            items.append(NavItem("moderation", _("Moderation"), reverse("iqa_dashboard"), "clipboard-check",
                                 primary=True, counted=Role.MODERATOR in roles, count_label=_("samples due")))
        if Role.ASSESSOR in roles:
            items.append(NavItem("my_samples", _("My samples"), reverse("iqa_my_samples"), "list-checks",
                                 primary=True, counted=True, count_label=_("open IQA actions")))
        if Role.EXTERNAL_MODERATOR in roles:
            items += [
                NavItem("iqa_plans", _("IQA plans"), reverse("iqa_plan_list"), "clipboard-check", primary=True),
                NavItem("eqa_report", _("EQA report"), reverse("eqa_mine_reports"), "file-text", primary=True),
                NavItem("eqa_packs", _("Sample packs"), reverse("eqa_mine_packs"), "file-archive", primary=True),
            ]
        if roles & {Role.ASSESSOR, Role.MODERATOR} and messages not in items:
            items.append(messages)
        items += [
            NavItem("caseload", _("Caseload"), reverse("caseload"), "users", primary=Role.ASSESSOR in roles),
            NavItem("learners", _("Learners"), reverse("learner_list"), "graduation-cap", primary=True),
            NavItem("reports", _("Reports"), reverse("insights_home"), "chart-column", primary=True),
        ]
        if Role.CENTRE_ADMIN in roles:
            items += [
                NavItem("staff", _("Staff"), reverse("staff_list"), "user-plus", primary=True),
                NavItem("workload", _("Workload"), reverse("assessment_workload"), "briefcase"),
            ]
        if roles & {Role.ASSESSOR, Role.CENTRE_ADMIN}:
            items.append(NavItem("comment_bank", _("Comment bank"), reverse("comment_bank"), "message-square-quote"))
        if roles & {Role.LEARNER, Role.ASSESSOR, Role.MODERATOR, Role.CENTRE_ADMIN}:
            items.append(groups)
        items.append(NavItem("qualifications", _("Qualifications"), reverse("qualification_list"), "book-open"))
        if roles & {Role.CENTRE_ADMIN, Role.ASSESSOR}:
            items.append(NavItem("badge_classes", _("Badges"), reverse("badge_class_list"), "award"))
        if Role.CENTRE_ADMIN in roles:
            items += [
                NavItem("certificates", _("Certificates"), reverse("certificate_list"), "scroll-text"),
                NavItem("eqa_access", _("EQA access"), reverse("eqa_grant_list"), "key-round"),
                NavItem("transfers", _("Transfers"), reverse("prior_learning_upload"), "arrow-left-right",
                        also=("prior_learning_enrolment",)),
                NavItem("data_requests", _("Data requests"), reverse("data_request_list"), "shield-user",
                        also=("data_request_new", "data_request_detail", "data_request_erasure_review")),
                NavItem("retention", _("Retention"), reverse("retention_rules"), "calendar-clock",
                        also=("retention_batch",)),
                NavItem("centre_settings", _("Centre settings"), reverse("centre_settings"), "settings"),
            ]
        return items

    @staticmethod
    def _once(function: Callable[[], int]) -> Callable[[], int]:
        box: list[int] = []

        def value() -> int:
            if not box:
                box.append(function())
            return box[0]
        return value

    def _queue_count(self) -> int:
        return self._assessor_counts["queue"]

    @cached_property
    def _assessor_counts(self) -> dict[str, int]:
        """The assessor's Queue and My samples counts, from the shared cache under their generation: their
        learners' portfolios changing (portfolios.freshness) and their IQA actions opened or closed
        (moderation.receivers) replace it. No round trip of its own (`page_cache`); two count queries when it is
        stale."""
        from accounts.request_cache import read_through
        from assessment.queue_selectors import waiting_evidence
        from moderation.dashboards.selectors import assessor_open_action_count

        centre, user = self.leap.centre, self.request.user

        def counts() -> dict[str, int]:
            return {"queue": waiting_evidence(centre=centre, assessor=user).count(),
                    "my_samples": assessor_open_action_count(centre=centre, assessor=user)}
        name, user_id, shared = _assessor_counts_read(self.request)
        return read_through(name, user_id, counts, shared=shared, fetched=page_cache(self.request))

    def _unread_messages_count(self) -> int:
        from community.conversations.selectors import unread_count

        return unread_count(user=self.request.user, centre=self.leap.centre, fetched=page_cache(self.request))

    def _samples_due_count(self) -> int:
        """From the shared cache under the moderator's generation and the centre's plans' (moderation.freshness),
        for today: a cycle that starts tomorrow counts from tomorrow."""
        from accounts.request_cache import read_through
        from moderation.dashboards.selectors import moderator_items_due_count

        centre, user = self.leap.centre, self.request.user
        name, user_id, shared = _samples_due_read(self.request)
        return read_through(name, user_id, lambda: moderator_items_due_count(centre=centre, moderator=user),
                            shared=shared, fetched=page_cache(self.request))

    @cached_property
    def open_action_count(self) -> Callable[[], int]:
        """The assessor's open IQA actions (the home page shows the same number), asked once."""
        def count() -> int:
            if self.leap.centre is None or not self.leap.has(Role.ASSESSOR):
                return 0
            return self._assessor_counts["my_samples"]
        return self._once(count)


# (URL configuration, script prefix, roles, in a centre) -> the places, as `Navigation._places` builds them.
_PLACES: dict[tuple, tuple[NavItem, ...]] = {}


def _with_primaries(items: list[NavItem]) -> list[NavItem]:
    """The top bar holds the first PRIMARY_LIMIT primary places; the others go under the menu's "More"."""
    primaries = [i for i in items if i.primary][:PRIMARY_LIMIT]
    return [replace(item, primary=item in primaries) for item in items]


def _assessor_counts_read(request: HttpRequest) -> tuple:
    return f"nav_counts:{request.leap.centre.pk}", request.user.pk, ()


def _samples_due_read(request: HttpRequest) -> tuple:
    from moderation.freshness import plan_items_generation

    centre = request.leap.centre
    return (f"nav_samples_due:{centre.pk}:{timezone.localdate().isoformat()}", request.user.pk,
            (plan_items_generation(centre.pk),))


@read_with_every_page
def layout_reads(request: HttpRequest) -> list[tuple]:
    """The kept values the layout reads for this person (the bell, the navigation's counts)."""
    from community.conversations.selectors import unread_count_read as unread_messages_read
    from notifications.selectors import unread_count_read as unread_notifications_read

    leap, user = request.leap, request.user
    if not user.is_authenticated or leap is None:
        return []
    reads = [unread_notifications_read(user)]
    if leap.centre is not None:
        reads.append(unread_messages_read(user=user, centre=leap.centre))
        if leap.has(Role.ASSESSOR):
            reads.append(_assessor_counts_read(request))
        if leap.has(Role.MODERATOR):
            reads.append(_samples_due_read(request))
    return reads


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "leap", None) is None:
        return {}
    nav = Navigation(request)
    # Callables, worked out only by a page that shows them (a template calls them when it reads them).
    return {"nav": nav, "iqa_open_action_count": nav.open_action_count, "theme_colour": partial(_theme_colour, request)}


def _theme_colour(request: HttpRequest) -> str | None:
    centre = request.leap.centre
    return header_colour(centre) if centre is not None else None


@signed_in
@role_required(Role.LEARNER)
def add_evidence(request: HttpRequest) -> HttpResponse:
    """The tab bar's "Add evidence": straight to the form when the learner has one open course, else a choice
    (which says so when there is none)."""
    from portfolios.models import Enrolment

    enrolments = list(Enrolment.objects.filter(learner=request.user, centre=request.leap.centre)
                      .exclude(status__in=[Enrolment.Status.WITHDRAWN, Enrolment.Status.COMPLETED])
                      .select_related("version"))
    if len(enrolments) == 1:
        return redirect("evidence_new", pk=enrolments[0].pk)
    return render(request, "portfolios/portfolio_choose.html", {"enrolments": enrolments, "adding": True})

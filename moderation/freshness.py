"""What the moderators of a centre see of its sampling plans (the navigation's "samples due") is read under one
shared generation per centre, replaced whenever a plan, an item or a sample there changes (moderation.receivers,
and the services that change items in bulk)."""

from accounts.request_cache import forget_shared


def plan_items_generation(centre_id: int) -> str:
    return f"iqa:plan_items:{centre_id}"


def plan_items_changed(*, centre_id: int | None) -> None:
    """The centre's plans, items or samples changed: every moderator's cached counts of them are stale (now, and
    again on commit)."""
    if centre_id is not None:
        forget_shared(plan_items_generation(centre_id))

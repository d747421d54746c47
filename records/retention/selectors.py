"""Reads for the retention pages: a fixed number of queries whatever the number of rows."""

from django.db.models import Count, Q

from centres.models import Membership, Role

from .kinds import Kind
from .models import DestructionBatch, DestructionItem, LegalHold, RetentionRule
from .schedule import rule_words, rules_for


def rule_rows(centre) -> list[tuple[RetentionRule, str]]:
    """Each kind's rule (saved or default) and its plain words, in the kinds' order (1 query)."""
    rules = rules_for(centre)
    return [(rules[kind], rule_words(rules[kind])) for kind in Kind.values]


def active_holds(centre):
    return (LegalHold.objects.filter(centre=centre, lifted_at__isnull=True)
            .select_related("learner", "placed_by").order_by("-placed_at", "-pk"))


def centre_learners(centre):
    """The centre's learners (current or past), for the legal hold form."""
    from accounts.models import User

    ids = Membership.objects.filter(centre=centre, role=Role.LEARNER).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "email")


def batches(centre, limit: int = 20):
    return (DestructionBatch.objects.filter(centre=centre)
            .annotate(item_count=Count("items"),
                      destroyed_count=Count("items", filter=Q(items__status=DestructionItem.Status.DESTROYED)))
            .select_related("approved_by").order_by("-listed_at", "-pk")[:limit])


def batch_items(batch: DestructionBatch) -> list[DestructionItem]:
    """The batch's items by learner, then course (learner-wide kinds first), then the kinds' order (1 query)."""
    order = {kind: position for position, kind in enumerate(Kind.values)}
    items = batch.items.select_related("learner", "enrolment__version", "decided_by")
    return sorted(items, key=lambda item: (item.learner.last_name, item.learner.first_name, item.learner_id,
                                           item.enrolment_id or 0, order.get(item.kind, len(order)), item.pk))

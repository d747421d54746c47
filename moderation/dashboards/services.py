"""Acts on the IQA dashboards: moving a moderator's open plan items to another moderator."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Role
from centres.services import ServiceError, has_role

from ..freshness import plan_items_changed
from ..models import PlanItem
from .selectors import open_plan_items


def plan_items_reassign(*, centre: Centre, from_moderator: User | None, to_moderator: User,
                        assessor: User | None = None, actor: User) -> int:
    """Move every open item of `from_moderator` (None: unassigned items), optionally only those of `assessor`,
    to `to_moderator`. Items whose sample has been started stay with the moderator who started it. Returns how
    many moved."""
    if not has_role(actor, centre, Role.CENTRE_ADMIN, Role.MODERATOR):
        raise ServiceError(_("Only the centre's admins and moderators can reassign sampling."))
    if not has_role(to_moderator, centre, Role.MODERATOR):
        raise ServiceError(_("%(name)s is not a moderator at this centre.") % {"name": to_moderator})
    if from_moderator is not None and from_moderator.pk == to_moderator.pk:
        raise ServiceError(_("Choose two different moderators."))
    with transaction.atomic():
        ids = list(open_plan_items(centre=centre, moderator=from_moderator, assessor=assessor)
                   .select_for_update().values_list("pk", flat=True))
        if not ids:
            raise ServiceError(_("There are no open items to move."))
        PlanItem.objects.filter(pk__in=ids).update(moderator=to_moderator)
        plan_items_changed(centre_id=centre.pk)  # update() sends no post_save
        audit_record(action="plan_items.reassigned", actor=actor, centre=centre, target=to_moderator,
                     subject=assessor,
                     data={"from": getattr(from_moderator, "email", None), "to": to_moderator.email,
                           "assessor": getattr(assessor, "email", None), "items": ids})
    return len(ids)

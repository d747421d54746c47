"""The one way a workflow's status changes: through the model's table of allowed moves.

Each workflow model carries its table as `MOVES = {from: {to, ...}}` over its nested `Status` choices
(`Enrolment.MOVES`, `Evidence.MOVES`, `AssessmentPlan.MOVES`, `QualificationVersion.MOVES`). Services call
`move_status` (or `check_move`, to refuse before doing anything else) and save the object with the rest of
their change, in their transaction. This module sits in `centres` next to `ServiceError`, below every app
with a workflow, so a refused move is shown to the person like any other refused act.
"""

from collections.abc import Mapping, Set

from django.db import models
from django.utils.translation import gettext as _

from centres.services import ServiceError

Moves = Mapping[str, Set[str]]


class StatusMoveError(ServiceError):
    """A status move that the workflow's table does not allow."""


def _label(obj: models.Model, status: str) -> str:
    return str(dict(obj._meta.get_field("status").flatchoices).get(status, status)).lower()


def check_move(obj: models.Model, to: str, *, table: Moves | None = None, refusal: str | None = None) -> None:
    """Refuse, with `refusal` or a message naming both statuses, unless `obj.status -> to` is in the table
    (by default the model's `MOVES`)."""
    table = type(obj).MOVES if table is None else table
    if to not in table.get(obj.status, ()):
        raise StatusMoveError(refusal or _("This %(thing)s is %(now)s and cannot become %(next)s.") % {
            "thing": obj._meta.verbose_name, "now": _label(obj, obj.status), "next": _label(obj, to)})


def move_status(obj: models.Model, to: str, *, table: Moves | None = None, refusal: str | None = None) -> str:
    """Check the move and make it on `obj` (the caller saves); returns the status it moved from."""
    check_move(obj, to, table=table, refusal=refusal)
    previous, obj.status = obj.status, to
    return previous

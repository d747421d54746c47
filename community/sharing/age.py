"""Who counts as under 18 for sharing: such learners share only with groups that have staff, never publicly."""

import datetime

from django.utils import timezone

from centres.models import AgeBand, Membership, Role


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_under_18(*, user, centre) -> bool:
    """True when the centre treats every learner as under 18, the learner's membership is in the 16–18 age
    band, or a recorded date of birth makes them younger than 18. Staff are never treated as under 18."""
    from .models import SharingSettings

    memberships = list(Membership.objects.current().filter(user=user, centre=centre, role=Role.LEARNER)
                       .values_list("age_band", flat=True))
    if not memberships:
        return False
    if SharingSettings.objects.filter(centre=centre, treat_learners_as_under_18=True).exists():
        return True
    if AgeBand.UNDER_19 in memberships:
        return True
    birth = getattr(user, "date_of_birth", None)
    return bool(birth) and _age_on(birth, timezone.localdate()) < 18

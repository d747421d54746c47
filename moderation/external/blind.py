"""What a grant hides from its external moderator: learners' contact details unless `show_contact_details`, and
under `blind` their names too, each learner shown as a pseudonym stable for the grant ("Learner 7KQ2M9").

`ExternalAccessMiddleware` applies `masking(grant)` for the whole of each request under a grant; code outside a
request that renders for the EQA (the sample pack) wraps its rendering in it. The masking itself lives in
`accounts.pseudonyms`, so every layer's `display_name`, `contact_email` and timeline respects it.
"""

from contextlib import AbstractContextManager, nullcontext

from accounts.models import User
from accounts.pseudonyms import Masking, masked
from accounts.pseudonyms import pseudonym as pseudonym_for_key
from centres.models import Membership
from moderation.models import EqaGrant


def pseudonym(grant: EqaGrant, user: User) -> str:
    """The name a blind grant gives `user` (the same for the whole grant, different in another grant)."""
    return pseudonym_for_key(grant.pseudonym_key, user.pk)


def grant_masking(grant: EqaGrant) -> Masking | None:
    """The masking `grant` asks for, or None when it shows names and contact details alike."""
    if not grant.blind and grant.show_contact_details:
        return None
    return Masking(load_learners=lambda: centre_learners(grant.centre_id),
                   pseudonym_key=grant.pseudonym_key if grant.blind else "",
                   hide_contact=not grant.show_contact_details)


def masking(grant: EqaGrant | None) -> AbstractContextManager:
    """Everything rendered inside the block is masked as `grant` asks (nothing when `grant` is None)."""
    found = grant_masking(grant) if grant is not None else None
    return masked(found) if found is not None else nullcontext()


def centre_learners(centre_id: int) -> list[tuple[int, str, str, str]]:
    """Every learner the centre ever had (withdrawn and completed ones too), without those who are its staff now:
    assessors and moderators keep their names. One query."""
    staff = Membership.objects.current().staff().filter(centre_id=centre_id).values("user_id")
    return list(Membership.objects.learners().filter(centre_id=centre_id).exclude(user_id__in=staff)
                .values_list("user_id", "user__email", "user__first_name", "user__last_name").distinct())

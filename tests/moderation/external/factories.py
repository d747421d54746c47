"""EQA grants for tests, made through the service as a centre admin would."""

import datetime

from django.utils import timezone

from centres.models import Membership, Role
from moderation.external.services import eqa_grant_create


def make_grant(personas, *, moderator=None, scope="centre", days=14, starts_at=None, **kwargs):
    """A grant for the personas' external moderator (or `moderator`, who must hold the EQA role), by the admin."""
    moderator = moderator or personas.external_moderator
    assert Membership.objects.filter(user=moderator, role=Role.EXTERNAL_MODERATOR).exists()
    starts_at = starts_at or timezone.now() - datetime.timedelta(minutes=1)
    return eqa_grant_create(centre=personas.centre, actor=personas.admin, email=moderator.email, scope=scope,
                            starts_at=starts_at, expires_at=starts_at + datetime.timedelta(days=days), **kwargs)

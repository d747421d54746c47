"""Set-up shared by the cohort group tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

from centres.models import Membership, Role
from community.groups.services import group_members_add, post_reply, thread_start


def add(group, actor, *users):
    """Add people to a group by their memberships at its centre."""
    return group_members_add(group=group, actor=actor, memberships=Membership.objects.filter(
        centre=group.centre, user__in=users).exclude(role=Role.EXTERNAL_MODERATOR))


def start(group, user, title="Proving dough", body="How long do you prove?", **kwargs):
    return thread_start(group=group, actor=user, title=title, body=body, **kwargs)


def reply(thread, user, body="About an hour.", **kwargs):
    return post_reply(thread=thread, actor=user, body=body, **kwargs)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)

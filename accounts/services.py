from allauth.account.models import EmailAddress
from django.db import transaction

from audit.services import audit_record

from .models import User


def user_set_first_password(*, user: User, password: str) -> User:
    """A registered person chooses their password from the welcome link, which also proves their email."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(user=user, email=user.email,
                                              defaults={"verified": True, "primary": True})
        audit_record(action="account.password_set", actor=user, target=user)
    return user


def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    language: str,
    email_non_essential: bool | None = None,
    email_daily_digest: bool | None = None,
    email_weekly_mi: bool | None = None,
) -> User:
    """Save the profile; an email preference left as None stays as it was."""
    user.first_name, user.last_name, user.language = first_name, last_name, language
    fields = ["first_name", "last_name", "language"]
    for name, value in (("email_non_essential", email_non_essential), ("email_daily_digest", email_daily_digest),
                        ("email_weekly_mi", email_weekly_mi)):
        if value is not None:
            setattr(user, name, value)
            fields.append(name)
    user.save(update_fields=fields)
    return user


def user_set_language(*, user: User, language: str) -> User:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user

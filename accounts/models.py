from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .pseudonyms import contact_hidden, hidden, pseudonym_of
from .request_cache import forget_people


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # A bulk change bypasses the save signals: the people's cached rows are dropped here instead.
        user_ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        forget_people(user_ids)
        return count


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


def display_name_of(user_id: int | None, first_name: str, last_name: str, email: str) -> str:
    """`User.display_name` from the values alone, for long lists that read values rather than people."""
    full = pseudonym_of(user_id) or f"{first_name} {last_name}".strip()
    return full or (hidden() if contact_hidden(user_id) else email)


class User(AbstractUser):
    """A person. Email is the login; what they may do comes from their centre memberships."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    email_non_essential = models.BooleanField(
        _("email me reminders and updates"), default=True,
        help_text=_("Sign-in, invitations and decisions about your work are always emailed."))
    email_daily_digest = models.BooleanField(
        _("one daily digest instead of an email per upload"), default=False,
        help_text=_("For assessors: new evidence is listed in one email each morning."))
    email_weekly_mi = models.BooleanField(
        _("weekly management information email"), default=False,
        help_text=_("For centre admins: the centre's headline figures every Monday morning, with links."))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    # Names and contact details reach pages only through these, so that a grant's masking applies everywhere
    # (see accounts.pseudonyms): never print `first_name`, `last_name` or `email` of a learner directly.
    def __str__(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return pseudonym_of(self.pk) or super().get_full_name()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.contact_email

    @property
    def contact_email(self) -> str:
        """The email address as shown: "hidden" to a reader who may not see this person's contact details."""
        return hidden() if contact_hidden(self.pk) else self.email

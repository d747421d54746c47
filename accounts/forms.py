from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import get_totp_secret
from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .models import User


class WelcomeSetPasswordForm(SetPasswordForm):
    """The form a newly registered learner uses to choose a password."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "email_non_essential", "email_daily_digest",
                  "email_weekly_mi"]
        labels = {"first_name": _("First name"), "last_name": _("Last name"), "language": _("Language"),
                  "email_non_essential": _("Email me reminders and updates"),
                  "email_daily_digest": _("One daily digest instead of an email per upload"),
                  "email_weekly_mi": _("Weekly management information email")}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """Allauth's, but the secret stays the same for the session until it is activated.

    Allauth draws a new secret on every GET of the setup page, so any second GET (a reload, a second tab, a
    browser's request for an icon that was redirected there) made the code for the secret on screen wrong.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)  # skip the parent's __init__, which regenerates on GET
        self.secret = get_totp_secret(regenerate=False)

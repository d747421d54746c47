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
        fields = ["first_name", "last_name", "language", "email_non_essential", "email_daily_digest"]
        labels = {"first_name": _("First name"), "last_name": _("Last name"), "language": _("Language"),
                  "email_non_essential": _("Email me reminders and updates"),
                  "email_daily_digest": _("One daily digest instead of an email per upload")}


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

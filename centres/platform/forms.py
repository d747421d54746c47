import secrets

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..branding import LogoField, validate_brand_colour
from ..models import Centre
from .countries import COUNTRIES


def _language_choices():
    return [(code, _(name)) for code, name in settings.LANGUAGES]


def language_names(centre: Centre) -> str:
    names = dict(settings.LANGUAGES)
    return ", ".join(str(_(names.get(code, code))) for code in centre.languages or [centre.main_language])


class CentreSettingsForm(forms.Form):
    """What the platform administrator sets for a centre, at its creation and later."""

    country = forms.ChoiceField(label=_("Country"), choices=[("", _("Choose a country")), *COUNTRIES],
                                help_text=_("Where the centre awards its credentials (ISO 3166)."))
    languages = forms.MultipleChoiceField(
        label=_("Languages"), widget=forms.CheckboxSelectMultiple, choices=_language_choices,
        help_text=_("The first one ticked is the centre's main language: invitations to people without an "
                    "account yet are written in it."),
        error_messages={"required": _("Choose at least one language.")})
    brand_colour = forms.CharField(
        label=_("Main colour"), initial="#0B5CAB", validators=[validate_brand_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Used for the header bar and emails, with white text on it: it needs a contrast of at least "
                    "4.5:1 with white."))
    logo = LogoField()

    def clean_languages(self):
        chosen = self.cleaned_data["languages"]
        order = [code for code, _name in settings.LANGUAGES]
        return sorted(chosen, key=order.index)


class CentreCreateForm(CentreSettingsForm):
    name = forms.CharField(label=_("Name of the centre"), max_length=200)
    admin_email = forms.EmailField(label=_("Email of the first centre admin"))
    creation_token = forms.CharField(widget=forms.HiddenInput, required=False)
    field_order = ["name", "country", "languages", "brand_colour", "logo", "admin_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].initial = [settings.LANGUAGE_CODE]
        self.fields["creation_token"].initial = secrets.token_urlsafe(24)
        days = settings.LEAP_INVITATION_DAYS
        self.fields["admin_email"].help_text = ngettext(
            "They are sent an invitation, valid for %(days)s day, to join as centre admin; they set up two-factor "
            "authentication when they first sign in.",
            "They are sent an invitation, valid for %(days)s days, to join as centre admin; they set up two-factor "
            "authentication when they first sign in.", days) % {"days": days}

    def clean(self):
        data = super().clean()
        name, country, token = data.get("name", "").strip(), data.get("country"), data.get("creation_token")
        if token and Centre.objects.filter(creation_token=token).exists():
            return data  # this very form, posted again: the service returns the centre it made
        if name and country and Centre.objects.filter(name__iexact=name, country=country).exists():
            self.add_error("name", _("A centre called “%(name)s” already exists in this country.") % {"name": name})
        return data


class CentreEditForm(CentreSettingsForm):
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)


class InviteCentreAdminForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))

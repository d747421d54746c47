from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DataRequest
from .selectors import centre_person


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("The person's email address"),
                             help_text=_("A learner (or anyone else) who has, or had, a membership of this centre."))
    kind = forms.ChoiceField(label=_("What they ask for"), choices=DataRequest.Kind.choices,
                             widget=forms.RadioSelect)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("The answer is due one calendar month later."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("How it came in and how the person's identity was checked. Not shown to "
                                        "the person."))

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.fields["received_on"].initial = timezone.localdate()

    def clean_email(self):
        person = centre_person(centre=self.centre, email=self.cleaned_data["email"])
        if person is None:
            raise forms.ValidationError(_("Nobody with this email address has a membership of this centre."))
        self.cleaned_data["subject"] = person
        return self.cleaned_data["email"]

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return received_on


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The person must be told why, and that they may complain to the data "
                                         "protection authority."))


class AccessDoneForm(forms.Form):
    handed_over = forms.CharField(label=_("How the files were handed over"), max_length=300,
                                  help_text=_("For example: “sent by secure link to the address on file, 3 March”."))


class ErasureConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have checked the list: erase what it says, now. This cannot be undone."))

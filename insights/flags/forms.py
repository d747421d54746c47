from django import forms
from django.utils.translation import gettext_lazy as _


class RiskFlagForm(forms.Form):
    """Raise a flag (with a reason) or clear the raised one (with an optional note)."""

    reason = forms.CharField(label=_("Why is this learner at risk?"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note on clearing the flag (optional)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

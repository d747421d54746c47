from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RetentionRule


class RuleForm(forms.ModelForm):
    """One kind's rule; the page shows one per kind, each with its own prefix."""

    class Meta:
        model = RetentionRule
        fields = ["years_after_end", "years_after_eqa", "keep_until_date"]
        widgets = {"keep_until_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, kind_label: str = "", learner_work: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = kind_label
        self.fields["years_after_end"].widget.attrs.update(min=0, max=100)
        self.fields["years_after_end"].validators.append(_max_years)
        if learner_work:
            self.fields["years_after_eqa"].widget.attrs.update(min=0, max=100)
            self.fields["years_after_eqa"].validators.append(_max_years)
        else:
            del self.fields["years_after_eqa"]  # an EQA review looks at learner work only


def _max_years(value):
    if value is not None and value > 100:
        raise forms.ValidationError(_("At most 100 years."))


class HoldForm(forms.Form):
    learner = forms.ModelChoiceField(label=_("Learner"), queryset=None, required=False,
                                     empty_label=_("Every record of the centre"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example the claim, audit or investigation it is for."))

    def __init__(self, *args, learners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learner"].queryset = learners
        self.fields["learner"].label_from_instance = lambda user: f"{user.display_name} ({user.contact_email})"


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why it can be lifted"), max_length=2000)

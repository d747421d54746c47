from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CriteriaField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, criterion) -> str:
        return f"{criterion.number} {criterion.text}"


class WitnessRequestForm(forms.Form):
    name = forms.CharField(label=_("Witness's full name"), max_length=120)
    email = forms.EmailField(label=_("Witness's email address"),
                             help_text=_("The link to write the statement goes to this address. It works once."))
    role = forms.CharField(label=_("Their role"), max_length=120,
                           help_text=_("For example: supervisor, line manager, employer, mentor."))
    criteria = CriteriaField(label=_("Criteria the statement should cover"), queryset=None)
    message = forms.CharField(label=_("Message to the witness (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = criteria


class WitnessStatementForm(forms.Form):
    text = forms.CharField(label=_("What you saw"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Say what you saw the learner do, where and how well, in your own words."))
    criteria = CriteriaField(label=_("The criteria your statement covers"), queryset=None)
    role = forms.CharField(label=_("Your role or job title"), max_length=120)
    relationship = forms.CharField(label=_("Your relationship to the learner"), max_length=200,
                                   help_text=_("For example: their line manager at the placement."))
    observed_from = forms.DateField(label=_("Date you observed it (or first date)"),
                                    widget=forms.DateInput(attrs={"type": "date"}))
    observed_to = forms.DateField(label=_("Last date, if over several days (optional)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    typed_name = forms.CharField(label=_("Sign: type your full name"), max_length=120,
                                 error_messages={"required": _("Type your full name to sign the statement.")})
    declared = forms.BooleanField(label=_("I confirm this declaration"),
                                  error_messages={"required": _("Tick the declaration to sign the statement.")})

    def __init__(self, *args, witness_request, **kwargs):
        kwargs.setdefault("initial", {"role": witness_request.role, "criteria": list(witness_request.criteria.all())})
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = witness_request.criteria.order_by("unit__position", "position")

    def clean(self):
        data = super().clean()
        first, last, today = data.get("observed_from"), data.get("observed_to"), timezone.localdate()
        if first and first > today:
            self.add_error("observed_from", _("The date cannot be in the future."))
        if first and last and last < first:
            self.add_error("observed_to", _("The last date cannot be before the first."))
        if last and last > today:
            self.add_error("observed_to", _("The date cannot be in the future."))
        return data

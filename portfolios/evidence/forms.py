from django import forms
from django.utils.translation import gettext_lazy as _

from portfolios.enrolments.forms import DateInput
from portfolios.evidence.services import DECLARATION
from portfolios.models import Method
from qualifications.models import AssessmentCriterion


class CriterionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} {obj.text}"


class EvidenceDraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    reflection = forms.CharField(label=_("Reflection: what did you do, and what did you learn?"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}))
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", _("Choose"))] + Method.choices)
    activity_date = forms.DateField(label=_("Date of the activity"), required=False, widget=DateInput)
    activity_place = forms.CharField(label=_("Place of the activity"), max_length=200, required=False,
                                     help_text=_("For example: the training kitchen, or the restaurant's name."))
    criteria = CriterionChoiceField(label=_("Criteria this evidence meets"), required=False,
                                    queryset=AssessmentCriterion.objects.none(),
                                    widget=forms.CheckboxSelectMultiple)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    # Only on "Add evidence": the first save creates the draft once, however often it is sent.
    draft_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, claimable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = claimable.select_related("unit").order_by("unit__position", "position")


class EvidenceSubmitForm(forms.Form):
    declared = forms.BooleanField(label=DECLARATION, required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)

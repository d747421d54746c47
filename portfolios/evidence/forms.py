import json
from collections.abc import Collection
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portfolios.enrolments.forms import DateInput
from portfolios.evidence import selectors
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


@dataclass
class CriteriaSection:
    """One unit of the criteria picker: a disclosure whose summary says how many of its criteria are ticked."""

    unit: object
    criteria: list[AssessmentCriterion]  # each with .ticked and .not_met set
    ticked: int
    open: bool = False

    @property
    def labels(self) -> list[str]:
        """"n of N ticked" for every n from 0 to N, so the page's script can count live in any language."""
        total = len(self.criteria)
        return [ngettext("%(ticked)d of %(total)d ticked", "%(ticked)d of %(total)d ticked", n)
                % {"ticked": n, "total": total} for n in range(total + 1)]

    @property
    def label(self) -> str:
        return self.labels[self.ticked]

    @property
    def labels_json(self) -> str:
        return json.dumps(self.labels)


def criteria_sections(form: EvidenceDraftForm, *, not_met: Collection[int] = ()) -> list[CriteriaSection]:
    """The claimable criteria by unit, as ticked in the form; the units with ticks open (the first when none)."""
    chosen = {str(value) for value in form["criteria"].value() or []}
    sections = []
    for unit, criteria in selectors.criteria_by_unit(form.fields["criteria"].queryset):
        for c in criteria:
            c.ticked, c.not_met = str(c.pk) in chosen, c.pk in not_met
        ticked = sum(c.ticked for c in criteria)
        sections.append(CriteriaSection(unit=unit, criteria=criteria, ticked=ticked, open=ticked > 0))
    if sections and not any(s.open for s in sections):
        sections[0].open = True
    return sections

"""Input of the assessment plan pages. Every form that changes a plan carries the revision it was opened at."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolios.models import Enrolment, Method
from portfolios.plans import selectors as plan_selectors
from qualifications.models import AssessmentCriterion, Unit


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.title}"


class CriterionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: AssessmentCriterion) -> str:
        return f"{obj.number} {obj.text}"


class PlanItemForm(RevisionForm):
    units = UnitChoiceField(label=_("Units"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple,
                            error_messages={"required": _("Tick at least one unit.")})
    criteria = CriterionChoiceField(label=_("Criteria"), queryset=AssessmentCriterion.objects.none(),
                                    required=False, widget=forms.CheckboxSelectMultiple)
    method = forms.ChoiceField(label=_("Method"), choices=[("", _("Choose a method")), *Method.choices])
    target_date = forms.DateField(label=_("Target date"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment_units = plan_selectors.enrolment_units(enrolment=enrolment)
        unit_ids = [u.pk for u in self.enrolment_units]
        self.fields["units"].queryset = Unit.objects.filter(pk__in=unit_ids).order_by("position", "pk")
        self.fields["criteria"].queryset = (AssessmentCriterion.objects.filter(unit_id__in=unit_ids)
                                            .order_by("unit__position", "position", "pk"))

    def unit_groups(self) -> list[tuple]:
        """[(unit, its checkbox, [its criteria's checkboxes])] so the template shows criteria under their unit."""
        unit_boxes = {str(box.data["value"]): box for box in self["units"]}
        criterion_boxes = {str(box.data["value"]): box for box in self["criteria"]}
        return [(unit, unit_boxes[str(unit.pk)],
                 [criterion_boxes[str(c.pk)] for c in unit.criteria.all() if str(c.pk) in criterion_boxes])
                for unit in self.enrolment_units if str(unit.pk) in unit_boxes]


class PlanNotesForm(RevisionForm):
    notes = forms.CharField(label=_("Notes for the whole plan"), required=False, max_length=10000,
                            widget=forms.Textarea(attrs={"rows": 6}))


class PlanDocumentForm(RevisionForm):
    document = forms.FileField(
        label=_("Plan document"),
        help_text=_("A PDF, Word (.docx) or OpenDocument (.odt) file of at most 20 MB. It replaces any document "
                    "already attached to this version."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )


class PlanSignForm(RevisionForm):
    typed_name = forms.CharField(
        label=_("Type your full name to sign"), max_length=200,
        help_text=_("Your typed name and the time are recorded as your signature."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words", "spellcheck": "false"}),
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Qualification, QualificationVersion


def _whole(label, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100_000, initial=0, help_text=help_text)


class RevisionForm(forms.Form):
    """The revision the page was rendered with; every change sends it back so stale pages are refused."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(RevisionForm):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class VersionForm(RevisionForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    awarding_body = forms.CharField(label=_("Awarding body"), max_length=200, required=False)
    level = forms.CharField(label=_("Level"), max_length=20, required=False,
                            help_text=_("For example 3, or EQF 4."))
    framework = forms.ChoiceField(label=_("Framework"), choices=QualificationVersion.Framework.choices,
                                  required=False)
    total_credits = _whole(_("Total credits"))
    guided_learning_hours = _whole(_("Guided learning hours (GLH)"))
    minimum_credits = _whole(_("Minimum credits"), _("Rule of combination: the units a learner takes must add up "
                                                      "to at least this. 0 means every unit is taken."))


class QualificationForm(VersionForm):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("Unique at your centre, e.g. HOSP-L3."))
    kind = forms.ChoiceField(label=_("Kind"), choices=Qualification.Kind.choices)
    field_order = ["code", "kind", "title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["revision"]  # nothing exists yet, so there is nothing to be stale against


class UnitForm(RevisionForm):
    code = forms.CharField(label=_("Unit code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.CharField(label=_("Level"), max_length=20, required=False)
    credits = _whole(_("Credits"))
    guided_learning_hours = _whole(_("Guided learning hours (GLH)"))
    mandatory = forms.TypedChoiceField(
        label=_("Mandatory or optional"), widget=forms.RadioSelect, initial=True, coerce=lambda v: v == "True",
        choices=[(True, _("Mandatory: every learner takes it")), (False, _("Optional: learners may choose it"))])


class OutcomeForm(RevisionForm):
    text = forms.CharField(label=_("Learning outcome"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the learner will: e.g. “Understand how to …”, “Be able to …”."))


class CriterionForm(RevisionForm):
    text = forms.CharField(label=_("Assessment criterion"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the learner can do to show it: e.g. “Describe …”, “Carry out …”."))


class SpecImportForm(forms.Form):
    file = forms.FileField(label=_("Specification file (JSON or CSV)"),
                           help_text=_("At most 2 MB, UTF-8. Export any qualification to see both formats."))

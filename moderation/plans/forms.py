"""Input of the sampling plan pages: choosing the cycle, filtering the items, adding, removing, reassigning."""

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import SampleKind
from moderation.plans.services import PLAN_KINDS

KIND_CHOICES = [(k.value, k.label) for k in SampleKind if k in PLAN_KINDS]


class GenerateForm(forms.Form):
    strategy = forms.IntegerField(widget=forms.HiddenInput)
    cycle_start_year = forms.IntegerField(label=_("Cycle starting in"), min_value=2000, max_value=2100)


class ItemFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("In the plan")), ("removed", _("Removed")), ("all", _("All"))]
    REASON_CHOICES = [("", _("Any reason")), ("coverage", _("Coverage")), ("rate", _("Tier rate")),
                      ("by_hand", _("Added by hand"))]

    assessor = forms.TypedChoiceField(label=_("Assessor"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Interim and summative")),
                                                                       *KIND_CHOICES])
    reason = forms.ChoiceField(label=_("Chosen for"), required=False, choices=REASON_CHOICES)
    moderator = forms.TypedChoiceField(label=_("Moderator"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Show"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, assessors, units, moderators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = [("", _("All assessors")), *[(a.pk, a.display_name) for a in assessors]]
        self.fields["unit"].choices = [("", _("All units")), *[(u.pk, f"{u.code} {u.title}") for u in units]]
        self.fields["moderator"].choices = [("", _("All moderators")),
                                            *[(m.pk, m.display_name) for m in moderators]]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class EnrolmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.learner.display_name} ({obj.learner.contact_email}) — {obj.assessor.display_name}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}"


class ItemAddForm(forms.Form):
    enrolment = EnrolmentChoiceField(label=_("Learner"), queryset=None)
    unit = UnitChoiceField(label=_("Unit"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    reason = forms.CharField(label=_("Why add it"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say why you add this item.")})

    def __init__(self, *args, enrolments, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["unit"].queryset = units


class ItemRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Why remove it"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say why you remove this item.")})


class ModeratorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class ItemAssignForm(forms.Form):
    moderator = ModeratorChoiceField(label=_("Moderator"), queryset=None)

    def __init__(self, *args, moderators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = moderators

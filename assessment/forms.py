from collections.abc import Mapping
from typing import NamedTuple

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolios.evidence.files import FileRefused, check_upload
from portfolios.evidence.forms import CriterionChoiceField
from portfolios.evidence.services import claimable_criteria
from qualifications.models import AssessmentCriterion

from .models import Review
from .selectors import EarlierDecision

DECISION_CHOICES = [("met", _("Met")), ("not_met", _("Not yet met"))]


class DecisionRow(NamedTuple):
    """One claimed criterion on the review form, with what an earlier revision decided on it."""

    criterion: AssessmentCriterion
    field: forms.BoundField
    earlier: EarlierDecision | None
    needs_attention: bool  # new in this revision, or not yet met before


class ReviewForm(forms.Form):
    also_met = CriterionChoiceField(label=_("Other criteria this evidence also meets"), required=False,
                                    queryset=AssessmentCriterion.objects.none(), widget=forms.CheckboxSelectMultiple)
    feedback = forms.CharField(label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    actions = forms.CharField(label=_("Actions for the learner (when returning)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    voice_feedback = forms.FileField(label=_("Voice feedback (optional)"), required=False,
                                     widget=forms.ClearableFileInput(attrs={"accept": "audio/*", "capture": ""}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(Review.Outcome.ACCEPTED, _("Accept")),
                                                             (Review.Outcome.RETURNED, _("Return for resubmission"))],
                                widget=forms.RadioSelect)

    def __init__(self, *args, submission, enrolment, earlier: Mapping[int, EarlierDecision] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier = earlier or {}
        self.claimed = list(AssessmentCriterion.objects.filter(pk__in=submission.claimed)
                            .select_related("unit").order_by("unit__position", "position"))
        for criterion in self.claimed:
            before = self.earlier.get(criterion.pk)
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=f"{criterion.number} {criterion.text}", choices=DECISION_CHOICES, widget=forms.RadioSelect,
                initial=None if before is None else ("met" if before.met else "not_met"))
        also_met = self.fields["also_met"]
        also_met.queryset = (claimable_criteria(enrolment).exclude(pk__in=submission.claimed)
                             .select_related("unit").order_by("unit__position", "position"))
        # Criteria met in an earlier revision that this one no longer claims: ticked again, for the assessor to keep.
        self.carried_also_met = [c for c in also_met.queryset if (d := self.earlier.get(c.pk)) and d.met]
        also_met.initial = [c.pk for c in self.carried_also_met]

    def decision_fields(self) -> list[DecisionRow]:
        """Once an earlier revision has been decided, a criterion it did not meet, or did not have, needs attention."""
        rows = []
        for criterion in self.claimed:
            before = self.earlier.get(criterion.pk)
            rows.append(DecisionRow(criterion, self[f"criterion_{criterion.pk}"], before,
                                    needs_attention=bool(self.earlier) and (before is None or not before.met)))
        return rows

    def carried_count(self) -> int:
        return sum(1 for c in self.claimed if c.pk in self.earlier)

    def attention_count(self) -> int:
        return sum(1 for row in self.decision_fields() if row.needs_attention)

    @property
    def also_met_open(self) -> bool:
        """The "also meets" list starts open when anything in it is ticked."""
        return bool(self["also_met"].value())

    def clean_voice_feedback(self):
        upload = self.cleaned_data.get("voice_feedback")
        if upload:
            try:
                checked = check_upload(upload, upload.name, upload.size)
            except FileRefused as refusal:
                raise forms.ValidationError(str(refusal)) from refusal
            if checked.kind != "audio":
                raise forms.ValidationError(_("Voice feedback must be an audio recording."))
            upload.seek(0)
            upload.content_type = checked.content_type
        return upload

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        decisions = {c.pk: data[f"criterion_{c.pk}"] == "met" for c in self.claimed}
        decisions.update({c.pk: True for c in data["also_met"]})
        return {"decisions": decisions, "outcome": data["outcome"], "feedback": data["feedback"],
                "actions": data["actions"], "voice_feedback": data.get("voice_feedback") or None}


class SignOffForm(forms.Form):
    declared = forms.BooleanField(label=_("I make this declaration"), required=False)


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason for unlocking"), widget=forms.Textarea(attrs={"rows": 3}))

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Sample
from .services import PROCESS_CHECKS, VACS, Check

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
ACTION_ROWS = 3
CHECK_LABELS = {
    "valid": _("Valid: the evidence is relevant to the criteria"),
    "authentic": _("Authentic: it is the learner's own work"),
    "current": _("Current: it shows what the learner can do now"),
    "sufficient": _("Sufficient: there is enough of it for every criterion"),
    "plan_followed": _("The assessment plan was followed"),
    "feedback_developmental": _("The feedback to the learner is developmental"),
    "declaration_present": _("The learner's declaration is present"),
    "records_accurate": _("The records are accurate"),
}
QUEUE_STATUS_CHOICES = [("", _("Any status")), ("not_started", _("Not started")), ("in_progress", _("In progress")),
                        ("signed", _("Signed")), ("overdue", _("Overdue"))]


def check_rows(sample: Sample) -> list[tuple[str, dict]]:
    """(label, {"ok", "note"}) for each recorded VACS and process check, in a fixed order."""
    recorded = {**sample.vacs, **sample.process_checks}
    return [(CHECK_LABELS[name], recorded[name]) for name in (*VACS, *PROCESS_CHECKS) if name in recorded]


class SampleRecordForm(forms.Form):
    criteria = forms.ModelMultipleChoiceField(label=_("Criteria sampled"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Sample.Outcome.choices, widget=forms.RadioSelect)
    feedback = forms.CharField(label=_("Feedback to the assessor"), required=False,
                               widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, sample: Sample, **kwargs):
        if not args or args[0] is None:
            kwargs.setdefault("initial", self.initial_for(sample))
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = sample.unit.criteria.order_by("position")
        self.fields["criteria"].label_from_instance = lambda c: f"{c.number} {c.text}"
        for name in (*VACS, *PROCESS_CHECKS):
            self.fields[f"{name}_ok"] = forms.ChoiceField(label=CHECK_LABELS[name], choices=YES_NO,
                                                          widget=forms.RadioSelect)
            self.fields[f"{name}_note"] = forms.CharField(label=_("Note"), required=False, max_length=1000)
        for n in range(ACTION_ROWS):
            self.fields[f"action_{n}_text"] = forms.CharField(label=_("Action"), required=False, max_length=1000)
            self.fields[f"action_{n}_due"] = forms.DateField(
                label=_("Due (empty: in 10 working days)"), required=False,
                widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def initial_for(sample: Sample) -> dict:
        initial = {"criteria": list(sample.criteria_sampled.values_list("pk", flat=True)) if sample.pk else [],
                   "outcome": sample.outcome, "feedback": sample.feedback}
        for name in (*VACS, *PROCESS_CHECKS):
            check = {**sample.vacs, **sample.process_checks}.get(name)
            if check:
                initial[f"{name}_ok"] = "yes" if check["ok"] else "no"
                initial[f"{name}_note"] = check.get("note", "")
        for n, action in enumerate(sample.actions.all()[:ACTION_ROWS]):
            initial[f"action_{n}_text"], initial[f"action_{n}_due"] = action.text, action.due_date
        return initial

    def checks(self, names) -> list:
        return [(CHECK_LABELS[name], self[f"{name}_ok"], self[f"{name}_note"]) for name in names]

    def check_groups(self) -> list:
        return [(_("VACS: is the evidence valid, authentic, current and sufficient?"), self.checks(VACS)),
                (_("Process checks"), self.checks(PROCESS_CHECKS))]

    def action_rows(self) -> list:
        return [(self[f"action_{n}_text"], self[f"action_{n}_due"]) for n in range(ACTION_ROWS)]

    def service_arguments(self) -> dict:
        data = self.cleaned_data

        def check(name: str) -> Check:
            return Check(ok=data[f"{name}_ok"] == "yes", note=data[f"{name}_note"])

        return {
            "criteria_ids": [c.pk for c in data["criteria"]],
            "vacs": {name: check(name) for name in VACS},
            "process_checks": {name: check(name) for name in PROCESS_CHECKS},
            "outcome": data["outcome"], "feedback": data["feedback"],
            "actions": [(data[f"action_{n}_text"], data[f"action_{n}_due"]) for n in range(ACTION_ROWS)
                        if data[f"action_{n}_text"].strip()],
        }


class SignForm(forms.Form):
    typed_name = forms.CharField(label=_("Type your full name to sign"), max_length=200)


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What you did"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ActionReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back to the assessor"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class QueueFilterForm(forms.Form):
    assessor = forms.TypedChoiceField(label=_("Assessor"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=QUEUE_STATUS_CHOICES)

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = [("", _("All assessors")), *((a.pk, a.display_name) for a in assessors)]

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from centres.models import STAFF_ROLES, Centre, Membership, Role
from moderation.models import Observation
from portfolios.models import Evidence, Method
from qualifications.models import AssessmentCriterion, Qualification

CHECKLIST_LABELS = {
    "planning": _("Planning: the assessment was planned with the learner"),
    "questioning": _("Questioning: open questions that test understanding"),
    "judgement": _("Judgement: decisions match the criteria (VACS)"),
    "feedback": _("Feedback: clear, developmental, given to the learner"),
    "record_keeping": _("Record keeping: accurate, complete, signed"),
    "equality_and_safety": _("Equality, diversity and safety"),
}
OK_CHOICES = [("yes", _("Satisfactory")), ("no", _("Needs development"))]
MET_CHOICES = [("met", _("Met")), ("not_met", _("Not yet met"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class CriterionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.unit.code} {obj.number} {obj.text}"


def people(centre: Centre, *roles: str):
    ids = Membership.objects.current().filter(centre=centre, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk")


class ObservationScheduleForm(forms.Form):
    assessor = PersonChoiceField(label=_("Assessor to observe"), queryset=User.objects.none())
    scheduled_for = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False,
                            help_text=_("Workplace, kitchen, salon, room…"))
    learner = PersonChoiceField(label=_("Learner being assessed (optional)"), queryset=User.objects.none(),
                                required=False)
    method = forms.ChoiceField(label=_("Assessment method (optional)"), required=False,
                               choices=[("", "—"), *Method.choices])
    qualification = forms.ModelChoiceField(label=_("Qualification (optional)"), required=False,
                                           queryset=Qualification.objects.none())

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = people(centre, Role.ASSESSOR)
        self.fields["learner"].queryset = people(centre, Role.LEARNER)
        self.fields["qualification"].queryset = Qualification.objects.filter(centre=centre).order_by("code")


class ObservationRecordForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Observation.Outcome.choices, widget=forms.RadioSelect)
    development_points = forms.CharField(label=_("Development points for the assessor"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 4}),
                                         help_text=_("Needed unless the outcome is “Meets the standard”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in Observation.CHECKLIST:
            self.fields[f"{item}_ok"] = forms.ChoiceField(label=CHECKLIST_LABELS[item], choices=OK_CHOICES,
                                                          widget=forms.RadioSelect)
            self.fields[f"{item}_note"] = forms.CharField(label=_("Note"), required=False,
                                                          widget=forms.Textarea(attrs={"rows": 2}))

    def checklist_fields(self):
        return [(self[f"{item}_ok"], self[f"{item}_note"]) for item in Observation.CHECKLIST]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"checklist": {item: (data[f"{item}_ok"] == "yes", data[f"{item}_note"])
                              for item in Observation.CHECKLIST},
                "outcome": data["outcome"], "development_points": data["development_points"]}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    title = forms.CharField(label=_("Title"), max_length=200)
    qualification = forms.ModelChoiceField(label=_("Qualification (optional)"), required=False,
                                           queryset=Qualification.objects.none())
    attendees = PeopleChoiceField(label=_("Who attended"), queryset=User.objects.none(), required=False,
                                  widget=forms.CheckboxSelectMultiple)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("What was agreed, e.g. how a criterion is to be judged."))

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people(centre, *STAFF_ROLES)
        self.fields["qualification"].queryset = Qualification.objects.filter(centre=centre).order_by("code")


class MeetingFileForm(forms.Form):
    upload = forms.FileField(label=_("Attach a file (PDF, document, photo…)"))


class EvidenceSearchForm(forms.Form):
    q = forms.CharField(label=_("Find evidence by learner name, title or number"), required=False)


class CoMarkingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    invited = PeopleChoiceField(label=_("Assessors to invite (at least two)"), queryset=User.objects.none(),
                                widget=forms.CheckboxSelectMultiple)
    criteria = CriterionChoiceField(label=_("Criteria to judge"), queryset=AssessmentCriterion.objects.none(),
                                    widget=forms.CheckboxSelectMultiple,
                                    help_text=_("Ticked: the criteria the evidence claims."))

    def __init__(self, *args, centre: Centre, evidence: Evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = people(centre, Role.ASSESSOR)
        self.fields["criteria"].queryset = (AssessmentCriterion.objects.filter(unit__version=evidence.enrolment.version)
                                            .select_related("unit").order_by("unit__position", "position"))
        self.initial.setdefault("criteria", list(evidence.criteria.values_list("pk", flat=True)))


class JudgeForm(forms.Form):
    def __init__(self, *args, criteria: list[AssessmentCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"criterion_{c.pk}"] = forms.ChoiceField(label=f"{c.number} {c.text}", choices=MET_CHOICES,
                                                                 widget=forms.RadioSelect)
            self.fields[f"note_{c.pk}"] = forms.CharField(label=_("Why (optional)"), required=False,
                                                          widget=forms.Textarea(attrs={"rows": 2}))

    def judgement_fields(self):
        return [(c, self[f"criterion_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]

    def judgements(self) -> dict[int, tuple[bool, str]]:
        return {c.pk: (self.cleaned_data[f"criterion_{c.pk}"] == "met", self.cleaned_data[f"note_{c.pk}"])
                for c in self.criteria}

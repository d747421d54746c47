import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.widgets import QuickForm, QuickSelect
from centres.forms import AssessorChoiceField, assessors_of
from centres.models import Membership, Role
from portfolios.models import Enrolment
from qualifications.models import QualificationVersion, Unit

User = get_user_model()


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.qualification.code} — {obj.title} (v{obj.number})"


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        kind = _("mandatory") if obj.mandatory else _("optional")
        credits = ngettext("%(n)s credit", "%(n)s credits", obj.credits) % {"n": obj.credits}
        return f"{obj.code} {obj.title} — {credits}, {kind}"


class DateInput(forms.DateInput):
    input_type = "date"


class ChooseQualificationForm(forms.Form):
    version = VersionChoiceField(label=_("Qualification or course"), queryset=QualificationVersion.objects.none(),
                                 empty_label=_("Choose"))

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = (
            QualificationVersion.objects.filter(qualification__centre=centre,
                                                status=QualificationVersion.Status.PUBLISHED)
            .select_related("qualification").order_by("qualification__code", "-number"))


class EnrolmentForm(forms.Form):
    units = UnitChoiceField(label=_("Units"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    planned_end_date = forms.DateField(label=_("Planned end date"), widget=DateInput)
    assessor = AssessorChoiceField(label=_("Assessor"), queryset=User.objects.none())
    moderator = AssessorChoiceField(label=_("Internal moderator (optional)"), queryset=User.objects.none(),
                                    required=False)

    def __init__(self, *args, version: QualificationVersion, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = version.units.order_by("position")
        self.fields["assessor"].queryset = assessors_of(centre)
        self.fields["moderator"].queryset = User.objects.filter(
            pk__in=Membership.objects.current().filter(centre=centre, role=Role.MODERATOR).values("user"))

    @staticmethod
    def initial_for(version: QualificationVersion, assessor) -> dict:
        today = timezone.localdate()
        return {"units": [u.pk for u in version.units.all() if u.mandatory], "start_date": today,
                "planned_end_date": today + datetime.timedelta(days=365), "assessor": assessor}


class EnrolmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Enrolment.Status.choices)
    return_date = forms.DateField(label=_("Return date (for a break)"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("Reason (for a withdrawal)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class CaseloadFilterForm(QuickForm):
    q = forms.CharField(label=_("Search"), required=False)
    qualification = forms.TypedChoiceField(label=_("Qualification"), required=False, coerce=int, empty_value=None,
                                           widget=QuickSelect)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Active and on break"))] + list(Enrolment.Status.choices),
                               widget=QuickSelect)
    behind = forms.BooleanField(label=_("Behind schedule only"), required=False)
    assessor = forms.TypedChoiceField(label=_("Assessor"), required=False, coerce=int, empty_value=None,
                                      widget=QuickSelect)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("learner", _("Learner")), ("progress", _("Progress")), ("days_left", _("Days left")),
        ("last_activity", _("Last activity"))], widget=QuickSelect)
    order = forms.ChoiceField(label=_("Order"), required=False,
                              choices=[("asc", _("Ascending")), ("desc", _("Descending"))], widget=QuickSelect)

    def __init__(self, *args, qualifications, assessors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = [("", _("All"))] + [(q.pk, q.code) for q in qualifications]
        if assessors is None:
            del self.fields["assessor"]
        else:
            self.fields["assessor"].choices = [("", _("All"))] + [(a.pk, a.display_name) for a in assessors]

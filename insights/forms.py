import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portfolios.models import Enrolment
from qualifications.models import Qualification

from .reports.base import Filters


class FiltersForm(forms.Form):
    """The filters every report takes, read from the query string. The choices are what the reader's scope
    holds: an assessor sees no assessor filter (their caseload is theirs alone)."""

    qualification = forms.TypedChoiceField(label=_("Qualification"), required=False, coerce=int, empty_value=None)
    cohort = forms.CharField(label=_("Cohort (start month)"), required=False,
                             widget=forms.DateInput(attrs={"type": "month", "placeholder": "2026-09"}),
                             help_text=_("Year and month, e.g. 2026-09."))
    assessor = forms.TypedChoiceField(label=_("Assessor"), required=False, coerce=int, empty_value=None)
    location = forms.CharField(label=_("Assessment location"), required=False, max_length=200,
                               help_text=_("Where the evidence was gathered, as the learner gave it."))
    status = forms.ChoiceField(label=_("Enrolment status"), required=False,
                               choices=[("", _("Any status")), *Enrolment.Status.choices])

    def __init__(self, *args, enrolments: QuerySet[Enrolment], with_assessors: bool, **kwargs):
        super().__init__(*args, **kwargs)
        qualifications = Qualification.objects.filter(
            pk__in=enrolments.values("version__qualification_id")).order_by("code")
        self.fields["qualification"].choices = [("", _("All")), *((q.pk, q.code) for q in qualifications)]
        if with_assessors:
            assessors = User.objects.filter(pk__in=enrolments.values("assessor_id")).order_by(
                "first_name", "last_name", "pk")
            self.fields["assessor"].choices = [("", _("All")), *((a.pk, a.display_name) for a in assessors)]
        else:
            del self.fields["assessor"]

    def clean_cohort(self) -> datetime.date | None:
        value = self.cleaned_data["cohort"].strip()
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value[:7], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Give the start month as year and month, e.g. 2026-09.")) from None

    def filters(self) -> Filters:
        """The valid filters; any that do not validate are left out (the form shows why)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = self.cleaned_data
        return Filters(qualification=data.get("qualification"), cohort=data.get("cohort"),
                       assessor=data.get("assessor"), location=(data.get("location") or "").strip(),
                       status=data.get("status") or "")

    def described(self) -> list[tuple[str, str]]:
        """The filters in effect as (label, value) pairs, for exports and the page's summary."""
        if not self.is_bound or not self.is_valid():
            return []
        shown = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(value, datetime.date):
                value = f"{value:%Y-%m}"
            shown.append((str(field.label), str(value)))
        return shown

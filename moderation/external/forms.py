"""Input of the centre admin's EQA grant pages: a new grant, a new end, learners added, a revocation."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from centres.models import Centre, Role
from moderation.models import EqaGrant, SamplingPlan
from qualifications.models import Qualification

from .models import DEFAULT_GRANT_DAYS, MAX_GRANT_DAYS

MAX_LISTED_LEARNERS = 1000
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class QualificationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.code


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class LearnerEmailsField(forms.CharField):
    """Learners by email address, one per line (or separated by commas or spaces): usable with any number of
    learners, unlike a select. Cleans to the centre's learners, naming every address that is not one."""

    widget = forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, centre: Centre | None = None, **kwargs):
        self.centre = centre
        super().__init__(*args, **kwargs)

    def clean(self, value) -> list[User]:
        text = super().clean(value)
        emails = list(dict.fromkeys(e.strip().lower() for e in text.replace(",", " ").split() if e.strip()))
        if len(emails) > MAX_LISTED_LEARNERS:
            raise ValidationError(_("List at most %(n)s learners at once.") % {"n": MAX_LISTED_LEARNERS})
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(_("%(email)s is not an email address.") % {"email": email}) from None
        learners = list(User.objects.annotate(email_lower=Lower("email"))
                        .filter(email_lower__in=emails, memberships__centre=self.centre,
                                memberships__role=Role.LEARNER).distinct())
        missing = sorted(set(emails) - {u.email.lower() for u in learners})
        if missing:
            raise ValidationError(_("Not learners of this centre: %(emails)s.") % {"emails": ", ".join(missing)})
        return learners


class GrantForm(forms.Form):
    email = forms.EmailField(label=_("External moderator's email"), max_length=254)
    awarding_body = forms.CharField(label=_("Awarding body"), max_length=200, required=False)
    scope = forms.ChoiceField(label=_("What the grant covers"), choices=EqaGrant.Scope.choices,
                              widget=forms.RadioSelect)
    qualification = QualificationChoiceField(label=_("Qualification"), queryset=None, required=False,
                                             empty_label=_("Choose a qualification"))
    cohort_month = forms.DateField(label=_("Cohort start month"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"],
                                   widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                                   help_text=_("Learners whose enrolment started in that month, e.g. 2026-09."))
    cohort_qualification = QualificationChoiceField(label=_("Only on the qualification (optional)"), queryset=None,
                                                    required=False, empty_label=_("Any qualification"))
    plan = PlanChoiceField(label=_("IQA sampling plan"), queryset=None, required=False,
                           empty_label=_("Choose a current plan"))
    learners = LearnerEmailsField(label=_("Learners' email addresses, one per line"), required=False)
    starts_at = forms.DateTimeField(label=_("Access starts"), input_formats=MOMENT_FORMATS, widget=MOMENT)
    expires_at = forms.DateTimeField(label=_("Access ends"), input_formats=MOMENT_FORMATS, widget=MOMENT,
                                     help_text=_("At most %(days)s days after the start. Access ends by itself then.")
                                     % {"days": MAX_GRANT_DAYS})
    visit_on = forms.DateField(label=_("Visit date (optional)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               help_text=_("The centre admins are reminded 6 weeks, 4 weeks and 48 hours before."))
    show_contact_details = forms.BooleanField(label=_("Show learners' contact details"), required=False)
    blind = forms.BooleanField(label=_("Blind mode: learner names pseudonymised"), required=False,
                               help_text=_("Evidence content may still identify a learner."))

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        qualifications = Qualification.objects.filter(centre=centre).order_by("code")
        self.fields["qualification"].queryset = qualifications
        self.fields["cohort_qualification"].queryset = qualifications
        self.fields["plan"].queryset = (SamplingPlan.objects.filter(centre=centre, current=True)
                                        .select_related("strategy__qualification").order_by("-cycle_start", "pk"))
        self.fields["learners"].centre = centre
        if not self.is_bound:
            starts = _minute(timezone.now())
            self.initial.update(starts_at=starts, expires_at=starts + datetime.timedelta(days=DEFAULT_GRANT_DAYS),
                                scope=EqaGrant.Scope.IQA_PLAN if self.fields["plan"].queryset.exists()
                                else EqaGrant.Scope.CENTRE)

    def grant_kwargs(self) -> dict:
        """The service's arguments: only the fields of the chosen scope count."""
        data = self.cleaned_data
        scope = data["scope"]
        kwargs = {name: data[name] for name in ("email", "awarding_body", "starts_at", "expires_at", "visit_on",
                                                 "show_contact_details", "blind")}
        kwargs["scope"] = scope
        if scope == EqaGrant.Scope.QUALIFICATION:
            kwargs["qualification"] = data["qualification"]
        elif scope == EqaGrant.Scope.COHORT:
            kwargs.update(cohort_month=data["cohort_month"], qualification=data["cohort_qualification"])
        elif scope == EqaGrant.Scope.IQA_PLAN:
            kwargs["plan"] = data["plan"]
        elif scope == EqaGrant.Scope.LEARNERS:
            kwargs["learners"] = data["learners"] or []
        return kwargs


class ExtendForm(forms.Form):
    expires_at = forms.DateTimeField(label=_("Access ends"), input_formats=MOMENT_FORMATS, widget=MOMENT,
                                     help_text=_("Later or earlier; at most %(days)s days after the start.")
                                     % {"days": MAX_GRANT_DAYS})

    def __init__(self, *args, grant: EqaGrant, **kwargs):
        super().__init__(*args, initial={"expires_at": _minute(grant.expires_at)}, **kwargs)


class ExpandForm(forms.Form):
    learners = LearnerEmailsField(label=_("Learners to add, their email addresses one per line"),
                                  error_messages={"required": _("Enter at least one learner's email address.")})

    def __init__(self, *args, grant: EqaGrant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learners"].centre = grant.centre


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why revoke the grant"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say why the grant is revoked.")})

    def __init__(self, *args, grant: EqaGrant | None = None, **kwargs):
        super().__init__(*args, **kwargs)  # `grant` is taken for the same call as the other change forms

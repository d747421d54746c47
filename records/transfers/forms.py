from django import forms
from django.utils.translation import gettext_lazy as _

from .reading import MAX_JSON_BYTES, MAX_ZIP_BYTES
from .selectors import importable_enrolments
from .services import ACCEPT, REJECT


class EnrolmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, enrolment) -> str:
        return (f"{enrolment.learner.display_name} ({enrolment.learner.email}) — "
                f"{enrolment.version.qualification.code} {enrolment.version.title}, "
                f"{enrolment.start_date:%d %b %Y}")


class ImportForm(forms.Form):
    enrolment = EnrolmentChoice(label=_("Learner and enrolment"), queryset=None, empty_label=_("Choose…"),
                                help_text=_("The learner of this centre, and the enrolment here the prior learning "
                                            "is for."))
    file = forms.FileField(
        label=_("Their portfolio export"),
        help_text=_("data.json from a LEAP portfolio export (at most %(json)s MB), or the whole export ZIP (at most "
                    "%(zip)s MB).") % {"json": MAX_JSON_BYTES // (1024 * 1024), "zip": MAX_ZIP_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.zip,application/json,application/zip"}))
    confirmed = forms.BooleanField(
        label=_("I have checked: this file is this learner's portfolio, although the name or email differs."),
        required=False)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = importable_enrolments(centre=centre)


class DecisionForm(forms.Form):
    """Accept, reject (with a reason) or leave for later, per pending claim; `token` names the claims shown."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        self.claims = claims
        for claim in claims:
            label = f"{claim.unit.code} {claim.criterion.number}"
            self.fields[f"decision_{claim.pk}"] = forms.ChoiceField(
                label=_("Decision on %(criterion)s") % {"criterion": label}, required=False, initial="",
                choices=[(ACCEPT, _("Accept")), (REJECT, _("Reject")), ("", _("Decide later"))],
                widget=forms.RadioSelect)
            self.fields[f"reason_{claim.pk}"] = forms.CharField(
                label=_("Reason for rejecting %(criterion)s") % {"criterion": label}, required=False,
                max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        return [(claim, self[f"decision_{claim.pk}"], self[f"reason_{claim.pk}"]) for claim in self.claims]

    def clean(self):
        data = super().clean()
        for claim in self.claims:
            if data.get(f"decision_{claim.pk}") == REJECT and not (data.get(f"reason_{claim.pk}") or "").strip():
                self.add_error(f"reason_{claim.pk}", _("Say why you reject it."))
        return data

    def decisions(self) -> dict[int, tuple[str, str]]:
        return {claim.pk: (self.cleaned_data[f"decision_{claim.pk}"], self.cleaned_data[f"reason_{claim.pk}"])
                for claim in self.claims if self.cleaned_data.get(f"decision_{claim.pk}")}

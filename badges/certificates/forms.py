from django import forms
from django.utils.translation import gettext_lazy as _

from badges.certificates.services import ALWAYS_SUMMATIVE, TierRule
from badges.models import Certificate


class CertificateIssueForm(forms.Form):
    tier = forms.ChoiceField(label=_("Certificate"), widget=forms.RadioSelect)

    def __init__(self, *args, tiers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(t, Certificate.Tier(t).label) for t in tiers]
        if tiers:
            self.fields["tier"].initial = tiers[0]


class CertificateReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CertificateRuleForm(forms.Form):
    """One tier's rule. Achievement and diploma always need summative assessment: the box is shown ticked."""

    offered = forms.BooleanField(label=_("This centre issues this certificate"), required=False)
    minimum_hours = forms.IntegerField(label=_("Minimum learning hours"), min_value=0, max_value=100_000)
    requires_summative_assessment = forms.BooleanField(
        label=_("Requires summative assessment (every unit signed off)"), required=False)
    capstone_unit_code = forms.CharField(label=_("Capstone unit code (optional)"), max_length=40, required=False)
    pass_mark = forms.CharField(label=_("Pass mark, as printed"), max_length=200, required=False)

    def __init__(self, *args, tier: str, **kwargs):
        super().__init__(*args, prefix=tier, **kwargs)
        self.tier = tier
        if tier in ALWAYS_SUMMATIVE:
            field = self.fields["requires_summative_assessment"]
            field.disabled, field.initial = True, True

    @property
    def label(self) -> str:
        return Certificate.Tier(self.tier).label

    def rule(self) -> TierRule:
        return TierRule(tier=self.tier, **self.cleaned_data)

    @classmethod
    def initial_from(cls, rule: TierRule) -> dict:
        return {"offered": rule.offered, "minimum_hours": rule.minimum_hours,
                "requires_summative_assessment": rule.requires_summative_assessment,
                "capstone_unit_code": rule.capstone_unit_code, "pass_mark": rule.pass_mark}

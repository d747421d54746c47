"""Input of the strategy pages. The service checks the rates (0-100 %, units as a number or a percentage)."""

import calendar

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import RiskTier, SamplingStrategy
from moderation.strategies.services import STRATEGY_FIELDS

UNITS_NUMBER, UNITS_PERCENT = "number", "percent"


class StrategyForm(forms.Form):
    """The whole draft in one form: cycle, coverage rules, options and every tier's rates."""

    cycle_start_day = forms.IntegerField(label=_("Day"), min_value=1, max_value=28)
    cycle_start_month = forms.TypedChoiceField(label=_("Month"), coerce=int,
                                               choices=[(m, calendar.month_name[m]) for m in range(1, 13)])
    cycle_months = forms.IntegerField(label=_("Length in months"), min_value=1, max_value=12)
    cover_assessor_units = forms.BooleanField(label=_("Every assessor × every unit they assessed"), required=False)
    cover_methods = forms.BooleanField(label=_("Every assessment method used"), required=False)
    cover_locations = forms.BooleanField(label=_("Every assessment location"), required=False)
    cover_resubmissions = forms.BooleanField(label=_("Returned and resubmitted work"), required=False)
    square_root_rule = forms.BooleanField(
        label=_("Sample the square root of the number of learners instead of the tier's learner share"),
        help_text=_("Not recommended: the square-root rule has no statistical basis and samples large cohorts "
                    "far too thinly. Offered only because some awarding bodies still mention it."),
        required=False)
    gate_certification = forms.BooleanField(
        label=_("Hold certification until the planned summative sampling is done and its actions are closed"),
        required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=10000,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, strategy: SamplingStrategy, **kwargs):
        initial = {f: getattr(strategy, f) for f in STRATEGY_FIELDS}
        for rate in strategy.tier_rates.all():
            t = rate.tier
            initial.update({
                f"{t}_learner_percent": rate.learner_percent, f"{t}_interim_percent": rate.interim_percent,
                f"{t}_observations_per_year": rate.observations_per_year,
                f"{t}_units_kind": UNITS_NUMBER if rate.units_per_learner is not None else UNITS_PERCENT,
                f"{t}_units_value": rate.units_per_learner if rate.units_per_learner is not None
                else rate.unit_percent})
        super().__init__(*args, initial=initial, **kwargs)
        for tier in RiskTier:
            t = tier.value
            self.fields[f"{t}_learner_percent"] = forms.IntegerField(label=_("Learners sampled (%)"))
            self.fields[f"{t}_units_value"] = forms.IntegerField(label=_("Units per sampled learner"))
            self.fields[f"{t}_units_kind"] = forms.ChoiceField(
                label=_("counted as"), widget=forms.RadioSelect,
                choices=[(UNITS_NUMBER, _("units (at least)")), (UNITS_PERCENT, _("% of their units"))])
            self.fields[f"{t}_interim_percent"] = forms.IntegerField(label=_("Interim share (at least, %)"))
            self.fields[f"{t}_observations_per_year"] = forms.IntegerField(label=_("Observations of practice a year"))

    def tiers(self) -> list[tuple[str, list]]:
        """[(tier label, [its bound fields])] for the template, high first."""
        names = ("learner_percent", "units_value", "units_kind", "interim_percent", "observations_per_year")
        return [(tier, tier.label, {n: self[f"{tier.value}_{n}"] for n in names}) for tier in RiskTier]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        rates = {}
        for tier in RiskTier.values:
            by_number = data[f"{tier}_units_kind"] == UNITS_NUMBER
            rates[tier] = {"learner_percent": data[f"{tier}_learner_percent"],
                           "interim_percent": data[f"{tier}_interim_percent"],
                           "observations_per_year": data[f"{tier}_observations_per_year"],
                           "units_per_learner": data[f"{tier}_units_value"] if by_number else None,
                           "unit_percent": None if by_number else data[f"{tier}_units_value"]}
        return {**{f: data[f] for f in STRATEGY_FIELDS}, "rates": rates}


class ApproveForm(forms.Form):
    typed_name = forms.CharField(label=_("Type your full name to approve"), max_length=200,
                                 widget=forms.TextInput(attrs={"autocomplete": "name"}))


class QualificationChoiceForm(forms.Form):
    qualification = forms.IntegerField(widget=forms.HiddenInput)


class OverrideForm(forms.Form):
    assessor = forms.IntegerField(widget=forms.HiddenInput)
    tier = forms.ChoiceField(label=_("Tier"), choices=RiskTier.choices)
    reason = forms.CharField(label=_("Reason (required)"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    override = forms.IntegerField(widget=forms.HiddenInput)

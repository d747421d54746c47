from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PeerComment, Report


class ShareForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, empty_label=None)
    comments_need_approval = forms.BooleanField(
        label=_("I approve comments before the group sees them"), required=False, initial=True,
        help_text=_("Recommended. Until you approve a comment, only you and its writer see it."))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        from community.groups.models import CohortGroup

        self.fields["group"].queryset = CohortGroup.objects.filter(pk__in=[g.pk for g in groups])


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=PeerComment._meta.get_field("text").max_length,
                           widget=forms.Textarea(attrs={"rows": 3}))
    private_to_owner = forms.BooleanField(label=_("Only for the owner to see"), required=False,
                                          help_text=_("Nobody else in the group will see it."))
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class CommentEditForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=PeerComment._meta.get_field("text").max_length,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with it?"), choices=Report.Reason.choices,
                               widget=forms.RadioSelect)
    detail = forms.CharField(label=_("Anything to add (optional)"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReportDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("hide", _("Hide it")), ("dismiss", _("Dismiss the report"))))


class SharingSettingsForm(forms.Form):
    treat_learners_as_under_18 = forms.BooleanField(
        label=_("Treat every learner as under 18"), required=False,
        help_text=_("Learners then share only with groups that have staff in them, and never publicly."))

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from centres.models import Membership

from ..selectors import grant_enrolments
from .models import EqaChecklistItem, EqaReport, Rag
from .selectors import PICKER_SHOWS
from .services import ACTION_OWNER_ROLES

DATE = forms.DateInput(attrs={"type": "date"})
AGREED_CHOICES = [("yes", _("Agreed: the decision stands")), ("no", _("Changed: the decision does not stand"))]
SHOW_LABELS = {"sampled": _("Units sampled by IQA"), "signed_off": _("Signed-off units"), "all": _("All units")}


class ReportForm(forms.ModelForm):
    class Meta:
        model = EqaReport
        fields = ["visit_date", "sample_basis", "good_practice", "concerns", "improvements"]
        widgets = {"visit_date": DATE, **{name: forms.Textarea(attrs={"rows": 4}) for name in (
            "sample_basis", "good_practice", "concerns", "improvements")}}
        help_texts = {"sample_basis": _("How the sample was chosen: e.g. the IQA plan's summative items, one unit "
                                        "per assessor, the newest assessor's learners.")}


class ReportNewForm(forms.Form):
    visit_date = forms.DateField(label=_("Visit date"), widget=DATE)
    sample_basis = forms.CharField(label=_("Basis for the sample"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=ReportForm._meta.help_texts["sample_basis"])


class PickerForm(forms.Form):
    q = forms.CharField(label=_("Learner or unit"), required=False, max_length=100)
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[(s, SHOW_LABELS[s]) for s in PICKER_SHOWS])


class JudgementForm(forms.Form):
    enrolment_unit = forms.IntegerField(widget=forms.HiddenInput)
    agreed = forms.ChoiceField(label=_("Your judgement"), choices=AGREED_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (needed when the decision is changed)"), required=False, max_length=2000)


class RatingsForm(forms.Form):
    """One red/amber/green choice and a comment per active checklist item."""

    def __init__(self, *args, items: list[EqaChecklistItem], report: EqaReport, **kwargs):
        super().__init__(*args, **kwargs)
        given = {r.item_id: r for r in report.ratings.all()}
        self.items = items
        for item in items:
            rating = given.get(item.pk)
            self.fields[f"rating_{item.pk}"] = forms.ChoiceField(
                label=item.text, required=False, choices=Rag.choices, widget=forms.RadioSelect,
                initial=rating.rating if rating else None)
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                initial=rating.comment if rating else "")

    def rows(self):
        return [(item, self[f"rating_{item.pk}"], self[f"comment_{item.pk}"]) for item in self.items]

    def ratings(self) -> dict[int, tuple[str, str]]:
        return {item.pk: (self.cleaned_data[f"rating_{item.pk}"] or "", self.cleaned_data[f"comment_{item.pk}"])
                for item in self.items}


class ActionPointForm(forms.Form):
    text = forms.CharField(label=_("Action for the centre"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (Membership.objects.current().filter(centre=centre, role__in=ACTION_OWNER_ROLES)
                 .values("user_id"))
        self.fields["owner"].queryset = User.objects.filter(pk__in=staff, is_active=True).order_by(
            "last_name", "first_name")
        self.fields["owner"].label_from_instance = lambda u: u.display_name


class SanctionForm(forms.Form):
    hold = forms.BooleanField(label=_("Hold certification until the centre lifts it"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class SignForm(forms.Form):
    typed_name = forms.CharField(label=_("Type your full name to sign"), max_length=200)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment to the centre"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    enrolment = forms.ModelChoiceField(label=_("About (optional)"), required=False, queryset=None,
                                       empty_label=_("The centre in general"))

    def __init__(self, *args, grant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = (grant_enrolments(grant).select_related("learner", "version")
                                             .order_by("learner__last_name", "learner__first_name", "pk"))
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.learner.display_name} · {e.version.title}"


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the sanction is lifted"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Criterion"), max_length=300)

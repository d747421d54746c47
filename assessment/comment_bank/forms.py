from django import forms
from django.utils.translation import gettext_lazy as _

from centres.models import Centre
from qualifications.models import Qualification

from .models import MAX_SNIPPET_LENGTH, MAX_TITLE_LENGTH, CommentSnippet
from .selectors import qualifications_with_titles

SCOPE_CHOICES = [("personal", _("Only me")), ("centre", _("Every assessor at the centre"))]


class QualificationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Qualification) -> str:
        return f"{obj.code} — {obj.title}" if obj.title else obj.code


class SnippetForm(forms.Form):
    title = forms.CharField(label=_("Short title (optional)"), max_length=MAX_TITLE_LENGTH, required=False,
                            help_text=_("What you will look for in the list, e.g. “Good use of hygiene log”."))
    text = forms.CharField(label=_("Text"), max_length=MAX_SNIPPET_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("At most 2,000 characters. Inserted as written."),
                           error_messages={"required": _("Write the comment's text.")})
    suits = forms.ChoiceField(label=_("Use it for"), choices=CommentSnippet.Suits.choices, widget=forms.RadioSelect,
                              initial=CommentSnippet.Suits.BOTH)
    qualification = QualificationField(label=_("Qualification"), required=False, queryset=Qualification.objects.none(),
                                       empty_label=_("Any qualification"))
    scope = forms.ChoiceField(label=_("Who can use it"), choices=SCOPE_CHOICES, widget=forms.RadioSelect,
                              initial="personal")

    def __init__(self, *args, centre: Centre, may_share: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications_with_titles(centre)
        if not may_share:
            del self.fields["scope"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "text": data["text"], "suits": data["suits"],
                "qualification": data["qualification"]}


class BankFilterForm(forms.Form):
    qualification = QualificationField(label=_("Qualification"), required=False, queryset=Qualification.objects.none(),
                                       empty_label=_("All qualifications"))

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications_with_titles(centre)

    def chosen(self) -> Qualification | None:
        return self.cleaned_data["qualification"] if self.is_valid() else None

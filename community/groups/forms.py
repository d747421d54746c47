"""Forms of the group pages: input cleaning only (who may, and what a file really is, are the services')."""

import datetime

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qualifications.models import Qualification

from .models import CohortGroup, Post, Thread
from .services import MAX_ATTACHMENTS


class GroupForm(forms.ModelForm):
    creation_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    class Meta:
        model = CohortGroup
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"name": _("For example the cohort or class: “Hairdressing L2, September”."),
                      "description": _("What the group is for. Every member sees it.")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(ngettext("Attach at most %(count)d file to a post.",
                                                 "Attach at most %(count)d files to a post.", MAX_ATTACHMENTS)
                                        % {"count": MAX_ATTACHMENTS})
        return [super(AttachmentsField, self).clean(f, initial) for f in files]


class PostForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=10000, strip=True,
                           widget=forms.Textarea(attrs={"rows": 4}))
    files = AttachmentsField(label=_("Attach files (optional)"), required=False, help_text=format_lazy(
        _("Photos, videos, audio, PDF, Office or OpenDocument documents, plain text: up to {count} files. Only the "
          "group's members can open them."), count=MAX_ATTACHMENTS))
    post_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class ThreadForm(PostForm):
    title = forms.CharField(label=_("Title"), max_length=Thread._meta.get_field("title").max_length)
    field_order = ["title", "body", "files", "post_token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("First post")


class PostEditForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        labels = {"body": _("Your post")}


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason (staff see it; the author and members see only “removed by a "
                                     "moderator”)"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Find people of the centre by name or email"), max_length=100, required=False)


class AddMembersForm(forms.Form):
    """Tick people (centre memberships) to add; the view limits the choices to the centre's, not yet members."""

    memberships = forms.MultipleChoiceField(label=_("People to add"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["memberships"].choices = choices


class CohortForm(forms.Form):
    """Every learner enrolled on a qualification who started in a month."""

    qualification = forms.ModelChoiceField(label=_("Qualification or course"), queryset=Qualification.objects.none())
    month = forms.DateField(label=_("Starting in (month)"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            help_text=_("Year and month, for example 2026-09."))

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = Qualification.objects.filter(centre=centre).order_by("code")
        self.fields["qualification"].label_from_instance = lambda q: q.code
        if not self.is_bound:
            self.initial.setdefault("month", datetime.date.today().replace(day=1))

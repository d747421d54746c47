from django import forms
from django.utils.translation import gettext_lazy as _

from portfolios.models import Evidence
from qualifications.models import AssessmentCriterion

from .services import Upload

MAX_TEXT = 5000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def as_upload(upload) -> Upload | None:
    return Upload(upload, upload.name, upload.size) if upload else None


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), required=False, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 3}))
    about = forms.ChoiceField(label=_("About (optional)"), required=False)
    voice = forms.FileField(label=_("Voice note (optional)"), required=False,
                            help_text=_("An audio recording, for example from your phone's voice recorder."),
                            widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}))
    attachments = MultipleFileField(label=_("Attach files (optional)"), required=False,
                                    help_text=_("Photos, videos, audio, PDF, documents: up to 5 files."))
    form_token = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, evidence, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence = {str(e.pk): e for e in evidence}
        self.criteria = {str(c.pk): c for c in criteria}
        units: dict = {}
        for c in self.criteria.values():
            units.setdefault(f"{c.unit.code} {c.unit.title}", []).append((f"c{c.pk}", f"{c.number} {c.text}"))
        choices = [("", _("Nothing in particular"))]
        if self.evidence:
            choices.append((_("Evidence"), [(f"e{pk}", str(e)) for pk, e in self.evidence.items()]))
        choices += [(unit, items) for unit, items in units.items()]
        self.fields["about"].choices = choices

    def reference(self) -> tuple[Evidence | None, AssessmentCriterion | None]:
        about = self.cleaned_data.get("about") or ""
        return self.evidence.get(about[1:]) if about[:1] == "e" else None, \
            self.criteria.get(about[1:]) if about[:1] == "c" else None

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        evidence, criterion = self.reference()
        return {"text": data["text"], "voice": as_upload(data.get("voice")), "evidence": evidence,
                "criterion": criterion, "form_token": data["form_token"],
                "attachments": [as_upload(f) for f in data.get("attachments") or []]}

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from badges.awards.badge_classes import NON_FORMAL_KINDS
from badges.awards.images import MAX_BYTES
from centres.web_urls import validate_web_url
from portfolios.evidence.files.png import PNG_SIGNATURE
from portfolios.models import Evidence

User = get_user_model()
MAX_CSV_BYTES = 5 * 1024 * 1024


class BadgeClassForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in NON_FORMAL_KINDS])
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    criteria_narrative = forms.CharField(label=_("How it is earned (criteria)"),
                                         widget=forms.Textarea(attrs={"rows": 4}))
    image = forms.FileField(
        label=_("Image (PNG)"), required=False,
        help_text=_("Square, at least 256 pixels, at most 2 MB. Leave empty to have one drawn in your colours."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    alignments = forms.CharField(
        label=_("Aligned to"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name | web address | code (optional), e.g. a framework competence."))
    validity_days = forms.IntegerField(label=_("Valid for (days)"), required=False, min_value=1,
                                       help_text=_("Leave empty if it does not expire."))
    notional_hours = forms.IntegerField(label=_("Learning hours"), required=False, min_value=0)
    participation_form = forms.CharField(label=_("Form of participation"), required=False, max_length=200,
                                         help_text=_("e.g. In person, online, blended."))

    def clean_image(self) -> bytes | None:
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The image is larger than 2 MB."))
        return upload.read()

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean_alignments(self) -> list[dict]:
        alignments = []
        for line in self.cleaned_data["alignments"].splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not any(parts):
                continue
            parts += ["", "", ""]
            alignments.append({"targetName": parts[0], "targetUrl": parts[1], "targetCode": parts[2]})
        return alignments


class LearnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.email})"


class AwardByHandForm(forms.Form):
    recipient = LearnerChoiceField(label=_("Learner"), queryset=User.objects.none(),
                                   empty_label=_("Choose a learner"))
    narrative = forms.CharField(label=_("Why they earn it"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.URLField(label=_("Evidence (web address)"), required=False, assume_scheme="https",
                                  validators=[validate_web_url])

    def __init__(self, *args, learners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = User.objects.filter(pk__in=learners.values("user")).order_by(
            "first_name", "last_name", "email")


class AwardCsvForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV)"),
        help_text=_("Columns: email, narrative, evidence_url (optional). UTF-8, comma or semicolon separated."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class AwardRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The learner is told, and anyone who checks the badge sees it."))


MAX_PNG_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 200_000


class SharingForm(forms.Form):
    show_name_publicly = forms.BooleanField(required=False, label=gettext_lazy("Show my name on the public page"))
    in_showcase = forms.BooleanField(required=False, label=gettext_lazy("Include it in my public showcase"))
    public_evidence = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Evidence to show on the public page"),
        help_text=gettext_lazy("Only the items you tick are public, with their photos and reflection."))

    def __init__(self, *args, evidence: list[Evidence], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["public_evidence"].choices = [
            (e.pk, f"{e} ({e.activity_date:%d %b %Y})" if e.activity_date else str(e)) for e in evidence]


class PublicNameForm(forms.Form):
    """Whether public badge pages show the learner's name: "yes" or "no", from two buttons or two radios."""

    show_name = forms.TypedChoiceField(
        label=gettext_lazy("Your name on your public badge pages"), widget=forms.RadioSelect,
        choices=[("yes", gettext_lazy("Show my name")), ("no", gettext_lazy("Keep my name hidden"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": gettext_lazy("Choose whether your name is shown."),
                        "invalid_choice": gettext_lazy("Choose whether your name is shown.")})


class ShowcaseForm(forms.Form):
    enabled = forms.BooleanField(required=False, label=gettext_lazy("Show my public showcase"))


class VerifyForm(forms.Form):
    image = forms.FileField(required=False, label=gettext_lazy("Badge image (PNG, up to 5 MB)"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png"}))
    text = forms.CharField(required=False, max_length=MAX_TEXT_CHARS, strip=True,
                           label=gettext_lazy("Or paste the badge's JSON or JWT"),
                           widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}))

    def clean_image(self) -> bytes | None:
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if upload.size > MAX_PNG_BYTES:
            raise ValidationError(_("This file is larger than 5 MB: badge images are much smaller."))
        content = upload.read()
        if not content.startswith(PNG_SIGNATURE):
            raise ValidationError(_("This file is not a PNG image. Badge images with a badge inside are PNGs."))
        return content

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("image") and not data.get("text"):
            raise ValidationError(_("Choose a badge image, or paste the badge's JSON or JWT."))
        return data


# --- Public --------------------------------------------------------------------------------------------------

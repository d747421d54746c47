from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .branding import LogoField, validate_brand_colour
from .models import STAFF_ROLES, Membership, Role
from .web_urls import validate_web_url

User = get_user_model()

MAX_CSV_BYTES = 5 * 1024 * 1024


class AssessorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.email})"


def assessors_of(centre):
    return User.objects.filter(
        pk__in=Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR).values("user")
    ).order_by("first_name", "last_name")


class InviteStaffForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES])


class LearnerForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    assessor = AssessorChoiceField(label=_("Assessor"), queryset=User.objects.none(),
                                   empty_label=_("Choose an assessor"))

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors_of(centre)


class LearnerCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Cohort file (CSV)"),
        help_text=_("Columns: first_name, last_name, email, assessor_email. UTF-8, comma or semicolon separated."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ChangeAssessorForm(forms.Form):
    assessor = AssessorChoiceField(label=_("Assessor"), queryset=User.objects.none())

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors_of(centre)


class SelfRegistrationForm(forms.Form):
    enabled = forms.BooleanField(label=_("Let learners join with the centre's enrolment code"), required=False)
    assessor = AssessorChoiceField(label=_("Assessor for learners who join this way"), required=False,
                                   queryset=User.objects.none())

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors_of(centre)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"], User(email=self.email, first_name=data.get("first_name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(label=_("Enrolment code"), max_length=32,
                                     help_text=_("Your centre gives you this code."))

    def clean_enrolment_code(self):
        from .services import centre_for_enrolment_code

        code = self.cleaned_data["enrolment_code"]
        if centre_for_enrolment_code(code) is None:
            raise forms.ValidationError(_("This enrolment code is not valid. Check it with your centre."))
        return code


class JoinCentreSignupForm(EnrolmentCodeForm):
    """Extra fields on allauth's sign-up form: sign-up is for learners joining with a code."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["enrolment_code", "first_name", "last_name"]

    def signup(self, request, user) -> None:
        from .services import learner_self_register

        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])
        learner_self_register(user=user, code=self.cleaned_data["enrolment_code"])


class BrandingForm(forms.Form):
    brand_colour = forms.CharField(label=_("Main colour"), validators=[validate_brand_colour],
                                   widget=forms.TextInput(attrs={"type": "color"}),
                                   help_text=_("White text goes on it: it needs a contrast of at least 4.5:1."))
    accent_colour = forms.RegexField(label=_("Accent colour"), regex=r"^#[0-9A-Fa-f]{6}$",
                                     widget=forms.TextInput(attrs={"type": "color"}),
                                     error_messages={"invalid": _("Give a colour as #RRGGBB.")})
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https",
                             validators=[validate_web_url])
    logo = LogoField(widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}))

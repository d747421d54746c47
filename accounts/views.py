from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .access import posted, public, signed_in
from .forms import LanguageForm, ProfileForm, WelcomeSetPasswordForm
from .services import user_set_first_password, user_set_language, user_update_profile
from .sessions import sign_in_with_new_password

User = get_user_model()


def _user_from_link(uidb64: str, token: str):
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


@public
def welcome_set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_link(uidb64, token)
    if user is None:
        return render(request, "accounts/welcome_link_invalid.html", status=400)
    form = WelcomeSetPasswordForm(user, posted(request))
    if request.method == "POST" and form.is_valid():
        user_set_first_password(user=user, password=form.cleaned_data["new_password1"])
        sign_in_with_new_password(request, user)
        messages.success(request, _("Welcome to LEAP. Your password is set."))
        return redirect("home")
    return render(request, "accounts/welcome_set_password.html", {"form": form, "person": user})


@signed_in
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(posted(request), instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, **{k: form.cleaned_data[k] for k in (
            "first_name", "last_name", "language", "email_non_essential", "email_daily_digest",
            "email_weekly_mi")})
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the account (for emails)."""
    form = LanguageForm(request.POST)
    if form.is_valid() and request.user.is_authenticated:
        user_set_language(user=request.user, language=form.cleaned_data["language"])
    return django_set_language(request)


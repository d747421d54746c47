from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.access import public

from . import navigation, pwa
from .health import healthz
from .views import home, my_progress

admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # staff sign in through allauth, with their second factor
admin.site.site_header = "LEAP administration"


def icon(name: str):
    """Browsers ask for some icons at the root whatever the page links to; send them to the static file."""
    @public
    def view(request):
        response = HttpResponseRedirect(static(f"icons/{name}"))
        response["Cache-Control"] = "public, max-age=86400"
        return response
    return view


urlpatterns = [
    path("", home, name="home"),
    path("", include("centres.urls")),
    path("account/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("qualifications/", include("qualifications.urls")),
    path("progress/", my_progress, name="my_progress"),  # portfolios' progress with badges' awards
    path("", include("portfolios.urls")),
    path("assessment/", include("assessment.urls")),
    path("moderation/", include("moderation.urls")),
    path("badges/", include("badges.urls")),
    path("insights/", include("insights.urls")),
    path("community/", include("community.urls")),
    path("records/", include("records.urls")),
    path("django-admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("add-evidence/", navigation.add_evidence, name="add_evidence"),
    path("manifest.webmanifest", pwa.manifest, name="web_manifest"),
    path("centre-style/<slug:slug>.css", pwa.brand_css, name="centre_brand_css"),
    path("favicon.ico", icon("favicon.ico"), name="favicon"),
    path("apple-touch-icon.png", icon("apple-touch-icon.png"), name="apple_touch_icon"),
    path("apple-touch-icon-precomposed.png", icon("apple-touch-icon.png"), name="apple_touch_icon_precomposed"),
]

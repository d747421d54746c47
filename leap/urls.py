from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from accounts.access import public

from .views import home

admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # staff sign in through allauth, with their second factor
admin.site.site_header = "LEAP administration"


@public
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", home, name="home"),
    path("", include("centres.urls")),
    path("account/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("qualifications/", include("qualifications.urls")),
    path("", include("portfolios.urls")),
    path("assessment/", include("assessment.urls")),
    path("badges/", include("badges.urls")),
    path("django-admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.access import signed_in
from leap.urls import urlpatterns as leap_urlpatterns

from .items import items_context

UPLOAD_ANCHOR_NAME = "bench-upload-anchor.bin"


@signed_in
def trivial(request):
    """LEAP's cheapest signed-in page: every middleware, then the bare site's template."""
    return render(request, "bench/items.html", items_context())


@signed_in
def base_layout(request):
    """LEAP's page layout (header, navigation and its counts, footer) around one line: what every page pays."""
    return render(request, "bench/base_only.html", {})


@signed_in
@csrf_exempt
def upload(request):
    """A minimal Django upload view behind LEAP's middleware: the posted file streamed to disk, chunk by chunk."""
    posted = request.FILES["files"]
    with open(settings.VAR_DIR / UPLOAD_ANCHOR_NAME, "wb") as target:
        for chunk in posted.chunks():
            target.write(chunk)
    return JsonResponse({"files": [{"name": posted.name, "ok": True}]})


urlpatterns = [path("bench/trivial/", trivial), path("bench/base/", base_layout), path("bench/upload/", upload),
               *leap_urlpatterns]

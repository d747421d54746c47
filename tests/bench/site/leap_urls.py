from django.shortcuts import render
from django.urls import path

from accounts.access import signed_in
from leap.urls import urlpatterns as leap_urlpatterns

from .items import items_context


@signed_in
def trivial(request):
    """LEAP's cheapest signed-in page: every middleware, then the bare site's template."""
    return render(request, "bench/items.html", items_context())


urlpatterns = [path("bench/trivial/", trivial), *leap_urlpatterns]

from django.shortcuts import render
from django.urls import path

from .items import items_context


def items(request):
    return render(request, "bench/items.html", items_context())


urlpatterns = [path("bench/items/", items)]

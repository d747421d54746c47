from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import signed_in

from .models import Notification
from .services import notification_mark_read, notifications_mark_all_read


def get_notification_for(request: HttpRequest, pk: int) -> Notification:
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    return notification


@signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notification.objects.filter(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@signed_in
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_mark_read(notification=get_notification_for(request, pk), actor=request.user)
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notification_list"
    return redirect(target)


@signed_in
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(actor=request.user)
    return redirect("notification_list")

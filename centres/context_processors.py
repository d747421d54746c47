from notifications.models import Notification


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "leap": request.leap,
        # A callable: the count is queried only on pages that show the bell.
        "unread_notification_count": lambda: Notification.objects.filter(user=user).unread().count(),
    }

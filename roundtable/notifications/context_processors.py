from django.utils.functional import SimpleLazyObject

from roundtable.notifications.models import Notification


def notifications(request):
    """The header bell's count. Lazy: pages that do not show it pay no query."""
    user = request.user

    def unread():
        # One count, only on pages that show the header's bell; the same notifications as
        # the list (none about an issue the user may no longer read).
        if not user.is_authenticated:
            return 0
        return Notification.objects.visible_to(user).unread().count()

    return {"unread_notifications": SimpleLazyObject(unread)}

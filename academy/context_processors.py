from django.http import HttpRequest

from academy import navigation, roles
from academy.selectors import notification_unread_count


def navigation_context(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    granted = roles.user_roles(user)
    return {
        "nav_items": navigation.items_for(granted),
        "user_roles": granted,
        "unread_notifications": notification_unread_count(user=user),
    }

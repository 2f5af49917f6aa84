"""The session engine (SESSION_ENGINE): Django's database sessions, in a table that also
records the signed-in user's id, so that a user's sessions can be found and ended."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from roundtable.accounts.models import UserSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def sessions_end(*, user_id: int, keep: str | None = None) -> int:
    """Delete every session of ``user_id`` but ``keep`` (a session key). Returns how many.
    The user's next request from any of them is anonymous, so it is sent to sign in."""
    sessions = UserSession.objects.filter(user_id=user_id)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    return sessions.delete()[0]

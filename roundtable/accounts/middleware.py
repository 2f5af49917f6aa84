from django.utils import translation
from django.utils.cache import add_never_cache_headers


class UserLanguageMiddleware:
    """A signed-in user sees the portal in their own preferred language, whatever browser
    they sit at; the language switch changes that preference."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user are never cached, so that after sign-out the back
    button cannot bring a case page back from the browser's cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

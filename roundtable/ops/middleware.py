from roundtable.ops import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before sessions, authentication and the host check: a
    probe from the container runtime or a load balancer talks plain HTTP to 127.0.0.1, and is
    polled every second. After the middleware that only add headers (request id, security
    headers), whose HTTPS redirect exempts the probes (SECURE_REDIRECT_EXEMPT). The same views
    are also in the URLconf, so that reverse() and the access matrix know them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)

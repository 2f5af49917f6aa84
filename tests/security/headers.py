"""What every answer of the portal carries, whatever its status: one place for the access
matrix, the error pages and the header tests to check it."""

import re

# The directives of the policy that matter for what a page may run, load or be framed by.
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


def assert_security_headers(response) -> None:
    assert "Content-Security-Policy" in response, "no Content-Security-Policy header"
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "unsafe-hashes" not in policy and "*" not in policy, policy
    directives = csp_directives(response)
    if directives.get("default-src") == "'none'" and "sandbox" in directives:
        # A downloaded file (issues/attachments.py): stricter still, nothing loads or runs.
        assert directives.get("frame-ancestors") == "'none'", policy
    else:
        for name, value in REQUIRED_DIRECTIVES.items():
            assert directives.get(name) == value, (name, policy)
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    for feature in DENIED_FEATURES:
        assert re.search(rf"(^|,\s*){feature}=\(\)", permissions), (feature, permissions)

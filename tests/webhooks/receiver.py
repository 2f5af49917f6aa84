"""A real HTTP receiver on 127.0.0.1 for the webhook tests: a threading ``http.server`` that
verifies each request's signature as a receiving system would (README, "Outbound webhooks")
and answers with the statuses it is told to, in turn."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers, body: bytes) -> bool:
    """The receiver's check, as README shows it."""
    timestamp = headers["X-Roundtable-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["X-Roundtable-Signature"])


class Receiver:
    def __init__(self):
        self.secret = ""
        self.statuses: list[int] = []  # answered in turn; 200 once they run out
        self.requests: list[dict] = []
        self.delay = 0.0  # seconds to wait before answering
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "signed": verify(outer.secret, self.headers, body),
                    }
                )
                time.sleep(outer.delay)
                status = outer.statuses.pop(0) if outer.statuses else 200
                answer = json.dumps({"received": status < 300}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/roundtable"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

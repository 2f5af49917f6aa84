"""A minimal SMTP server on the loopback interface that answers as a test tells it to, so that
Django's real SMTP backend meets real refusals, 4xx/5xx answers and silence."""

import socket
import threading
from contextlib import contextmanager


class FakeSMTPServer:
    """Modes: "ok" (accepts mail), "greet421" (421 at the greeting), "rcpt450" / "rcpt550"
    (refuses the recipient), "silent" (accepts the connection and never answers)."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.messages: list[bytes] = []
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        mode = self.mode
        conn.settimeout(5)
        reader = conn.makefile("rb")

        def say(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        try:
            if mode == "silent":
                self._stop.wait(5)
                return
            if mode == "greet421":
                say("421 4.3.2 Service not available, try again later")
                return
            say("220 fake.test ESMTP")
            while True:
                line = reader.readline()
                if not line:
                    return
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    say("250 fake.test")
                elif command.startswith(b"MAIL FROM"):
                    say("250 2.1.0 OK")
                elif command.startswith(b"RCPT TO"):
                    if mode == "rcpt450":
                        say("450 4.2.1 Mailbox busy, try again later")
                    elif mode == "rcpt550":
                        say("550 5.1.1 No such user here")
                    else:
                        say("250 2.1.5 OK")
                elif command == b"DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while True:
                        chunk = reader.readline()
                        if chunk in (b".\r\n", b".\n", b""):
                            break
                        data.append(chunk)
                    self.messages.append(b"".join(data))
                    say("250 2.0.0 Queued")
                elif command == b"QUIT":
                    say("221 2.0.0 Bye")
                    return
                else:  # RSET, NOOP
                    say("250 OK")
        except OSError:
            return
        finally:
            try:
                reader.close()
                conn.close()
            except OSError:
                pass


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(mode: str = "ok"):
    server = FakeSMTPServer(mode)
    try:
        yield server
    finally:
        server.close()

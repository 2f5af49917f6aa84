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
                reply = self._reply(line.strip().upper(), mode, reader, say)
                say(reply)
                if reply.startswith("221"):
                    return
        except OSError:
            return
        finally:
            try:
                reader.close()
                conn.close()
            except OSError:
                pass

    _RCPT = {
        "rcpt450": "450 4.2.1 Mailbox busy, try again later",
        "rcpt550": "550 5.1.1 No such user here",
    }

    def _reply(self, command: bytes, mode: str, reader, say) -> str:
        if command.startswith((b"EHLO", b"HELO")):
            return "250 fake.test"
        if command.startswith(b"MAIL FROM"):
            return "250 2.1.0 OK"
        if command.startswith(b"RCPT TO"):
            return self._RCPT.get(mode, "250 2.1.5 OK")
        if command == b"DATA":
            say("354 End data with <CR><LF>.<CR><LF>")
            return self._data(reader)
        if command == b"QUIT":
            return "221 2.0.0 Bye"
        return "250 OK"  # RSET, NOOP

    def _data(self, reader) -> str:
        data = []
        while True:
            chunk = reader.readline()
            if chunk in (b".\r\n", b".\n", b""):
                break
            data.append(chunk)
        self.messages.append(b"".join(data))
        return "250 2.0.0 Queued"


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

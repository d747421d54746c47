"""A mail server for tests: accepts every message over SMTP on 127.0.0.1 and keeps it for the test to read.

Production LEAP sends mail with Django's SMTP backend (EMAIL_URL=smtp://...); this sink is the other end of that
connection, so a test sees exactly what left the web and worker processes.
"""

import email
import email.policy
import socketserver
import threading
import time
from email.message import EmailMessage


class _Session(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self._say("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-sink", "250-8BITMIME", "250 SIZE 52428800")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                self.server.sink.keep(self._message())
                self._say("250 kept")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self._say("250 ok")

    def _message(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)

    def _say(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode("ascii"))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """`with SmtpSink() as sink:` serves SMTP on `sink.url`; `sink.wait_for(...)` returns the messages that match."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Session)
        self._server.sink = self

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self._server.server_address[1]}"

    def keep(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))

    def wait_for(self, to: str, subject_contains: str, timeout: float = 60) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.messages if to in m["To"] and subject_contains in m["Subject"]]
            if found:
                return found[0]
            time.sleep(0.2)
        seen = [(m["To"], m["Subject"]) for m in self.messages]
        raise AssertionError(f"no email to {to} about {subject_contains!r} within {timeout}s; received: {seen}")

    def __enter__(self) -> "SmtpSink":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


def plain_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()

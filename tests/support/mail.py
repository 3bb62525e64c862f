"""Reading mail the app sent: from the file outbox, or from a real local SMTP server."""

import email
import email.policy
import os
import re
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def file_outbox(app) -> list[EmailMessage]:
    """Messages the default (no SMTP configured) backend wrote, oldest first."""
    directory = app.config["MAIL_FILE_DIR"]
    if not os.path.isdir(directory):
        return []
    paths = sorted((os.path.join(directory, n) for n in os.listdir(directory)), key=os.path.getmtime)
    messages = []
    for path in paths:
        with open(path, "rb") as handle:
            messages.append(email.message_from_binary_file(handle, policy=email.policy.default))
    return messages


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def first_link(message: EmailMessage) -> str:
    match = re.search(r"https?://\S+", text_of(message))
    assert match, "no link in the message"
    return match.group(0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.server.lock:
            self.server.attempts += 1
            refusal = self.server.refusal
        if refusal:  # failing on purpose: an outage (4xx) or a permanent refusal (5xx)
            return refusal
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.arrived.set()
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server on loopback that keeps what it receives; set `refusal` (an SMTP reply
    such as "451 4.3.0 Try again later") to make it refuse every message until it is cleared."""

    def __init__(self):
        self.refusal: str | None = None
        self.attempts = 0
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.port = free_port()
        self.controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

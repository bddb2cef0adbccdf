"""Where SMS and e-mail go: a file sink in development and tests, SMTP and an HTTP gateway in
production. Every send carries an idempotency key, the same on every try of one message: the file
sink refuses a key it already has, the HTTP gateway is given it to do the same, and an e-mail
carries it in its ``Message-ID``.

``SMS_SENDER`` / ``EMAIL_SENDER`` pick one: ``file`` (the default), ``http`` (SMS) or ``smtp``
(e-mail), or ``package.module:factory`` for any other, called as ``factory(config, channel)``.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import re
import smtplib
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Protocol

from flask import current_app


class Sender(Protocol):
    def send(self, key: str, to: str, subject: str, body: str) -> None: ...


class FileSink:
    """Appends one JSON line per message to ``<OUTBOX_DIR>/<channel>.jsonl``; a key is sent once."""

    def __init__(self, directory: str, channel: str):
        self.path = Path(directory) / f"{channel}.jsonl"

    def sent_keys(self) -> set[str]:
        if not self.path.exists():
            return set()
        return {json.loads(line)["key"] for line in self.path.read_text().splitlines() if line}

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        message = {"key": key, "to": to, "subject": subject, "body": body}
        with self.path.open("a+", encoding="utf-8") as fh:
            # check-then-append under one lock: two workers sending the same key write one line
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            if any(line.strip() and json.loads(line)["key"] == key for line in fh):
                return
            fh.write(json.dumps(message, ensure_ascii=False) + "\n")

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]


#: RFC 5322 dot-atom-text: what each side of a msg-id may be
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def message_id(key: str, mail_from: str) -> str:
    """The ``Message-ID`` of the e-mail sent with idempotency key ``key``: ``<key@domain>``, the
    domain being ``MAIL_FROM``'s (a display name around it is fine). The same key gives the same
    id, so a send repeated after an interruption is a duplicate a mail system can drop.

    ``localhost`` stands in for a domain that cannot be read, or cannot be a msg-id's right side.
    """
    _local, at, domain = parseaddr(mail_from)[1].rpartition("@")
    domain = domain.strip().rstrip(".").lower() if at else ""
    try:
        domain = domain.encode("idna").decode("ascii")  # 中文域名 → xn--…
    except UnicodeError:
        domain = ""
    if not _DOT_ATOM.fullmatch(domain):
        domain = "localhost"
    if not _DOT_ATOM.fullmatch(key):
        raise ValueError(f"an idempotency key must be a dot-atom to be a Message-ID: {key!r}")
    return f"<{key}@{domain}>"


class SmtpSender:
    """Sends through an SMTP relay. SMTP has no idempotency key of its own: the key goes into the
    ``Message-ID`` (see ``message_id``), the same on every try of one message."""

    def __init__(self, config):
        self.config = config

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.config["MAIL_FROM"]
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = message_id(key, self.config["MAIL_FROM"])
        msg.set_content(body)
        with smtplib.SMTP(self.config["SMTP_HOST"], self.config["SMTP_PORT"], timeout=20) as smtp:
            if self.config["SMTP_STARTTLS"]:
                smtp.starttls()
            if self.config["SMTP_USER"]:
                smtp.login(self.config["SMTP_USER"], self.config["SMTP_PASSWORD"])
            smtp.send_message(msg)


class HttpSmsGateway:
    """POSTs JSON ``{key, phone, text}`` with a bearer key, the key also in an ``Idempotency-Key``
    header; the gateway de-duplicates on it (README, "Notifications")."""

    def __init__(self, url: str, api_key: str):
        self.url, self.api_key = url, api_key

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        payload = json.dumps({"key": key, "phone": to, "text": f"{subject} {body}".strip()})
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's own setting)
            self.url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key}",
                "Idempotency-Key": key,
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def _plugged(spec: str, channel: str) -> Sender | None:
    """``package.module:factory`` → ``factory(config, channel)``; None for the built-in names."""
    if ":" not in spec:
        return None
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)(current_app.config, channel)


def _sender(channel: str, setting: str, builtins: dict[str, Callable[[], Sender]]) -> Sender:
    """The sender a setting names: ``file`` (the default), a built-in, or ``module:factory``."""
    cfg = current_app.config
    spec = cfg.get(setting) or "file"
    if spec == "file":
        return FileSink(cfg["OUTBOX_DIR"], channel)
    if spec in builtins:
        return builtins[spec]()
    plugged = _plugged(spec, channel)
    if plugged is None:
        choices = ", ".join(["file", *builtins])
        raise ValueError(f"{setting}={spec!r}: expected {choices} or module:factory")
    return plugged


def sms_sender() -> Sender:
    cfg = current_app.config
    gateway = {"http": lambda: HttpSmsGateway(cfg["SMS_GATEWAY_URL"], cfg["SMS_GATEWAY_KEY"])}
    return _sender("sms", "SMS_SENDER", gateway)


def email_sender() -> Sender:
    return _sender("email", "EMAIL_SENDER", {"smtp": lambda: SmtpSender(current_app.config)})

"""Where SMS and e-mail go: a file sink in development and tests, SMTP and an HTTP gateway in
production. Every send carries an idempotency key; the file sink refuses a key it already has, and
the HTTP gateway is given it to do the same."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from email.message import EmailMessage
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
        if key in self.sent_keys():
            return
        line = {"key": key, "to": to, "subject": subject, "body": body}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]


class SmtpSender:
    def __init__(self, config):
        self.config = config

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.config["MAIL_FROM"]
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = f"<{key}@{self.config['MAIL_FROM'].split('@')[-1]}>"
        msg.set_content(body)
        with smtplib.SMTP(self.config["SMTP_HOST"], self.config["SMTP_PORT"], timeout=20) as smtp:
            if self.config["SMTP_STARTTLS"]:
                smtp.starttls()
            if self.config["SMTP_USER"]:
                smtp.login(self.config["SMTP_USER"], self.config["SMTP_PASSWORD"])
            smtp.send_message(msg)


class HttpSmsGateway:
    """POSTs JSON ``{key, phone, text}`` with a bearer key; the gateway de-duplicates on ``key``."""

    def __init__(self, url: str, api_key: str):
        self.url, self.api_key = url, api_key

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        payload = json.dumps({"key": key, "phone": to, "text": f"{subject} {body}".strip()})
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's own setting)
            self.url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def sms_sender() -> Sender:
    cfg = current_app.config
    if cfg["SMS_SENDER"] == "http":
        return HttpSmsGateway(cfg["SMS_GATEWAY_URL"], cfg["SMS_GATEWAY_KEY"])
    return FileSink(cfg["OUTBOX_DIR"], "sms")


def email_sender() -> Sender:
    cfg = current_app.config
    if cfg["EMAIL_SENDER"] == "smtp":
        return SmtpSender(cfg)
    return FileSink(cfg["OUTBOX_DIR"], "email")

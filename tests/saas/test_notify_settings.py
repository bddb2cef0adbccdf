"""What a person chooses about their notifications, and what they then receive.

Every kind of message is registered with its default channels; each account turns SMS and e-mail
on or off per kind on its own settings page (the inbox is always on), gives an e-mail address and
the language its messages are written in. A message is written in the recipient's language, not in
the language of whoever's request caused it; it goes out on the channels the recipient accepts
when it is sent. An e-mail carries its idempotency key in its Message-ID, so a send repeated after
an interruption reaches the relay as the same message.
"""

from __future__ import annotations

import ast
import email
import email.policy
import json
import re
import socketserver
import threading
from pathlib import Path

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from saas.extensions import db
from saas.jobs import run_job
from saas.modules import installed
from saas.notify import kinds
from saas.notify.kinds import UnknownKind
from saas.notify.models import Notification
from saas.notify.senders import FileSink, message_id
from saas.notify.services import notify
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from tenants.events.models import Registration, RegistrationStatus
from tenants.passport.services import passport_for
from tests.conftest import PASSWORD, both_backends, login
from tests.saas.test_i18n import compiled_catalog  # noqa: F401 (English needs the .mo)
from tests.tenants.factories import add_community, make_event, signed_in

ROOT = Path(__file__).resolve().parents[2]
DELIVER = "saas.notify.jobs:deliver"
#: RFC 5322 msg-id: "<" dot-atom-text "@" dot-atom-text ">"
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
MSG_ID = re.compile(rf"<{ATOM}@{ATOM}>")


# ---------------------------------------------------------------------------------------------
# Helpers


def sent(app, channel: str) -> list[dict]:
    return FileSink(app.config["OUTBOX_DIR"], channel).messages()


def notes(scoped, street, kind: str) -> list[Notification]:
    with scoped(street) as session:
        return list(
            session.scalars(
                select(Notification).where(Notification.kind == kind).order_by(Notification.id)
            )
        )


def account(scoped, street, user_id: int) -> User:
    with scoped(street) as session:
        return session.scalar(select(User).where(User.id == user_id))


def settings_form(language: str = "zh", email: str = "", **ticks: list[str]) -> dict:
    """What the settings page posts, with the kinds ticked for ``by_sms`` and ``by_email``."""
    return {
        "email": email,
        "language": language,
        "by_sms": ticks.get("by_sms", []),
        "by_email": ticks.get("by_email", []),
    }


def post_settings(client, slug: str, form: dict):
    return client.post(f"/{slug}/account/notifications", data=form)


def ticked(html: str, channel: str, kind: str) -> bool:
    """Whether the settings page shows ``channel`` ticked for ``kind``."""
    tag = re.search(rf'<input[^>]*name="by_{channel}" value="{re.escape(kind)}"[^>]*>', html)
    assert tag, f"no {channel} box for {kind}"
    return " checked" in tag.group(0)


def chosen_language(html: str) -> str:
    """The language the settings page shows chosen."""
    tags = re.findall(r'<input[^>]*name="language"[^>]*>', html)
    (chosen,) = [tag for tag in tags if " checked" in f" {tag}"]
    return re.search(r'value="(\w+)"', chosen).group(1)


def register(scoped, street, event_id: int, *user_ids: int) -> None:
    with scoped(street) as session:
        for user_id in user_ids:
            session.add(
                Registration(
                    event_id=event_id, user_id=user_id, status=RegistrationStatus.registered
                )
            )
        session.commit()


# ---------------------------------------------------------------------------------------------
# The kinds


def _kinds_passed_to_notify() -> set[str]:
    """Every string constant given as the kind to ``notify`` (3rd argument) or to a module's
    own wrapper ``_tell`` (5th) anywhere in saas/ and tenants/."""
    found: set[str] = set()
    for path in [*ROOT.glob("saas/**/*.py"), *ROOT.glob("tenants/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = {"notify": 2, "_tell": 4}.get(name)
            if position is None or len(node.args) <= position:
                continue
            for part in ast.walk(node.args[position]):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.add(part.value)
    return found


def test_every_kind_the_code_sends_is_registered_with_a_label(app):
    """Each module declares its kinds (Module.notification_kinds); the app registers them."""
    used = _kinds_passed_to_notify()
    assert {"welcome", "event.cancelled", "points.awarded", "wish.claimed"} <= used
    registered = {k.name: k for m in installed(app) for k in m.notification_kinds}
    assert set(registered) <= {kind.name for kind in kinds.all_kinds()}
    assert sorted(used - set(registered)) == []
    assert all(str(kind.label) for kind in registered.values())


def test_a_kind_defined_twice_differently_is_refused(app):
    kinds.register([kinds.get("welcome")])  # the same again: harmless
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register([kinds.NotificationKind("welcome", _l("欢迎消息"), ("sms",))])
    with pytest.raises(ValueError, match="unknown channels"):
        kinds.NotificationKind("x.y", "x", ("fax",))


@both_backends
def test_an_unregistered_kind_is_refused_and_writes_nothing(app, make_street, make_user):
    street = make_street("alpha")
    user_id, _ = make_user(street)
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        with pytest.raises(UnknownKind, match="no.such"):
            notify(db.session, user, "no.such", "标题")
        db.session.commit()
        assert (
            db.session.scalars(select(Notification).where(Notification.user_id == user_id)).all()
            == []
        )
        db.session.remove()


# ---------------------------------------------------------------------------------------------
# The recipient's language


@both_backends
@pytest.mark.parametrize(
    ("admin_page", "language", "title", "body"),
    [
        ("zh_Hans_CN", "en", "Points adjusted: +30", "Reason: 年度表彰. Balance: 30 points."),
        ("en", "zh", "积分调整：+30", "原因：年度表彰。当前积分 30。"),
    ],
)
def test_a_message_is_written_in_the_recipients_language_not_the_admins(
    app, client, make_street, make_user, scoped, admin_page, language, title, body
):
    street = make_street("alpha")
    user_id, _ = make_user(street, language=language)
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        passport_id = passport_for(session, user, session.get(Tenant, street.id)).id
        session.commit()
    client.get(f"/lang/{admin_page}")
    login(client, "alpha", street.admin_phone)

    response = client.post(
        f"/alpha/passports/{passport_id}/adjust", data={"delta": "30", "reason": "年度表彰"}
    )
    assert response.status_code == 302
    (note,) = notes(scoped, street, "points.adjusted")
    assert (note.user_id, note.title, note.body) == (user_id, title, body)


@both_backends
def test_a_cancellation_with_its_reason_reaches_each_person_in_their_language(
    app, client, make_street, make_user, scoped
):
    street = make_street("alpha")
    english, _ = make_user(street, language="en")
    chinese, _ = make_user(street)
    event_id = make_event(scoped, street, title="社区清洁")
    register(scoped, street, event_id, english, chinese)
    login(client, "alpha", street.admin_phone)

    response = client.post(f"/alpha/events/{event_id}/cancel", data={"reason": "暴雨预警"})
    assert response.status_code == 302
    told = {n.user_id: (n.title, n.body) for n in notes(scoped, street, "event.cancelled")}
    assert told[english][0] == "Event cancelled: 社区清洁"
    assert told[english][1].startswith("The event “社区清洁”, planned for ")
    assert told[english][1].endswith("has been cancelled. Reason: 暴雨预警")
    assert told[chinese][0] == "活动取消：社区清洁"
    assert told[chinese][1].startswith("原定于 ") and told[chinese][1].endswith(
        "已取消。原因：暴雨预警"
    )
    # the SMS says the same as the inbox, in the same language
    assert {m["subject"] for m in sent(app, "sms")} == {told[english][0], told[chinese][0]}


@both_backends
def test_the_reminder_job_writes_in_each_recipients_language(app, make_street, make_user, scoped):
    from datetime import timedelta

    from saas.db import utcnow

    street = make_street("alpha")
    english, _ = make_user(street, language="en")
    chinese, _ = make_user(street)
    soon = make_event(
        scoped, street, title="义诊", place="文化站", starts_at=utcnow() + timedelta(hours=20)
    )
    register(scoped, street, soon, english, chinese)
    with app.app_context():
        assert run_job("tenants.events.jobs:send_reminders", None) == 2
    told = {n.user_id: (n.title, n.body) for n in notes(scoped, street, "event.reminder")}
    # 20 hours ahead: later today or tomorrow, by the hour the test runs
    assert re.fullmatch(r"The activity starts (today|tomorrow) at \d\d:\d\d", told[english][0])
    assert told[english][1].startswith("“义诊”, which you signed up for, starts at ")
    assert told[english][1].endswith(" at 文化站.")
    assert re.fullmatch(r"活动(今天|明天) \d\d:\d\d 开始", told[chinese][0])
    assert told[chinese][1].endswith("开始，地点：文化站。")


@both_backends
def test_joining_from_an_english_page_makes_an_account_greeted_in_english(
    app, client, make_street, scoped
):
    street = make_street("alpha", name="阳光街道")
    community = add_community(scoped, street, "幸福社区")
    client.get("/lang/en")
    response = client.post(
        "/alpha/join",
        data={
            "phone": "13912345678",
            "name": "李志愿",
            "community": str(community),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        },
    )
    assert response.status_code == 302, response.text
    (welcome,) = notes(scoped, street, "welcome")[1:]  # after the admin's own
    assert welcome.title == "Welcome to volunteering with 阳光街道"
    assert account(scoped, street, welcome.user_id).language == "en"

    client.post("/alpha/logout")
    client.get("/lang/zh_Hans_CN")  # a later page in Chinese changes nothing already written
    login(client, "alpha", "13912345678")
    assert "Welcome to volunteering with 阳光街道" in client.get("/alpha/inbox").text


def test_signing_a_street_up_from_an_english_page_greets_its_admin_in_english(client, scoped):
    client.get("/lang/en")
    response = client.post(
        "/signup",
        data={
            "street_name": "示范街道",
            "slug": "shifan",
            "district": "测试区",
            "admin_name": "王主任",
            "phone": "13800009999",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        },
    )
    assert response.status_code == 302
    assert "Welcome to Lianjiantong: 示范街道 is ready" in client.get("/shifan/inbox").text


# ---------------------------------------------------------------------------------------------
# The settings page


@both_backends
@pytest.mark.parametrize("role", ["admin", "staff", "org", "volunteer"])
def test_every_role_reaches_its_own_settings_from_the_inbox(app, make_street, make_user, role):
    street = make_street("alpha")
    _user_id, phone = make_user(street, role)
    client = signed_in(app, "alpha", phone)
    assert "/alpha/account/notifications" in client.get("/alpha/inbox").text

    page = client.get("/alpha/account/notifications")
    assert page.status_code == 200
    html = page.text
    for kind in kinds.all_kinds():
        assert str(kind.label) in html
    # the defaults: a cancellation by SMS and e-mail, points only in the inbox
    assert ticked(html, "sms", "event.cancelled")
    assert ticked(html, "email", "event.cancelled")
    assert not ticked(html, "sms", "points.awarded")
    assert html.count("checked disabled") == len(kinds.all_kinds())  # the inbox: always on


def test_a_guest_is_sent_to_the_login_page(client, make_street):
    make_street("alpha")
    response = client.get("/alpha/account/notifications")
    assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]


@both_backends
def test_saved_settings_are_kept_shown_and_audited(app, make_street, make_user, scoped):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    client = signed_in(app, "alpha", phone)

    form = settings_form(
        "en", "Li.Ming@Example.COM", by_sms=["event.reminder"], by_email=["points.awarded"]
    )
    response = post_settings(client, "alpha", form)
    assert response.status_code == 302
    user = account(scoped, street, user_id)
    assert (user.email, user.language) == ("Li.Ming@example.com", "en")
    assert user.notification_prefs["event.reminder"] == ["sms"]
    assert user.notification_prefs["event.cancelled"] == []  # unticked: neither SMS nor e-mail
    assert user.notification_prefs["points.awarded"] == ["email"]

    html = client.get("/alpha/account/notifications").text
    assert "通知设置已保存" in html
    assert 'value="Li.Ming@example.com"' in html
    assert chosen_language(html) == "en"
    assert ticked(html, "email", "points.awarded")
    assert not ticked(html, "sms", "event.cancelled")

    post_settings(client, "alpha", form)  # the same again: nothing new to audit
    with scoped(street) as session:
        audits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.notifications")
        ).all()
        assert len(audits) == 1 and audits[0].detail["email_changed"] is True


@both_backends
@pytest.mark.parametrize(
    "address",
    [
        "li@",
        "li ming@example.com",
        "li@example",
        "<li@example.com>",
        "李@例子.中国",
        "a@b.c\r\nBcc: x@y.z",
    ],
)
def test_a_bad_address_is_refused_and_nothing_typed_is_lost(
    app, make_street, make_user, scoped, address
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    client = signed_in(app, "alpha", phone)

    form = settings_form("en", address, by_sms=["points.awarded"], by_email=["wish.claimed"])
    response = post_settings(client, "alpha", form)
    assert response.status_code == 422
    html = response.text
    assert "邮箱格式不正确" in html
    assert chosen_language(html) == "en"
    assert ticked(html, "sms", "points.awarded")
    assert ticked(html, "email", "wish.claimed")
    assert not ticked(html, "sms", "event.cancelled")
    user = account(scoped, street, user_id)
    assert (user.email, user.language, user.notification_prefs) == (None, "zh", {})


def test_a_full_width_address_is_stored_in_ascii(app, make_street, make_user, scoped):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    client = signed_in(app, "alpha", phone)
    response = post_settings(client, "alpha", settings_form(email="ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"))
    assert response.status_code == 302
    assert account(scoped, street, user_id).email == "li@example.com"


# ---------------------------------------------------------------------------------------------
# Delivery follows the choice


@both_backends
def test_a_cancellation_goes_by_email_to_those_with_an_address(
    app, client, make_street, make_user, scoped
):
    street = make_street("alpha")
    with_address, phone = make_user(street, email="li@example.com")
    without, _ = make_user(street)
    event_id = make_event(scoped, street, title="社区清洁")
    register(scoped, street, event_id, with_address, without)
    login(client, "alpha", street.admin_phone)

    client.post(f"/alpha/events/{event_id}/cancel")
    assert [(m["to"], m["subject"]) for m in sent(app, "email")] == [
        ("li@example.com", "活动取消：社区清洁")
    ]
    assert len(sent(app, "sms")) == 2
    channels = {n.user_id: n.channels for n in notes(scoped, street, "event.cancelled")}
    assert channels == {with_address: "sms,email", without: "sms"}


@both_backends
def test_a_kind_turned_off_is_not_sent_and_one_turned_on_is(app, make_street, make_user, scoped):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    client = signed_in(app, "alpha", phone)
    form = settings_form("zh", "li@example.com", by_email=["event.cancelled", "points.awarded"])
    assert post_settings(client, "alpha", form).status_code == 302

    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "event.cancelled", _l("活动取消：%(title)s", title="义诊"))
        notify(db.session, user, "points.awarded", _l("获得 %(n)d 积分", n=5))
        notify(db.session, user, "wish.claimed", "心愿已被认领")
        db.session.commit()
        db.session.remove()
    assert sent(app, "sms") == []
    assert [m["subject"] for m in sent(app, "email")] == ["活动取消：义诊", "获得 5 积分"]


class FailingSms:
    def __init__(self, config, channel: str):
        pass

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        raise ConnectionError("SMS gateway unreachable")


@both_backends
def test_a_retry_uses_the_channels_accepted_when_it_is_sent(
    app, make_street, make_user, scoped, monkeypatch
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    monkeypatch.setitem(app.config, "SMS_SENDER", f"{__name__}:FailingSms")
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        note = notify(db.session, user, "event.reminder", "明天的活动提醒", "九点集合")
        db.session.commit()  # the first try, at once: the gateway is down
        note_id = note.id
        db.session.remove()
    (written,) = notes(scoped, street, "event.reminder")
    assert (written.channels, written.attempts, written.status) == ("sms", 1, "pending")

    # meanwhile the person turns SMS off for reminders, gives an address and asks for e-mail
    client = signed_in(app, "alpha", phone)
    form = settings_form("zh", "li@example.com", by_email=["event.reminder"])
    assert post_settings(client, "alpha", form).status_code == 302

    monkeypatch.setitem(app.config, "SMS_SENDER", "file")  # the gateway is back
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert sent(app, "sms") == []
    assert [(m["to"], m["subject"]) for m in sent(app, "email")] == [
        ("li@example.com", "明天的活动提醒")
    ]
    (delivered,) = notes(scoped, street, "event.reminder")
    assert delivered.channels == "email"


# ---------------------------------------------------------------------------------------------
# SMTP: the key in the Message-ID


class SmtpSink(socketserver.ThreadingTCPServer):
    """A mail relay on 127.0.0.1 that keeps what it is sent. The first ``hang_ups`` messages are
    kept and then the connection drops before the relay says "250": the sender cannot tell whether
    it was taken, so it tries again."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, hang_ups: int = 0):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.received: list[bytes] = []
        self.hang_ups = hang_ups

    @property
    def port(self) -> int:
        return self.server_address[1]


class _SmtpSession(socketserver.StreamRequestHandler):
    timeout = 10

    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.say("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.say("250-sink")
                self.say("250 8BITMIME")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.say("250 OK")
            elif verb == b"DATA":
                self.say("354 go on")
                lines = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(part[1:] if part.startswith(b"..") else part)
                self.server.received.append(b"".join(lines))
                if self.server.hang_ups:
                    self.server.hang_ups -= 1
                    return  # kept it, and the line dropped before it could say so
                self.say("250 queued")
            elif verb == b"QUIT":
                self.say("221 bye")
                return
            else:
                self.say("502 not here")


@pytest.fixture
def smtp_sink(app, monkeypatch):
    sink = SmtpSink(hang_ups=1)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "EMAIL_SENDER", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", sink.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", None)
    monkeypatch.setitem(app.config, "MAIL_FROM", "联建通 <noreply@mail.example.org>")
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()


@both_backends
def test_an_email_sent_again_after_an_interruption_has_the_same_message_id(
    app, make_street, make_user, scoped, smtp_sink
):
    street = make_street("alpha")
    user_id, _ = make_user(street, email="li@example.com", language="en")
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        note = notify(db.session, user, "event.cancelled", _l("活动取消：%(title)s", title="义诊"))
        db.session.commit()  # the first try: the relay keeps it, the line drops
        note_id, key = note.id, note.idempotency_key
        db.session.remove()
    (first,) = notes(scoped, street, "event.cancelled")
    assert (first.attempts, first.email_sent_at) == (1, None)
    assert len(smtp_sink.received) == 1

    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"  # what rq's retry runs
        assert run_job(DELIVER, street.id, note_id) == "sent"  # and a stray third run: nothing
    assert len(sent(app, "sms")) == 1
    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for raw in smtp_sink.received
    ]
    assert len(messages) == 2
    # on the wire, not only as a lenient parser reads it back
    header = f"Message-ID: <{key}-email@mail.example.org>\r\n".encode()
    assert all(header in raw for raw in smtp_sink.received)
    ids = {str(m["Message-ID"]) for m in messages}
    assert ids == {f"<{key}-email@mail.example.org>"}
    assert MSG_ID.fullmatch(ids.pop())
    assert {str(m["Subject"]) for m in messages} == {"Event cancelled: 义诊"}
    assert all(m["Date"] and str(m["To"]) == "li@example.com" for m in messages)


@pytest.mark.parametrize(
    ("mail_from", "expected"),
    [
        ("noreply@example.org", "<n1-2-email@example.org>"),
        ("联建通 <noreply@Mail.Example.org>", "<n1-2-email@mail.example.org>"),
        ('"Jie Dao, Office" <noreply@example.org.>', "<n1-2-email@example.org>"),
        ("noreply@example.org (联建通)", "<n1-2-email@example.org>"),
        ("noreply@例子.中国", "<n1-2-email@xn--fsqu00a.xn--fiqs8s>"),
        ("noreply", "<n1-2-email@localhost>"),
        ("", "<n1-2-email@localhost>"),
        ("noreply@[127.0.0.1]", "<n1-2-email@localhost>"),
    ],
)
def test_the_message_id_is_a_valid_msg_id_whatever_mail_from_looks_like(mail_from, expected):
    assert message_id("n1-2-email", mail_from) == expected
    assert MSG_ID.fullmatch(expected)


# ---------------------------------------------------------------------------------------------
# The HTTP SMS gateway: the key in the body and in an Idempotency-Key header


@pytest.fixture
def sms_gateway(app, monkeypatch):
    """An SMS gateway on 127.0.0.1 that answers 502 to its first request, then 200."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    requests: list[tuple[str, dict]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.headers["Idempotency-Key"], body))
            self.send_response(502 if len(requests) == 1 else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "SMS_SENDER", "http")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", f"http://127.0.0.1:{server.server_port}/")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_KEY", "gateway-secret")
    try:
        yield requests
    finally:
        server.shutdown()
        server.server_close()


def test_the_sms_gateway_gets_the_same_key_on_a_retry(app, make_street, make_user, sms_gateway):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        note = notify(db.session, user, "event.reminder", "明天的活动提醒", "九点集合")
        db.session.commit()  # the first try: the gateway answers 502
        note_id, key = note.id, f"{note.idempotency_key}-sms"
        db.session.remove()
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert (
        sms_gateway == [(key, {"key": key, "phone": phone, "text": "明天的活动提醒 九点集合"})] * 2
    )

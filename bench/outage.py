"""``python -m bench.outage``: what login, /join and /signup answer while Redis is away.

Makes a street on a fresh SQLite file, then serves the app (in process, the test client) with its
rate-limit counters and jobs pointed at a Redis that is down (a port where nothing listens) and at
one that is frozen (a listener that accepts and never answers). For each, it posts the right and
a wrong password at /<slug>/login, a volunteer sign-up at /<slug>/join and a street sign-up at
/signup, and prints each answer's status and time. Without the fallback these were 500s (at
once when down, after 5 s when frozen).
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path

PASSWORD = "bench-pass-1"


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _frozen_listener():
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def _app(database: str, redis_url: str):
    from saas import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "SCHEDULER_IN_PROCESS": False,
        }
    )


def _street(database: str, outbox: str) -> tuple[str, str, int]:
    """A street with an admin and a community; returns (slug, admin phone, community id)."""
    from flask_migrate import upgrade

    from saas import create_app
    from saas.extensions import db
    from saas.streets.services import StreetSignup, open_street
    from saas.tenancy import tenant_scope
    from tenants.structure.models import Community

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "OUTBOX_DIR": outbox}
    )
    with app.app_context():
        upgrade()
        tenant, admin = open_street(
            db.session,
            StreetSignup(
                street_name="基准街道",
                slug="bench",
                district="基准区",
                admin_name="管理员",
                phone="13800000001",
                password=PASSWORD,
                password_confirm=PASSWORD,
                privacy_agreed=True,
            ),
        )
        with tenant_scope(tenant.id):
            community = Community(name="基准社区")
            db.session.add(community)
            db.session.commit()
            return tenant.slug, admin.phone, community.id


def _timed(client, url: str, data: dict) -> str:
    start = time.perf_counter()
    response = client.post(url, data=data)
    return f"{response.status_code} in {time.perf_counter() - start:.2f} s"


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="  log: %(levelname)s %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{Path(tmp) / 'bench.db'}"
        slug, phone, community = _street(database, str(Path(tmp) / "outbox"))
        join = {
            "name": "张志愿",
            "community": str(community),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        }
        signup = {
            "street_name": "新街道",
            "district": "新区",
            "admin_name": "管理员",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        }
        with _frozen_listener() as frozen_port:
            for state, port in (("down", _free_port()), ("frozen", frozen_port)):
                app = _app(database, f"redis://127.0.0.1:{port}/0")
                app.config["OUTBOX_DIR"] = str(Path(tmp) / "outbox")
                client = app.test_client()
                print(f"Redis {state} (127.0.0.1:{port}):")
                right = {"phone": phone, "password": PASSWORD}
                print(f"  login, right password: {_timed(client, f'/{slug}/login', right)}")
                client = app.test_client()
                wrong = {"phone": phone, "password": "not-it-1"}
                print(f"  login, wrong password: {_timed(client, f'/{slug}/login', wrong)}")
                new_phone = "1390000100" + ("1" if state == "down" else "2")
                answer = _timed(client, f"/{slug}/join", {**join, "phone": new_phone})
                print(f"  /join:                 {answer}")
                answer = _timed(
                    client, "/signup", {**signup, "slug": f"new-{state}", "phone": new_phone}
                )
                print(f"  /signup:               {answer}")


if __name__ == "__main__":
    main()

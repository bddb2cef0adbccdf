"""Test fixtures: an app per database backend, factories for streets and accounts.

The suite runs on SQLite by default; tests marked for PostgreSQL (``backend`` parametrised or the
``pg_app`` fixture) run there too, connected as a role without BYPASSRLS, so Row-Level Security is
really in force. Without PostgreSQL or Redis those tests skip loudly; under ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from saas import create_app
from saas.extensions import db
from saas.tenancy import all_tenants, tenant_scope

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: "gw0", "gw1"… in a pytest-xdist worker (``make test`` runs two), "" in a plain run
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_index(worker: str) -> int | None:
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def worker_pg_db(base: str, worker: str) -> str:
    """Each xdist worker empties and migrates a database of its own: ``ljt_test_gw0``…"""
    return f"{base}_{worker}" if _worker_index(worker) is not None else base


def _redis_db(url: str) -> int:
    return int(urlsplit(url).path.strip("/") or 0)


def worker_redis_url(base: str, worker: str) -> str:
    """Each xdist worker flushes a Redis db of its own, counting down from the base's number:
    db 15 for gw0, 14 for gw1… (down, so that a base of 15 stays within Redis's 16 databases).
    Without xdist, the base itself. The controller checks the numbers before any worker starts
    (``pytest_configure`` below): a worker must not fail while importing this file, which
    pytest-xdist answers by starting another worker, again and again, and then exiting 0."""
    index = _worker_index(worker)
    if not index:
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{_redis_db(base) - index}"))


REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_TEST_URL = worker_redis_url(REDIS_BASE_URL, WORKER)
PG_DB = worker_pg_db(os.environ.get("TEST_PG_DB", "ljt_test"), WORKER)
PG_APP_ROLE = "ljt_app_test"
PASSWORD = "secret-pass-1"


def pytest_configure(config) -> None:
    """In the controller of ``-n N``: every worker's Redis db (base, base - 1… base - N + 1) is
    one Redis has (0–15), or the run stops here with the reason."""
    workers = config.getoption("numprocesses", None)
    if not isinstance(workers, int) or workers < 2 or hasattr(config, "workerinput"):
        return
    if _redis_db(REDIS_BASE_URL) - (workers - 1) < 0:
        raise pytest.UsageError(
            f"TEST_REDIS_URL {REDIS_BASE_URL}: {workers} workers use Redis dbs counting down from"
            f" its number; give a base db of at least {workers - 1}, or fewer workers"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (``make test``), with every browser test in one group: they share the
    demo server of tests/e2e/conftest.py, started once a worker that runs any of them.

    The group is given here rather than by an ``xdist_group`` mark because pytest-xdist 3.8 marks
    a group by renaming the test's node id, which pytest 9.2 no longer allows: the marks are
    ignored without a word (pytest-xdist issue #1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserTestsTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/e2e/"):
                return "e2e"
            return super()._split_scope(nodeid)

    return BrowserTestsTogether(config, log)


def missing_service(name: str, why: str) -> None:
    message = f"{name} IS NOT AVAILABLE ({why}): its tests did not run"
    if CI:
        pytest.fail(message + " — under CI=true this is a failure", pytrace=False)
    pytest.skip(message)


def _base_config(tmp: Path) -> dict:
    return {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "OUTBOX_DIR": str(tmp / "outbox"),
        "SERVER_NAME": None,
        # the fixed demo street only: the generated 2,000 volunteers would slow every test that
        # loads it (tests/test_demo.py loads a small generated street on purpose)
        "DEMO_SCALE": 0,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "EXPORT_DIR": str(tmp / "exports"),  # saas.exports: files of exports built by a job
        # the grid's photos (tenants/grid/photos.py), else under the checkout's instance/
        "GRID_PHOTO_DIR": str(tmp / "grid-photos"),
    }


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not available
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def _pg_setup() -> tuple[str, str]:
    """A fresh database migrated by the superuser; the app connects as a plain role."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
            {"d": PG_DB},
        )
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB}"))
        conn.execute(text(f"CREATE DATABASE {PG_DB}"))
        # The role belongs to the whole server, shared by every worker's database: two workers
        # creating it at once, the second waits for the first and then finds the name taken.
        conn.execute(
            text(
                "DO $$ BEGIN"
                f" CREATE ROLE {PG_APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app';"
                " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;"
                " END $$"
            )
        )
    admin.dispose()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    owner_url = f"{base}/{PG_DB}"
    app_url = owner_url.replace("postgres@", f"{PG_APP_ROLE}:app@", 1)
    return owner_url, app_url


def _make_app(backend: str, tmp: Path):
    config = _base_config(tmp)
    if backend == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'test.db'}"
        owner_url = None
    else:
        why = _pg_available()
        if why:
            missing_service("PostgreSQL", why)
        owner_url, app_url = _pg_setup()
        config["SQLALCHEMY_DATABASE_URI"] = app_url
        config["MIGRATION_DATABASE_URL"] = owner_url
        # A commit does not wait for its WAL to reach the disk (what is committed is seen by every
        # other connection all the same; only a crash of the server could lose it): the tests
        # commit thousands of times and fsync was a good part of their time on PostgreSQL.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    app = create_app(config)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        if owner_url:
            from saas.rls import grant_sql

            engine = create_engine(owner_url)
            with engine.begin() as conn:
                for statement in grant_sql(PG_APP_ROLE):
                    conn.execute(text(statement))
            engine.dispose()
    if backend == "sqlite":
        _sqlite_without_fsync(app)
    app.config["TEST_OWNER_URL"] = owner_url
    app.config["TEST_BACKEND"] = backend
    return app


def _sqlite_without_fsync(app) -> None:
    """``PRAGMA synchronous = OFF`` on the test file's connections: a commit hands its pages to
    the system without waiting for the disk (nothing another connection sees changes: the same
    locks, the same journal; only a crash of the machine could lose a write). Each commit waited
    for several fsyncs; it halved the time of a street's opening and of the wipe."""
    from sqlalchemy import event

    def no_fsync(dbapi_connection, connection_record) -> None:
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    with app.app_context():
        event.listen(db.engine, "connect", no_fsync)
        db.engine.dispose()  # the connections made before (migrations) are made again


_apps: dict[str, object] = {}


@pytest.fixture(scope="session")
def _tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("ljt")


def _get_app(backend: str, tmp_root: Path):
    if backend not in _apps:
        tmp = tmp_root / backend
        tmp.mkdir(exist_ok=True)
        _apps[backend] = _make_app(backend, tmp)
    return _apps[backend]


_owner_engines: dict[str, object] = {}


@pytest.fixture(scope="session", autouse=True)
def _close_owner_engines():
    """The owner's engine that empties tables is kept for the session and closed at its end."""
    yield
    for engine in _owner_engines.values():
        engine.dispose()


def _wipe(app) -> None:
    """Empty every table (as the owner on PostgreSQL, where RLS would hide rows).

    On PostgreSQL only the tables holding rows are emptied, found in one statement, with DELETE
    and the used sequences set back to 1 (as TRUNCATE … RESTART IDENTITY did): TRUNCATE makes new
    files for each table, and its CASCADE from ``tenants`` reached every table, so it cost 150 to
    600 ms a test where a few small DELETEs cost 5. The deletes run as a replica
    (``session_replication_role``): no foreign-key order to keep and no trigger to refuse them.
    On SQLite too only the tables holding rows are emptied (seventy-odd DELETEs cost more than
    the probe).
    """
    owner_url = app.config.get("TEST_OWNER_URL")
    with app.app_context():
        db.session.remove()
        engine = db.engine
        if owner_url:
            engine = _owner_engines.setdefault(owner_url, create_engine(owner_url))
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        probe = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})"  # noqa: S608
            for name in tables
        )
        with engine.begin() as conn:
            holding = {row[0] for row in conn.execute(text(probe))}
            filled = [name for name in tables if name in holding]  # children before parents
            if engine.dialect.name == "postgresql":
                if filled:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    conn.execute(text("SET LOCAL synchronous_commit = off"))
                    for name in filled:
                        conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608
                conn.execute(
                    text(
                        "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
                        " FROM pg_sequences WHERE last_value IS NOT NULL"
                    )
                )
            else:
                for name in filled:
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608
    outbox = Path(app.config["OUTBOX_DIR"])
    if outbox.exists():
        shutil.rmtree(outbox)
    from saas.cache import forget as forget_figures
    from saas.extensions import limiter
    from saas.streets.cache import forget

    with app.app_context():
        limiter.reset()
        forget()  # the rows were deleted behind the app's back
        forget_figures()


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(backend, _tmp_root):
    application = _get_app(backend, _tmp_root)
    _wipe(application)
    yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_variant(app):
    """``app_variant(TRUSTED_PROXIES=1)``: another app on the same test database, settings changed."""
    made = []

    def make(**overrides):
        keys = [*_base_config(Path("unused")), "SQLALCHEMY_DATABASE_URI", "MIGRATION_DATABASE_URL"]
        config = {key: app.config.get(key) for key in keys}
        config.update(overrides)
        made.append(create_app(config))
        return made[-1]

    yield make
    for variant in made:
        with variant.app_context():
            db.engine.dispose()


both_backends = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
pg_only = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@dataclass
class Street:
    id: int
    slug: str
    name: str
    admin_id: int
    admin_phone: str


@pytest.fixture
def make_street(app):
    """``make_street("alpha")`` opens a street with an admin (phone 13800000001…)."""
    counter = {"n": 0}

    def make(slug: str | None = None, name: str | None = None, phone: str | None = None) -> Street:
        from saas.streets.services import StreetSignup, open_street

        counter["n"] += 1
        slug = slug or f"street-{uuid.uuid4().hex[:6]}"
        phone = phone or f"1380000{counter['n']:04d}"
        with app.app_context():
            tenant, admin = open_street(
                db.session,
                StreetSignup(
                    street_name=name or f"{slug}街道",
                    slug=slug,
                    district="测试区",
                    admin_name="管理员",
                    phone=phone,
                    password=PASSWORD,
                    password_confirm=PASSWORD,
                    privacy_agreed=True,
                ),
            )
            db.session.commit()
            with tenant_scope(tenant.id):
                street = Street(tenant.id, tenant.slug, tenant.name, admin.id, admin.phone)
            db.session.remove()
        return street

    return make


@pytest.fixture
def make_user(app):
    def make(
        street: Street,
        role: str = "volunteer",
        phone: str | None = None,
        consented: bool = True,
        **kw,
    ):
        """``consented=False``: an account that has not agreed to the street's privacy notice
        (as one an admin makes), which is shown the notice at its first login."""
        from saas.auth.models import Role
        from saas.auth.services import create_user
        from saas.streets import privacy
        from saas.streets.models import Tenant

        phone = phone or f"137{uuid.uuid4().int % 10**8:08d}"
        with app.app_context(), tenant_scope(street.id):
            user = create_user(
                db.session,
                phone=phone,
                name=kw.pop("name", "测试用户"),
                password=PASSWORD,
                role=Role(role),
                **kw,
            )
            if consented:
                tenant = db.session.get(Tenant, street.id)
                privacy.record_consent(db.session, tenant, user, tenant.privacy_version, "join")
            db.session.commit()
            user_id = user.id
            db.session.remove()
        return user_id, phone

    return make


def login(client, slug: str, phone: str, password: str = PASSWORD, **extra):
    return client.post(f"/{slug}/login", data={"phone": phone, "password": password, **extra})


@pytest.fixture
def scoped(app):
    """Run code inside a street's scope in an app context: ``with scoped(street): …``."""
    from contextlib import contextmanager

    @contextmanager
    def enter(street_or_id):
        tid = street_or_id if isinstance(street_or_id, int) else street_or_id.id
        with app.app_context(), tenant_scope(tid):
            yield db.session
            db.session.remove()

    return enter


@pytest.fixture
def unscoped(app):
    from contextlib import contextmanager

    @contextmanager
    def enter():
        with app.app_context(), all_tenants():
            yield db.session
            db.session.remove()

    return enter


@pytest.fixture
def periodic_thread(app):
    """``periodic_thread({"notify-sweep": ("saas.notify.jobs:sweep", 0.1)})``: the in-process
    scheduler of the embedded default, running those jobs (all of ``periodic()`` if none are
    given) until the test ends."""
    from saas.scheduling import InProcessScheduler

    started = []

    def start(jobs: dict[str, tuple[str, float]] | None = None):
        started.append(InProcessScheduler(app, jobs).start())
        return started[-1]

    yield start
    for scheduler in started:
        scheduler.stop()

"""Configuration from the environment.

Development needs nothing set: SQLite under ``instance/``, jobs in-process, a secret key generated
once and kept under ``instance/``. Production (``APP_ENV=production``) refuses to start without a
``SECRET_KEY`` and marks cookies Secure.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


class ConfigError(RuntimeError):
    pass


def _secret_key(production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production")
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE / 'saas.db'}"
    # psycopg 3 is the driver; accept the bare scheme people paste from their host's panel.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    production = os.environ.get("APP_ENV", "development") == "production"
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "APP_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(production),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        # Migrations may run as the schema owner while the app connects as a role without BYPASSRLS.
        "MIGRATION_DATABASE_URL": os.environ.get("MIGRATION_DATABASE_URL") or None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Seconds a new PostgreSQL connection may take (saas.health): past it, a 503 page rather
        # than a worker hung on a frozen server. 0 leaves the driver's default (no limit).
        "DATABASE_CONNECT_TIMEOUT": _int("DATABASE_CONNECT_TIMEOUT", 3),
        # The longest a statement waits for a row another transaction holds (PostgreSQL
        # ``lock_timeout``, milliseconds; 0 waits for ever): past it the request gets a 503 page.
        "LOCK_TIMEOUT_MS": _int("LOCK_TIMEOUT_MS", 5000),
        "REDIS_URL": redis_url,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "default"),
        # Seconds between a worker's maintenance passes: how soon a job whose worker died is retried.
        "RQ_MAINTENANCE_INTERVAL": _int("RQ_MAINTENANCE_INTERVAL", 60),
        # Seconds between a worker's looks for periodic jobs Redis has lost (restart without
        # persistence, eviction, FLUSHDB): the longest the schedule stays broken.
        "PERIODIC_CHECK_SECONDS": _int("PERIODIC_CHECK_SECONDS", 60),
        # Without REDIS_URL, `flask run` runs the periodic jobs in a thread of its server process.
        "SCHEDULER_IN_PROCESS": _bool("SCHEDULER_IN_PROCESS", True),
        # How many reverse proxies stand in front (each adds X-Forwarded-For/-Proto); 0 trusts none.
        # Set it behind nginx, or every visitor shares the proxy's address for login throttling.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "ljt_session",
        # The longest any role may stay signed in; shorter per-role limits are in saas.auth.sessions.
        "PERMANENT_SESSION_LIFETIME": timedelta(days=90),
        # The cookie is re-sent when the session changes (seen_at moves once a minute, see
        # saas.auth.sessions), not on every response of a remembered phone.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # How long a process may serve a street's row without reading it again (saas.streets.cache):
        # a suspension or a settings change reaches the other processes within this many seconds.
        "TENANT_CACHE_SECONDS": _int("TENANT_CACHE_SECONDS", 5),
        # How long the dashboard's figures (head counts, twelve-month trends) are reused before
        # they are computed again, per process, street and community scope (saas.cache); 0: never.
        "FIGURES_CACHE_SECONDS": _int("FIGURES_CACHE_SECONDS", 300),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Seconds to wait for Redis (connect, then each answer) before the rate-limit counters
        # go on in the process's memory (saas.ratelimit): a frozen Redis must not hold a login.
        "RATELIMIT_STORAGE_TIMEOUT": _float("RATELIMIT_STORAGE_TIMEOUT", 0.5),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Login tries (saas.auth.throttle, which says why these numbers): per phone from one
        # address, per phone from everywhere (high, so a lock-out needs many addresses), and
        # failures per address; the change-password form counts per account on its own.
        "LOGIN_FAILURES_PER_PHONE_AND_ADDRESS": os.environ.get(
            "LOGIN_FAILURES_PER_PHONE_AND_ADDRESS", "5 per 15 minutes"
        ),
        "LOGIN_FAILURES_PER_PHONE": os.environ.get("LOGIN_FAILURES_PER_PHONE", "50 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": os.environ.get(
            "LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes"
        ),
        "PASSWORD_CHECKS_PER_ACCOUNT": os.environ.get(
            "PASSWORD_CHECKS_PER_ACCOUNT", "5 per 15 minutes"
        ),
        # SMS codes for volunteer self-registration (tenants.people.verification)
        "JOIN_CODES_PER_PHONE": os.environ.get("JOIN_CODES_PER_PHONE", "5 per hour"),
        "JOIN_CODES_PER_ADDRESS": os.environ.get("JOIN_CODES_PER_ADDRESS", "20 per hour"),
        # A stricter password policy for deployments assessed under 等保2.0; off by default.
        "PASSWORD_REQUIRE_CLASSES": _int("PASSWORD_REQUIRE_CLASSES", 0),
        "PASSWORD_MAX_AGE_DAYS": _int("PASSWORD_MAX_AGE_DAYS", 0),
        # Audit entries older than this are purged daily; never fewer than 180 (网络安全法: 6 months).
        "AUDIT_RETENTION_DAYS": _int("AUDIT_RETENTION_DAYS", 365),
        "SMS_SENDER": os.environ.get("SMS_SENDER", "file"),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL"),
        "SMS_GATEWAY_KEY": os.environ.get("SMS_GATEWAY_KEY"),
        "EMAIL_SENDER": os.environ.get("EMAIL_SENDER", "file"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@localhost"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", str(INSTANCE / "outbox")),
        # An export of more rows than this is built by a job and offered in the inbox
        # (saas.exports); up to saas.xlsx.JOB_EXPORT_LIMIT rows. 0: always in the request.
        "EXPORT_JOB_THRESHOLD": _int("EXPORT_JOB_THRESHOLD", 2000),
        # Days a job's export file is kept for its owner before the hourly job deletes it.
        "EXPORT_KEEP_DAYS": _int("EXPORT_KEEP_DAYS", 7),
        # Where those files are kept (default <instance>/exports), one folder per street.
        "EXPORT_DIR": os.environ.get("EXPORT_DIR"),
        # Days an import's uploaded file (residents' names and phones) is kept while the batch
        # waits for 确认导入 (or was left); then the hourly job deletes it and the batch expires.
        "IMPORT_KEEP_DAYS": _int("IMPORT_KEEP_DAYS", 7),
    }

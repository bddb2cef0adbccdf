"""联建通: one Flask deployment, many isolated streets (街道)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from saas.config import INSTANCE, ROOT, from_environment


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(INSTANCE),
    )
    app.config.update(from_environment())
    app.config.setdefault("PASSWORD_HASH_METHOD", "scrypt")
    if test_config:
        app.config.update(test_config)
    from saas.health import configure_engine

    configure_engine(app.config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from saas import jobs, security, tenancy, ui, web
    from saas.audit.services import install_append_only
    from saas.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    _install_engine_hooks(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=ui.select_locale, timezone_selector=None)
    tenancy.install()
    install_append_only()
    jobs.init_app(app)
    security.init_app(app)
    web.init_app(app)
    ui.init_app(app)

    _register_models()
    _register_modules(app)

    from saas.cli import register_cli

    register_cli(app)
    return app


def _install_engine_hooks(app: Flask) -> None:
    from saas import locks, prepared
    from saas.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            prepared.install(engine)
            locks.install(engine, app.config["LOCK_TIMEOUT_MS"])


def _register_models() -> None:
    # The platform's tables; each module's come with its declaration (saas.modules).
    import saas.audit.models  # noqa: F401
    import saas.auth.models  # noqa: F401
    import saas.counters  # noqa: F401
    import saas.exports.models  # noqa: F401
    import saas.figures.models  # noqa: F401
    import saas.imports.models  # noqa: F401
    import saas.notify.models  # noqa: F401
    import saas.platform.models  # noqa: F401
    import saas.rights.models  # noqa: F401
    import saas.streets.models  # noqa: F401


def _register_modules(app: Flask) -> None:
    """The pages outside any street, then the platform's and every module's declaration: the
    one place the app reads ``tenants.MODULES`` (or ``MODULES`` in the config, for tests)."""
    from saas import modules
    from saas.console.module import PLATFORM
    from saas.platform.views import bp as platform
    from saas.streets.views import bp as streets

    app.register_blueprint(streets)
    app.register_blueprint(platform)
    if "MODULES" in app.config:
        packages = app.config["MODULES"]
    else:
        from tenants import MODULES as packages
    modules.init_app(app, packages, platform=PLATFORM)

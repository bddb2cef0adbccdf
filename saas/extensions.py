"""Extension instances, created once and bound in ``create_app``."""

from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

from saas.db import db
from saas.ratelimit import Limiter

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
migrate = Migrate()
htmx = Htmx()

__all__ = ["babel", "csrf", "db", "htmx", "limiter", "login_manager", "migrate"]

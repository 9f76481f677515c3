"""Flask extensions, created unbound; ``create_app`` binds them in one ordered sequence.

Flask-Babel is the exception: ``smartcity.i18n`` gives each Flask app a Babel of
its own, since Babel caches its domains on the instance.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

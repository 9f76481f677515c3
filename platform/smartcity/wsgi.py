"""The WSGI entry point for gunicorn (``smartcity.wsgi:app``).

The only module that builds the app when imported: it is a process entry
point, not a library module.
"""

from smartcity.app import create_app
from smartcity.config import Settings
from smartcity.logconfig import configure_logging

_settings = Settings.from_env()
configure_logging(_settings.LOG_LEVEL, _settings.LOG_JSON)
app = create_app(_settings)

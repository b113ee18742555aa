"""WSGI entry point for the web server (granian; see scripts/serve)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "txng.settings")
application = get_wsgi_application()

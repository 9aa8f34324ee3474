"""WSGI entry point: `gunicorn wsgi:app` (configuration from WIDGET_SERVER_* variables)."""

from widget_server import create_app

app = create_app()

"""Alembic environment: runs on the connection handed over by widget_server.db.upgrade."""

from alembic import context

from widget_server.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `widget-server db upgrade`")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""A stateful Stripe API emulator (API 2026-10-28.endive) for the demo, tests and benchmarks.

`create_sandbox_app()` builds the WSGI app, `SandboxServer` runs it in a thread and `serve`
runs it in the foreground. See docs/sandbox.md.
"""

from widget_server.sandbox.app import create_sandbox_app
from widget_server.sandbox.server import SandboxServer, serve

__all__ = ["SandboxServer", "create_sandbox_app", "serve"]

"""Running the sandbox: a threaded werkzeug server in a daemon thread, or blocking."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

from widget_server.sandbox.app import create_sandbox_app
from widget_server.sandbox.store import Store


class SandboxServer:
    """`SandboxServer(seed=True).start()` serves a fresh sandbox on a free port."""

    def __init__(self, seed: bool = False, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_sandbox_app(seed=seed)
        self.host, self.port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> Store:
        store: Store = self.app.extensions["sandbox"]
        return store

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox server is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> SandboxServer:
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="stripe-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start() if self._server is None else self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(port: int, host: str = "127.0.0.1", seed: bool = False) -> None:
    """Serve the sandbox until interrupted (used by `widget-server sandbox serve`)."""
    app = create_sandbox_app(seed=seed)
    server = make_server(host, port, app, threaded=True)
    print(f"Stripe sandbox on http://{host}:{server.server_port} (seeded: {seed})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

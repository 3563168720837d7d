"""A real HTTP server on 127.0.0.1 that answers chat completions from recordings.

It serves, byte for byte, responses a real model gave (made with `--record`), looked up
by the hash of the exact request, and can be told to fail first (503, 429, 400) or to
go away after a number of answers, so retries, caching and a dying endpoint are tested
through real sockets, the real openai client and instructor.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jixiao.recording import ReplayStore


class RecordedServer:
    def __init__(
        self,
        recordings: Path,
        failures: list[int] | None = None,
        answers_before_death: int | None = None,
    ) -> None:
        self.store = ReplayStore(recordings)
        self.failures = list(failures or [])
        self.answers_left = answers_before_death
        self.requests = 0
        self.authorization_seen: list[str] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests += 1
                    server.authorization_seen.append(self.headers.get("Authorization", ""))
                    failure = server.failures.pop(0) if server.failures else None
                if failure is not None:
                    self._send(
                        failure, {"error": {"message": f"planned {failure}"}}, {"Retry-After": "0"}
                    )
                    return
                recorded = server.store.response_for(body)
                if recorded is None:
                    self._send(404, {"error": {"message": "no recording"}})
                    return
                self._send(200, recorded)
                with server._lock:
                    if server.answers_left is not None:
                        server.answers_left -= 1
                        if server.answers_left <= 0:
                            threading.Thread(target=server.stop, daemon=True).start()

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def recorded_server(recordings: Path, **options) -> Iterator[RecordedServer]:
    server = RecordedServer(recordings, **options)
    server.start()
    try:
        yield server
    finally:
        with suppress(OSError):
            server.stop()

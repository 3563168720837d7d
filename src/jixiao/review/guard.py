"""Guard: every request to the review server -> refused early, or passed on with safe headers.

In: the ASGI request (scope headers only; the body is never read here).
Out: a refusal before the app runs when the Host is not this machine (a DNS-rebinding page
names its own host), when a state-changing request does not come from the page itself
(Origin, else Referer, must be the Host), or when the body announced is larger than the
limit; every response carries a content security policy, no framing, no sniffing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 1024 * 1024  # a decision form is a few hundred bytes
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(netloc: str) -> str:
    """`127.0.0.1:8765` -> `127.0.0.1`; `[::1]:8765` -> `::1`."""
    return (urlsplit(f"//{netloc}").hostname or "").lower()


class RequestGuard:
    """ASGI middleware that refuses foreign hosts, cross-site writes and large bodies."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_hosts = LOOPBACK_HOSTS | {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.refusal(scope["method"], headers)
        if refusal is not None:
            status, message = refusal
            logger.warning("refused %s %s: %s", scope["method"], scope["path"], message)
            await self._send(send, status, message)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        """(status, Chinese reason) when the request must be refused, else None."""
        host = headers.get("host", "")
        if host_name(host) not in self.allowed_hosts:
            return 421, "拒绝：请求的主机名不是本审核服务"
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return 413, "拒绝：请求内容过大"
        if method not in SAFE_METHODS:
            if "content-length" not in headers and "transfer-encoding" in headers:
                return 411, "拒绝：请求须注明内容长度"
            origin = headers.get("origin") or headers.get("referer")
            if not origin or urlsplit(origin).netloc.lower() != host.lower():
                return 403, "拒绝跨站请求"
        return None

    @staticmethod
    async def _send(send: Send, status: int, message: str) -> None:
        body = json.dumps({"detail": message}, ensure_ascii=False).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

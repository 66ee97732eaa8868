"""The studio's front door: loopback Host names only, the session token, no odd paths.

A page on another site can make the browser send requests to 127.0.0.1 (DNS rebinding, or a
plain <img src>); the Host check refuses the first, the token the second. The token comes in the
page's URL once; the page's response sets it as a cookie (SameSite=Strict) for its other requests.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
TOKEN_HEADER = "x-reel-token"


def cookie_name(port: int) -> str:
    """Cookies do not tell ports apart: each studio names its own, so two can run side by side."""
    return f"reel_studio_{port}"


def bad_path(path: str) -> bool:
    """A path with a NUL or a `..` step (after percent-decoding) is never served."""
    return "\x00" in path or ".." in path.split("/") or "\\" in path


class Guard:
    """ASGI middleware refusing foreign Host headers (403), odd paths (403) and requests without
    the token (401)."""

    def __init__(self, app: ASGIApp, *, token: str, port: int) -> None:
        self.app, self.token, self.port = app, token, port
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if headers.get("host", "").lower() not in self.hosts:
            await _refuse(send, 403, "Reel Studio answers only http://127.0.0.1:PORT or http://localhost:PORT "
                                     "(another Host header is refused: DNS rebinding)")
            return
        if bad_path(scope.get("path", "")):
            await _refuse(send, 403, "this path is refused (`..`, NUL or backslash)")
            return
        if not self._has_token(scope, headers):
            await _refuse(send, 401, "no valid token: open the URL `reel studio` printed (it carries ?token=...)")
            return
        await self.app(scope, receive, send)

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        offered = [headers.get(TOKEN_HEADER, "")]
        offered += parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except CookieError:  # a malformed Cookie header is no token, not a crash
            cookies = SimpleCookie()
        if cookie_name(self.port) in cookies:
            offered.append(cookies[cookie_name(self.port)].value)
        return any(secrets.compare_digest(value.encode(), self.token.encode()) for value in offered if value)


async def _refuse(send: Callable, status: int, message: str) -> None:
    body = (message + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

"""Who may use the web page's server, and how much a request may send: one ASGI layer in front of
the app.

- **Host**: the ``Host`` header must name the server itself (its bound address, or a name it was
  told), so that a page whose name was rebound to 127.0.0.1 (DNS rebinding) reaches nothing.
- **Token**: a server shared beyond this computer asks for its access token, sent as the header
  ``X-Eligibility-Token`` by other tools, or kept by the page in an ``HttpOnly``, ``SameSite=Strict``
  cookie after it was typed once (``POST /login``). Loopback needs none.
- **Origin**: a request that changes something (``POST``) from a browser must come from the page
  itself: ``Origin`` (or, without it, ``Referer``) must be the server's own origin. Browsers send
  ``Origin`` on every cross-site ``POST``, a form's too; programs send neither and pass. A reading
  request (``GET``) that carries an ``Origin`` (a script of another page fetching the pool's data)
  must carry the server's own too; a link followed or typed sends none and passes.
- **Body**: ``Content-Length`` above the limit is answered 413 before a byte is read; a body without
  it is counted while it streams and cut at the limit, so nothing past it is read or spooled.
- **Headers**: every answer carries ``X-Content-Type-Options``, ``Referrer-Policy``,
  ``X-Frame-Options`` and a ``Content-Security-Policy`` (a route may set a stricter or looser one).

Starlette's ``TrustedHostMiddleware`` answers a foreign host in English plain text and has no hook
for the officer's language, and the origin, token and streaming body limit have no middleware in
Starlette; so they share this one small layer. Answers are JSON ``{"error": message}`` in the
page's language.
"""

from __future__ import annotations

import hmac
import json
import urllib.parse
from collections.abc import Collection

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eligibility.labels import Lang, text

__all__ = ["COOKIE", "LOOPBACK", "TOKEN_HEADER", "Guard", "host_name"]

TOKEN_HEADER = "X-Eligibility-Token"
COOKIE = "eligibility_token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
OPEN_PATHS = frozenset({"/", "/login"})  # what a browser without the token may see: the token form
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def host_name(header: str | None) -> str | None:
    """The host a ``Host`` header names, lower case, without port or IPv6 brackets."""
    if not header:
        return None
    try:
        return urllib.parse.urlsplit("//" + header).hostname
    except ValueError:  # an unparsable port or bracket
        return None


class Guard:
    """The ASGI layer described in the module docstring, around ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: Collection[str],
        token: str | None,
        max_body: int,
        lang: Lang,
    ) -> None:
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in hosts}
        self.token = token
        self.max_body = max_body
        self.lang = lang

    def authorized(self, headers: Headers) -> bool:
        """Whether the request carries the access token (always, when there is none)."""
        if self.token is None:
            return True
        given = headers.get(TOKEN_HEADER.lower()) or _cookie(headers.get("cookie"), COOKIE) or ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if host_name(host) not in self.hosts:
            await _answer(send, 400, text("web_bad_host", self.lang, host=host or ""))
            return
        scope.setdefault("state", {})["authorized"] = authorized = self.authorized(headers)
        if not authorized and scope["path"] not in OPEN_PATHS:
            await _answer(send, 401, text("web_token_needed", self.lang, header=TOKEN_HEADER))
            return
        if not self._same_origin(scope, headers, host or "", reading=scope["method"] in _SAFE):
            await _answer(send, 403, text("web_foreign_origin", self.lang))
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            size = f"{int(declared) / 1e6:.1f}"
            await _answer(
                send, 413, text("web_too_large", self.lang, size=size, limit=self.max_body // 1_000_000)
            )
            return
        await self.app(scope, self._counting(receive), _with_headers(send))

    def _same_origin(self, scope: Scope, headers: Headers, host: str, *, reading: bool) -> bool:
        """A browser's ``Origin`` (or, for a ``POST``, ``Referer``) names this server; a program
        sends neither. A request with the token in its header is a program's, wherever it comes
        from. A reading request is judged by its ``Origin`` alone (a followed link's ``Referer``
        names the page it was on)."""
        if self.token is not None and headers.get(TOKEN_HEADER.lower()):
            return True
        own = f"{scope.get('scheme', 'http')}://{host}".lower()
        origin = headers.get("origin")
        if origin is not None:
            return origin.lower() == own
        if reading:
            return True
        referer = headers.get("referer")
        if referer is not None:
            return referer.lower() == own or referer.lower().startswith(own + "/")
        return True

    def _counting(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # FastAPI passes an HTTPException raised while reading the body on
                    raise HTTPException(413, text("web_body_too_large", self.lang, limit=limit // 1_000_000))
            return message

        return counted


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in _HEADERS if k not in present]
            if b"x-frame-options" not in present:
                extra.append((b"x-frame-options", b"DENY"))
            if b"content-security-policy" not in present:
                extra.append((b"content-security-policy", _DEFAULT_CSP))
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await _with_headers(send)(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _cookie(header: str | None, name: str) -> str | None:
    from http.cookies import CookieError, SimpleCookie

    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value

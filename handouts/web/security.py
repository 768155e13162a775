"""The guard in front of every request: access token, CSRF, body size, headers, a log without PHI.

It is one ASGI middleware so that no route can forget a rule:

* on loopback without a token, only requests to a loopback name (Host) are
  answered, so a page whose name was re-pointed at 127.0.0.1 (DNS rebinding)
  is not;
* with an access token set (required off loopback), every page and API call
  needs the session cookie from /login (good for 12 hours) or
  ``Authorization: Bearer TOKEN``; after 20 wrong tokens in a minute no token
  is checked until the minute is over;
* every state-changing request must come from this origin (Origin, else
  Referer, when the browser sends one) and carry a CSRF token in
  ``X-CSRF-Token``; a request with the bearer token carries no ambient
  credential, so it needs no CSRF token;
* bodies larger than the limit are refused with 413, by Content-Length or
  while streaming;
* every response says ``Cache-Control: no-store`` and carries a CSP with no
  inline script, ``frame-ancestors 'none'`` and ``nosniff``;
* the access log has method, path (never the query string nor a batch's id,
  control characters escaped), status and time;
  an unexpected error is logged by its type only, since its message could
  quote a patient.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import deque
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException

log = logging.getLogger("handouts.web.access")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_COOKIE = "handout_session"
CSRF_HEADER = "x-csrf-token"
CSRF_LIFETIME = 12 * 3600
SESSION_LIFETIME = 12 * 3600        # a login lasts a clinic's day
FAILURES_ALLOWED = 20               # wrong tokens in FAILURE_WINDOW seconds, from all clients together
FAILURE_WINDOW = 60
OPEN_PATHS = ("/login", "/static/")   # reachable before logging in
KEYED_PATH = "/pharmacy/batches/"     # the rest of such a path is a batch's id, which the log never shows
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class Keys:
    """The server's secrets: the access token (maybe none) and a per-run key for CSRF tokens."""

    def __init__(self, token: str = ""):
        self.token = token
        self._key = secrets.token_bytes(32)
        self._failures: deque[float] = deque(maxlen=FAILURES_ALLOWED)

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def csrf_token(self) -> str:
        stamp = str(int(time.time()))
        return f"{stamp}.{self._sign('csrf:' + stamp)}"

    def csrf_ok(self, token: str) -> bool:
        stamp, _, mac = (token or "").partition(".")
        return _fresh(stamp, CSRF_LIFETIME) and _same(mac, self._sign("csrf:" + stamp))

    def session(self) -> str:
        """The cookie value proving a login, good for SESSION_LIFETIME: signed with the token, so a restart
        keeps it valid and a new token ends every session."""
        stamp = str(int(time.time()))
        return f"{stamp}.{self._session_mac(stamp)}"

    def session_ok(self, cookie: str) -> bool:
        stamp, _, mac = (cookie or "").partition(".")
        return _fresh(stamp, SESSION_LIFETIME) and _same(mac, self._session_mac(stamp))

    def _session_mac(self, stamp: str) -> str:
        return hmac.new(self.token.encode(), b"handout session:" + stamp.encode(), hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        """The token is right. A wrong one counts against every client: see ``locked``."""
        if bool(self.token) and _same(given, self.token):
            return True
        if given:
            self._failures.append(time.monotonic())
        return False

    def locked(self) -> int:
        """Seconds until a token is checked again: after FAILURES_ALLOWED wrong ones within a minute, none is,
        so guessing the token takes years (a session cookie still works)."""
        now = time.monotonic()
        while self._failures and now - self._failures[0] > FAILURE_WINDOW:
            self._failures.popleft()
        if len(self._failures) < FAILURES_ALLOWED:
            return 0
        return max(1, round(FAILURE_WINDOW - (now - self._failures[0])))


class Guard:
    """ASGI middleware applying the rules above to every HTTP request."""

    def __init__(self, app, keys: Keys, max_body: int, hosts: tuple[str, ...] = ()):
        self.app = app
        self.keys = keys
        self.max_body = max_body
        self.hosts = frozenset(host.lower() for host in hosts)     # empty: any Host header

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = [0]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal:
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, self._limited(receive), send_with_headers)
        except Exception as error:    # its message may quote a patient: log the type only
            logging.getLogger("handouts.web").error("internal error: %s", type(error).__name__)
            if not status[0]:
                await _json(500, {"error": "internal error"})(scope, receive, send_with_headers)
        finally:
            client = (scope.get("client") or ("-",))[0]
            log.info('%s "%s %s" %s %.0fms', client, scope["method"], _logged_path(scope["path"]), status[0],
                     (time.perf_counter() - started) * 1000)

    def _refusal(self, scope):
        headers = Headers(scope=scope)
        path, method = scope["path"], scope["method"]
        if self.hosts and _hostname(headers.get("host", "")) not in self.hosts:
            return _json(400, {"error": "this app answers only to its own address: open http://127.0.0.1 "
                                        "(with its port). Behind a reverse proxy, give it an access token."})
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if bearer and self.keys.locked():
            return _json(429, {"error": "too many wrong tokens: try again in a minute"},
                         {"retry-after": str(self.keys.locked())})
        by_bearer = self.keys.token_ok(bearer)
        if self.keys.token and not path.startswith(OPEN_PATHS) and not by_bearer:
            if not self.keys.session_ok(_cookies(headers).get(SESSION_COOKIE, "")):
                if method == "GET" and not path.startswith("/api/"):
                    return _redirect("/login")
                return _json(401, {"error": "log in first: send 'Authorization: Bearer TOKEN'"})
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return _json(413, {"error": f"the request is larger than {self.max_body // 1024} KB"})
        if method in SAFE_METHODS:
            return None
        if not _same_origin(headers):
            return _json(403, {"error": "cross-site request refused"})
        if path != "/login" and not by_bearer and not self.keys.csrf_ok(headers.get(CSRF_HEADER, "")):
            return _json(403, {"error": "missing or expired CSRF token: reload the page "
                                        "(API clients: GET /api/csrf and send it as X-CSRF-Token)"})
        return None

    def _limited(self, receive):
        seen = 0

        async def receive_limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise HTTPException(413, f"the request is larger than {self.max_body // 1024} KB")
            return message
        return receive_limited


def _logged_path(path: str) -> str:
    """The path as the log shows it: no batch id (the key to its patients' handouts), and control
    characters escaped, so a path cannot write a line of its own into the log."""
    if path.startswith(KEYED_PATH):
        path = KEYED_PATH + "…" + ("/zip" if path.endswith("/zip") else "")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def _cookies(headers: Headers) -> dict[str, str]:
    out = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        out[name] = value
    return out


def _same_origin(headers: Headers) -> bool:
    """True unless the browser names another site as the request's origin."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin:
        return True        # not sent by a browser page (curl, scripts); the CSRF token still applies
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    return urlsplit(origin).netloc == host


def _fresh(stamp: str, lifetime: int) -> bool:
    """A time stamp as we write them (seconds, in ASCII digits: int() of 5,000 digits is an error) no older
    than ``lifetime``."""
    return stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and 0 <= time.time() - int(stamp) <= lifetime


def _same(given: str, expected: str) -> bool:
    """Equal, in time that does not tell how much of ``given`` was right; as bytes, since a header may hold
    any character and compare_digest refuses text that is not ASCII (an internal error, before)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _hostname(host: str) -> str:
    """The name in a Host header, without its port: "[::1]:8000" → "::1"."""
    if host.startswith("["):
        return host[1:].partition("]")[0].lower()
    return host.rpartition(":")[0].lower() if host.count(":") == 1 else host.lower()


def _json(status: int, body: dict, headers: dict | None = None):
    from starlette.responses import Response
    return Response(json.dumps(body), status, headers, media_type="application/json")


def _redirect(to: str):
    from starlette.responses import RedirectResponse
    return RedirectResponse(to, 303)

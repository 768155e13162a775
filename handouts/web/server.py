"""Running the web app: where it may listen, what it warns about, and uvicorn's settings.

Loopback is the default; any other address carries patients' data over a
network, so it requires an access token and a warning that TLS belongs in a
reverse proxy in front (the README shows nginx and Caddy).
"""

from __future__ import annotations

import ipaddress
import logging
import sys

from .app import Settings, create_app

__all__ = ["Settings", "allowed_hosts", "check_bind", "run", "warnings"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> tuple[str, ...]:
    """Host names a loopback server without a token answers to: its own, so a web page whose name was
    re-pointed at 127.0.0.1 (DNS rebinding) cannot use the app as if it were that page's own site. With a
    token (as behind a reverse proxy, which passes on its own name) such a page cannot log in anyway."""
    return ("127.0.0.1", "localhost", "::1", host.strip("[]").lower())


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this computer without an access token."""
    if not is_loopback(host) and not token:
        raise ValueError(f"--host {host} makes the app reachable from other computers: set an access token "
                         "with --token or HANDOUT_TOKEN (and put TLS in a reverse proxy in front)")


def warnings(host: str) -> list[str]:
    if is_loopback(host):
        return []
    return [f"WARNING: listening on {host}: other computers can reach this app. It speaks plain HTTP; put a "
            "reverse proxy with TLS (nginx, Caddy) in front of it and let only the proxy reach this port. "
            "See the README, 'Serving beyond this computer'."]


def log_config() -> dict:
    """Our access log (method, path, status, time: never a query string or a body) to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "handouts.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    if is_loopback(host) and not settings.token and not settings.hosts:
        settings.hosts = allowed_hosts(host)
    app = create_app(settings)
    print(f"handouts: open http://{host if ':' not in host else f'[{host}]'}:{port}/ (Ctrl-C stops)",
          file=sys.stderr)
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=log_config(), server_header=False,
                proxy_headers=False, timeout_graceful_shutdown=5)
    logging.shutdown()

"""Tokens, roles and origins. With no tokens configured the service runs open (the embedded demo default)."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from assistant.config import Principal, Settings

OPEN = Principal(role="qa", agent_id=None)  # the demo's stand-in principal when no tokens are configured


def principal_for(conn: HTTPConnection, settings: Settings) -> Principal | None:
    tokens = settings.server.tokens
    if not tokens:
        return OPEN
    token = conn.query_params.get("token") or ""
    auth = conn.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    for known, principal in tokens.items():
        if token and hmac.compare_digest(token, known):
            return principal
    return None


def origin_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """Browsers send Origin: it must be this service itself or a configured origin. Other clients send none."""
    origin = conn.headers.get("origin")
    if not origin:
        return True
    if origin in settings.server.allowed_origins:
        return True
    return urlsplit(origin).netloc == conn.headers.get("host", "")


def may_stream_as(principal: Principal, agent_id: str | None) -> bool:
    if principal.role in ("qa", "service"):
        return True
    return principal.agent_id is not None and principal.agent_id == agent_id


def may_view(principal: Principal, agent_id: str | None) -> bool:
    return principal.role == "qa" or (principal.agent_id is not None and principal.agent_id == agent_id)

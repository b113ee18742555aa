"""Talking to other servers: where the platform may send (webhooks, outbox destinations), and the tokens it
keeps for them, encrypted at rest.

One policy for every outbound HTTP push: https only, no credentials in the URL, never a private or local
address — except plain http to this machine when developing (DEBUG or TXNG_ALLOW_HTTP_WEBHOOKS).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from typing import Final
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def http_to_loopback_allowed() -> bool:
    """Plain http to this machine: in DEBUG, or when TXNG_ALLOW_HTTP_WEBHOOKS is set (settings or environment)."""
    configured = getattr(settings, "TXNG_ALLOW_HTTP_WEBHOOKS", None)
    if configured is None:
        configured = os.environ.get("TXNG_ALLOW_HTTP_WEBHOOKS", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(settings.DEBUG or configured)


def outbound_url_error(url: str) -> str | None:
    """Why the platform must not push to `url` ("scheme" or "private"), or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and host in LOOPBACK_HOSTS and http_to_loopback_allowed():
        return None
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return "scheme"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if address.is_global else "private"


class TokenBox:
    """Encrypts the tokens the platform sends to others; keyed by SECRET_KEY and its fallbacks (so rotating
    the key keeps stored tokens readable) and a purpose, so one kind of token never opens another."""

    def __init__(self, purpose: bytes) -> None:
        self.purpose = purpose

    def _fernet(self) -> MultiFernet:
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        keys = [base64.urlsafe_b64encode(hashlib.sha256(self.purpose + s.encode()).digest()) for s in secrets]
        return MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, token: str) -> str:
        return self._fernet().encrypt(token.encode()).decode() if token else ""

    def decrypt(self, stored: str) -> str:
        """The token; RuntimeError if the secret key that encrypted it is gone."""
        if not stored:
            return ""
        try:
            return self._fernet().decrypt(stored.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a stored token cannot be decrypted (secret key changed?)") from None

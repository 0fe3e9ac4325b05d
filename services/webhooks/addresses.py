"""Where webhooks may go (DESIGN §8): http(s) only; in production https only and never a
loopback, link-local or private address unless MEMBERHUB_WEBHOOK_ALLOW_PRIVATE=on, so an
ADMIN session cannot make memberhub reach into its own network (server-side request
forgery). Every address the host resolves to is checked, at registration and again
before each send (a name may be re-pointed after registration: DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from core.settings import Settings

MAX_URL = 2048


def _inside(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Not global: loopback, private, link-local, shared, reserved, unspecified.
    return not ip.is_global or ip.is_multicast


def url_problem(url: str, settings: Settings) -> str | None:
    """What is wrong with the form of `url`, or None."""
    if len(url) > MAX_URL:
        return f"The URL is longer than {MAX_URL} characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "The URL is malformed."
    allowed = ("https",) if settings.production else ("http", "https")
    if parts.scheme not in allowed:
        return f"The URL must be {' or '.join(allowed)}."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "The URL must not carry credentials."
    return None


async def address_problem(url: str, settings: Settings) -> str | None:
    """Why memberhub must not send to `url`'s host now, or None. Only production checks
    the addresses, and not with MEMBERHUB_WEBHOOK_ALLOW_PRIVATE=on."""
    if not settings.production or settings.webhook_allow_private == "on":
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError:
        return f"The host {host} cannot be resolved."
    inside = sorted({str(info[4][0]) for info in found if _inside(str(info[4][0]))})
    if inside:
        return (
            f"The host {host} resolves to a loopback, link-local or private address "
            f"({', '.join(inside)})."
        )
    return None

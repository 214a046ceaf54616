"""Where phones register (the credentials panel of a device shows it): the PBX's public
SIP address from the environment — ``PBXFLOW_SIP_PUBLIC_HOST`` (default: the host name the
browser used for the web app), ``PBXFLOW_SIP_PORT`` (5060), ``PBXFLOW_SIP_TRANSPORT`` (udp)."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from typing import Annotated

from litestar import Request, get
from litestar.params import Dependency

from ..context import Actor
from .threads import threaded

log = logging.getLogger(__name__)
TRANSPORTS = ("udp", "tcp", "tls")
_HOSTNAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*", re.I)


def valid_host(value: str) -> bool:
    """A DNS name or an IP address (no port, no brackets, nothing else)."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOSTNAME.fullmatch(value))


def request_host(host_header: str) -> str | None:
    """The host name of a Host header (``pbx.example.com:8080`` → ``pbx.example.com``, ``[::1]:80`` → ``::1``)."""
    value = host_header.strip()
    if value.startswith("["):
        value = value[1:value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":")[0]
    return value if value and valid_host(value) else None


def sip_server(env: Mapping[str, str], host_header: str = "") -> dict:
    """The SIP address phones use; a setting that is not valid is ignored (and logged), never shown."""
    host = env.get("PBXFLOW_SIP_PUBLIC_HOST", "").strip()
    if host and not valid_host(host):
        log.warning("PBXFLOW_SIP_PUBLIC_HOST is not a host name or IP address; using the web app's host")
        host = ""
    port_text = env.get("PBXFLOW_SIP_PORT", "").strip() or "5060"
    port = int(port_text) if port_text.isdigit() and 1 <= int(port_text) <= 65535 else None
    if port is None:
        log.warning("PBXFLOW_SIP_PORT is not a port number; using 5060")
        port = 5060
    transport = env.get("PBXFLOW_SIP_TRANSPORT", "").strip().lower() or "udp"
    if transport not in TRANSPORTS:
        log.warning("PBXFLOW_SIP_TRANSPORT is not one of %s; using udp", ", ".join(TRANSPORTS))
        transport = "udp"
    return {"host": host or request_host(host_header), "port": port, "transport": transport}


def make_sip_server_handlers(env: Mapping[str, str]) -> list:
    @get("/api/sip-server", tags=["system"], operation_id="sip_server",
         summary="The PBX's SIP address for phones: host, port, transport (any signed-in user)")
    @threaded
    def server(request: Request, actor: Annotated[Actor, Dependency(skip_validation=True)]) -> dict:
        return sip_server(env, request.headers.get("host", ""))

    return [server]

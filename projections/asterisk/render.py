"""Render the Asterisk configuration of tenants and the platform: pure functions.

Input is plain data (the read model's documents); output is a mapping from file
name to text. Same input, same bytes: everything is sorted, nothing depends on
time or randomness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import escape

TEMPLATES = Path(__file__).resolve().parents[2] / "asterisk" / "templates"


@dataclass(frozen=True)
class TenantConfig:
    id: str
    code: str
    name: str
    extensions: list[dict] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class PlatformConfig:
    trunks: list[dict] = field(default_factory=list)
    # DID (digits, no +) -> tenant code, for numbers allocated to tenants
    dids: dict[str, str] = field(default_factory=dict)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        ident=escape.ident, value=escape.value, cid=escape.callerid_name,
        comment=escape.comment, digits=escape.digits,
    )
    # Anything printed without an explicit filter is still checked for control characters.
    env.finalize = lambda v: escape.value(v) if isinstance(v, str) and escape._CONTROL.search(v) else v
    return env


_ENV = _env()


def tenant_context(code: str, part: str) -> str:
    return f"t-{escape.ident(code)}-{part}"


def trunk_id(trunk: dict) -> str:
    return f"trunk-{trunk['id'][:8]}"


def _sip_devices(ext: dict) -> list[dict]:
    return [d for d in ext.get("devices", []) if d.get("type") == "sip"]


def dial_targets(code: str, ext: dict) -> list[str]:
    return [target for target, _ in dial_legs(code, ext)]


def dial_legs(code: str, ext: dict) -> list[tuple[str, int]]:
    """(dial string, ring seconds) for an extension's enabled devices, in device order."""
    out = []
    for dev in ext.get("devices", []):
        if not dev.get("enabled", True):
            continue
        fwd = dev.get("forward") or {}
        if fwd.get("mode") == "unconditional" and fwd.get("target"):
            target = f"Local/{escape.digits(fwd['target'].lstrip('+'))}@{tenant_context(code, 'outbound')}"
        elif dev["type"] == "sip":
            target = f"PJSIP/{escape.ident(dev['username'])}"
        elif dev["type"] == "external" and dev.get("number"):
            target = f"Local/{escape.digits(dev['number'].lstrip('+'))}@{tenant_context(code, 'outbound')}"
        else:
            continue
        out.append((target, int(dev.get("ring_time", 20))))
    return out


def _ext_view(code: str, ext: dict) -> dict:
    legs = dial_legs(code, ext)
    return {
        "number": escape.ident(ext["number"]),
        "name": ext.get("name", ""),
        "strategy": ext.get("ring_strategy", "parallel"),
        "legs": legs,
        "ring": max((ring for _, ring in legs), default=20),
    }


def render_tenant(t: TenantConfig) -> dict[str, str]:
    code = escape.ident(t.code)
    exts = sorted(t.extensions, key=lambda e: e["number"])
    endpoints = []
    for ext in exts:
        for dev in _sip_devices(ext):
            if not dev.get("enabled", True):
                continue
            endpoints.append({"ext": ext, "dev": dev})
    numbers = sorted(t.numbers, key=lambda n: n["number"])
    ctx = {
        "tenant": t, "code": code, "endpoints": endpoints,
        "extensions": [_ext_view(code, e) for e in exts],
        # A destination that is not (or no longer) an extension falls back to ringing everyone.
        "numbers": [{"digits": escape.digits(n["number"].lstrip("+")),
                     "destination": n.get("destination") if n.get("destination") in {e["number"] for e in exts} else None}
                    for n in numbers],
        "all_targets": [tgt for e in exts for tgt in dial_targets(code, e)][:30],
        "ctx": lambda part: tenant_context(code, part),
    }
    return {
        f"pjsip_t_{code}.conf": _ENV.get_template("pjsip_tenant.conf.j2").render(ctx),
        f"extensions_t_{code}.conf": _ENV.get_template("extensions_tenant.conf.j2").render(ctx),
    }


def render_platform(p: PlatformConfig) -> dict[str, str]:
    trunks = sorted((t for t in p.trunks if t.get("enabled", True)), key=lambda t: t["id"])
    ctx = {
        "trunks": [{**t, "sid": trunk_id(t)} for t in trunks],
        "dids": sorted((escape.digits(d), escape.ident(c)) for d, c in p.dids.items()),
        "default_trunk": trunk_id(trunks[0]) if trunks else None,
    }
    return {
        "pjsip_platform.conf": _ENV.get_template("pjsip_platform.conf.j2").render(ctx),
        "extensions_platform.conf": _ENV.get_template("extensions_platform.conf.j2").render(ctx),
    }


def render_all(platform: PlatformConfig, tenants: list[TenantConfig]) -> dict[str, str]:
    files = render_platform(platform)
    for t in sorted(tenants, key=lambda t: t.code):
        files.update(render_tenant(t))
    return files

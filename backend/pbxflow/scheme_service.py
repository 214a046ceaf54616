"""Routing schemes at the edges: components from the read model, validation, publish, simulate.

The pure parts live in pbxflow.routing and projections/asterisk/scheme.py; this module reads
the read model and calls the application's commands.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec

from .context import Actor
from .domain.schemes import revision_id
from .errors import Invalid, NotFound
from .routing.components import Components
from .routing.graph import nodes_of
from .routing.simulate import Callee, Scenario, simulate
from .routing.validate import validate
from .runtime import Runtime

_CALLEE_NUMBER = re.compile(r"\+?[0-9]{2,16}")


def components(runtime: Runtime, tenant_id: str) -> Components:
    """The tenant's components as the compiler sees them (the renderer's own source)."""
    from projections.asterisk.render import scheme_components
    from projections.asterisk.source import load_tenant

    with runtime.pool.connection() as conn:
        tenant = load_tenant(conn, tenant_id)
    if tenant is None:
        return Components()
    return scheme_components(tenant)


def taken_entries(runtime: Runtime, tenant_id: str, scheme_id: str) -> dict[str, str]:
    """Entry numbers of the tenant's other published schemes -> that scheme's name."""
    with runtime.pool.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, data FROM rm_objects WHERE kind = 'scheme' AND tenant_id = %s AND id <> %s",
                    (UUID(tenant_id), UUID(scheme_id)))
        rows = cur.fetchall()
    out: dict[str, str] = {}
    for row in rows:
        data = row["data"] if isinstance(row, dict) else row[1]
        for number in data.get("entries") or ():
            out[number] = data.get("name", "")
    return out


def live_users(pool, tenant_id: str, obj_id: str) -> list[str]:
    """Names of the tenant's schemes whose live revision refers to the object (by id)."""
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT s.data->>'name' FROM rm_objects s JOIN rm_objects r ON r.kind = 'scheme_revision' "
            "AND r.tenant_id = s.tenant_id AND r.data->>'scheme_id' = s.id::text "
            "AND r.data->>'number' = s.data->>'published_revision' "
            "WHERE s.kind = 'scheme' AND s.tenant_id = %s AND strpos((r.data->'nodes')::text, %s) > 0 ORDER BY 1",
            (UUID(tenant_id), str(obj_id)))
        return [r[0] if not isinstance(r, dict) else next(iter(r.values())) for r in cur.fetchall()]


def findings(runtime: Runtime, tenant_id: str, scheme_id: str, doc: dict) -> list[dict]:
    return validate(doc, components(runtime, tenant_id), taken=taken_entries(runtime, tenant_id, scheme_id))


def report(items: list[dict]) -> dict:
    errors = [f for f in items if f["severity"] == "error"]
    return {"valid": not errors, "errors": errors, "warnings": [f for f in items if f["severity"] != "error"]}


def publish(runtime: Runtime, actor: Actor, tenant_id: str, scheme_id: str, expected_version: int | None,
            comment: str, *, revert_to: int | None = None):
    comps = components(runtime, tenant_id)
    taken = taken_entries(runtime, tenant_id, scheme_id)
    return runtime.app.publish_scheme(actor, tenant_id, scheme_id, expected_version, comment,
                                      lambda doc: validate(doc, comps, taken=taken), revert_to=revert_to)


def revision_doc(runtime: Runtime, tenant_id: str, scheme_id: str, number: int, *, field: str | None = None) -> dict:
    """A published revision's stored data; with ``field``, a missing one is bad input naming that field."""
    try:
        obj = runtime.app.load("scheme_revision", revision_id(scheme_id, number), tenant_id)
    except NotFound:
        if field is None:
            raise
        raise Invalid(field, f"the scheme has no revision {number}") from None
    return obj.data


def _check_callees(callees: Any) -> None:
    """Each callee checked on its own, so that an error names it (``callees.201.behaviour``)."""
    from .domain.kinds import convert

    if not isinstance(callees, dict):
        return  # not an object: the Scenario conversion names "callees"
    for number, behaviour in callees.items():
        where = f"callees.{str(number)[:20]}"
        if not _CALLEE_NUMBER.fullmatch(str(number)):
            raise Invalid(where, "not a number: an internal number (201) or an external one (+74951234567)")
        try:
            convert(behaviour, Callee)
        except Invalid as exc:
            raise Invalid(where if exc.field == "body" else f"{where}.{exc.field}", exc.detail.split(": ", 1)[-1]) from None


def run_simulation(runtime: Runtime, tenant_id: str, scheme_id: str, body: Any) -> dict:
    """Simulate a call through the draft (``revision`` absent or "draft") or a published revision."""
    if not isinstance(body, dict):
        raise Invalid("body", "a JSON object is required")
    body = dict(body)
    which = body.pop("revision", None)
    from .domain.kinds import convert
    _check_callees(body.get("callees"))
    scenario = convert(body, Scenario)
    scheme = runtime.app.load("scheme", scheme_id, tenant_id)
    if which in (None, "draft"):
        doc, number = scheme.data, None
    elif which == "published":
        if not scheme.data.get("published_revision"):
            raise Invalid("revision", "the scheme has not been published")
        number = scheme.data["published_revision"]
        doc = revision_doc(runtime, tenant_id, scheme_id, number)["nodes"]
    elif isinstance(which, int) and not isinstance(which, bool) and which >= 1:
        number = which
        doc = revision_doc(runtime, tenant_id, scheme_id, number, field="revision")["nodes"]
    else:
        raise Invalid("revision", "a revision number, 'published' or 'draft'")
    if scenario.at is not None and scenario.at.tzinfo is None:
        raise Invalid("at", "needs a time zone offset (e.g. 2026-11-25T10:00:00+03:00)")
    result = simulate(doc, components(runtime, tenant_id), scenario)
    result["revision"] = number
    result["scheme_id"] = scheme_id
    return msgspec.to_builtins(result)


__all__ = ["components", "findings", "publish", "report", "run_simulation", "nodes_of"]

"""HTTP routes of call control (F-CAL-4, F-CAL-5): click-to-call, hang up, listen / whisper / barge.

Tenant-scoped like the reads: another tenant (or its call, or its extension) is a 404. The
actions go to Asterisk over AMI (pbxflow.calls.control) and answer 202: Asterisk has
accepted the action; the call itself shows up in the active calls and the history.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Response, post
from litestar.params import Dependency

from ..api.threads import threaded
from ..context import Actor
from ..errors import Conflict, Forbidden, Invalid, NotFound
from .control import control_for

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^\+?[0-9]{1,31}$")]
CONTROL_ROLES = ("tenant_admin", "supervisor")


class OriginateIn(msgspec.Struct, forbid_unknown_fields=True):
    to: Number
    extension_id: Annotated[str, msgspec.Meta(max_length=36)] | None = None
    from_: Number | None = msgspec.field(default=None, name="from")


class SpyIn(msgspec.Struct, forbid_unknown_fields=True):
    mode: Literal["listen", "whisper", "barge"]
    extension_id: Annotated[str, msgspec.Meta(max_length=36)]


def _same_tenant(actor: Actor, tenant_id: str) -> None:
    if actor.tenant_id != tenant_id:
        raise NotFound(f"no tenant with id {tenant_id}")


def _controller(actor: Actor, tenant_id: str, what: str) -> None:
    if actor.is_operator:
        return
    _same_tenant(actor, tenant_id)
    if actor.role not in CONTROL_ROLES:
        raise Forbidden(f"role {actor.role} may not {what}")


def make_control_handlers(runtime) -> list:
    def calls():
        return runtime.calls_service()

    def extension(tenant_id: str, *, ext_id: str | None = None, number: str | None = None, field: str) -> dict:
        if ext_id is not None:
            try:
                uuid.UUID(ext_id)
            except ValueError:
                raise NotFound(f"no extension with id {ext_id} in this tenant") from None
            rows = runtime.read._rows("SELECT id, data FROM rm_objects WHERE kind = 'extension' AND tenant_id = %s AND id = %s",
                                      [uuid.UUID(tenant_id), uuid.UUID(ext_id)])
            what = f"id {ext_id}"
        else:
            rows = runtime.read._rows("SELECT id, data FROM rm_objects WHERE kind = 'extension' AND tenant_id = %s"
                                      " AND data->>'number' = %s", [uuid.UUID(tenant_id), number])
            what = f"number {number}"
        if not rows:
            raise NotFound(f"{field}: no extension with {what} in this tenant")
        return {"id": str(rows[0]["id"]), **rows[0]["data"]}

    def live_call(scope, call_id: str) -> dict:
        call = calls().read.call(scope, call_id)  # NotFound for another tenant's or an unknown call
        if not call.get("active"):
            raise Conflict("the call has already ended")
        return call

    @post("/api/tenants/{tenant_id:str}/calls/originate", tags=["calls"], operation_id="originate_call", status_code=202,
          summary="Click-to-call: ring the extension's devices, then dial the number (F-CAL-5)",
          description="Body: `{\"extension_id\" | \"from\" (the extension's number), \"to\"}`. The extension's owner user, "
                      "tenant admins, supervisors and operators may call. Answers 202 with `originate_id` and the "
                      "`call_id` the call will have in the active calls and the history.")
    @threaded
    def originate(tenant_id: str, actor: ActorDep, data: OriginateIn) -> Response:
        if not actor.is_operator:
            _same_tenant(actor, tenant_id)
        scope = calls().read.scope(tenant_id)
        if actor.role == "auditor":
            raise Forbidden("role auditor may not place calls")
        if (data.extension_id is None) == (data.from_ is None):
            raise Invalid("extension_id", "give either extension_id or from (the extension's number)")
        ext = extension(scope.tenant_id, ext_id=data.extension_id, number=data.from_.lstrip("+") if data.from_ else None,
                        field="extension_id" if data.extension_id else "from")
        if not actor.is_operator and actor.role not in CONTROL_ROLES and ext.get("owner_user_id") != actor.id:
            raise Forbidden("only the extension's owner, tenant admins and supervisors may call from it")
        to = data.to.lstrip("+")
        if to == ext["number"]:
            raise Invalid("to", "the extension cannot call itself")
        out = control_for(calls()).originate(scope.code, ext, to)
        return Response(out, status_code=202)

    @post("/api/tenants/{tenant_id:str}/active-calls/{call_id:str}/hangup", tags=["calls"], operation_id="hangup_call",
          status_code=202, summary="Hang up a call in progress (supervisors, tenant admins, operators; F-CAL-4)")
    @threaded
    def hangup(tenant_id: str, call_id: str, actor: ActorDep) -> Response:
        _controller(actor, tenant_id, "hang up calls")
        scope = calls().read.scope(tenant_id)
        call = live_call(scope, call_id)
        channels = control_for(calls()).hangup(call)
        return Response({"call_id": call["id"], "hung_up": channels}, status_code=202)

    @post("/api/tenants/{tenant_id:str}/active-calls/{call_id:str}/spy", tags=["calls"], operation_id="spy_call",
          status_code=202, summary="Listen to, whisper into or barge into a call from a supervisor's extension (F-CAL-4)",
          description="Body: `{\"mode\": \"listen\" | \"whisper\" | \"barge\", \"extension_id\"}`. Rings the extension's "
                      "devices; when answered, ChanSpy on the call's answered channel of this tenant (options q, w, B). "
                      "A supervisor may only use an extension they own.")
    @threaded
    def spy(tenant_id: str, call_id: str, actor: ActorDep, data: SpyIn) -> Response:
        _controller(actor, tenant_id, "listen to calls")
        scope = calls().read.scope(tenant_id)
        ext = extension(scope.tenant_id, ext_id=data.extension_id, field="extension_id")
        if actor.role == "supervisor" and ext.get("owner_user_id") != actor.id:
            raise Forbidden("a supervisor may only listen from an extension they own")
        call = live_call(scope, call_id)
        out = control_for(calls()).spy(scope.code, call, data.mode, ext)
        return Response(out, status_code=202)

    return [originate, hangup, spy]


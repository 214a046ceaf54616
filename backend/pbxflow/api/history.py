"""State as of an instant, diffs between instants, object history, revert and restore (F-AUD-2/3)."""

from datetime import datetime, timezone
from typing import Annotated

import msgspec
from litestar import Response, get, post
from litestar.params import Dependency, Parameter

from .. import timetravel
from ..context import Actor
from ..errors import Forbidden, Invalid, NotFound
from ..runtime import Runtime
from .audit import AUDIT_ROLES, _entry
from .threads import threaded

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
At = Annotated[datetime | None, Parameter(description="ISO 8601 instant with offset; default now")]


class RevertIn(msgspec.Struct, forbid_unknown_fields=True):
    position: Annotated[int, msgspec.Meta(ge=1)]


class RestoreIn(msgspec.Struct, forbid_unknown_fields=True):
    at: datetime


def _instant(name: str, value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    if value.tzinfo is None:
        raise Invalid(name, "needs a time zone offset, e.g. 2026-01-31T12:00:00Z")
    return value


def _may_read(actor: Actor, tenant_id: str) -> None:
    if actor.is_operator:
        return
    if actor.tenant_id != tenant_id:
        raise NotFound(f"no tenant with id {tenant_id}")
    if actor.role not in AUDIT_ROLES:
        raise Forbidden(f"role {actor.role} may not read the configuration history")


def _may_revert(actor: Actor, tenant_id: str) -> None:
    if actor.is_operator:
        return
    if actor.tenant_id != tenant_id:
        raise NotFound(f"no tenant with id {tenant_id}")
    if actor.role != "tenant_admin":
        raise Forbidden(f"role {actor.role} may not revert changes")


def make_history_handlers(runtime: Runtime) -> list:
    app, pool = runtime.app, runtime.pool

    @get("/api/tenants/{tenant_id:str}/state", tags=["history"], operation_id="tenant_state_at",
         summary="The tenant's whole configuration as it was at an instant")
    @threaded
    def state(tenant_id: str, actor: ActorDep, at: At = None) -> dict:
        _may_read(actor, tenant_id)
        return timetravel.state_at(app, pool, tenant_id, _instant("at", at))

    @get("/api/tenants/{tenant_id:str}/state/diff", tags=["history"], operation_id="tenant_state_diff",
         summary="What changed in the tenant between two instants")
    @threaded
    def state_diff(tenant_id: str, actor: ActorDep,
                   since: Annotated[datetime, Parameter(query="from")],
                   until: Annotated[datetime | None, Parameter(query="to")] = None) -> dict:
        _may_read(actor, tenant_id)
        a = timetravel.state_at(app, pool, tenant_id, _instant("from", since))
        b = timetravel.state_at(app, pool, tenant_id, _instant("to", until))
        return timetravel.diff_states(a, b)

    @get("/api/tenants/{tenant_id:str}/history/{obj_id:str}", tags=["history"], operation_id="object_history",
         summary="Every recorded change of one object, with its version after each")
    @threaded
    def object_history(tenant_id: str, obj_id: str, actor: ActorDep) -> dict:
        _may_read(actor, tenant_id)
        rows = timetravel.history(pool, tenant_id, obj_id)
        return {"total": len(rows), "items": [_entry(r) for r in rows]}

    @get("/api/tenants/{tenant_id:str}/history/{obj_id:str}/at", tags=["history"], operation_id="object_at",
         summary="One object as it was at an instant")
    @threaded
    def object_at(tenant_id: str, obj_id: str, actor: ActorDep, at: At = None) -> dict:
        _may_read(actor, tenant_id)
        found = timetravel.object_at(app, pool, tenant_id, obj_id, _instant("at", at))
        if found is None:
            raise NotFound(f"object {obj_id} did not exist in this tenant then")
        return found

    @post("/api/tenants/{tenant_id:str}/revert", tags=["history"], operation_id="revert_change", status_code=200,
          summary="Undo one recorded change (by its position in the action history), as a new change")
    @threaded
    def revert(tenant_id: str, actor: ActorDep, data: RevertIn) -> Response:
        _may_revert(actor, tenant_id)
        result = timetravel.revert_change(app, pool, actor, tenant_id, data.position)
        runtime.wait(result.notification_id)
        return Response({"id": result.id, "kind": result.kind, "version": result.version, "deleted": result.deleted,
                         "position": result.position})

    @post("/api/tenants/{tenant_id:str}/history/{obj_id:str}/restore", tags=["history"], operation_id="restore_object",
          status_code=200, summary="Bring an object back to its state at an instant (re-created if deleted since)")
    @threaded
    def restore(tenant_id: str, obj_id: str, actor: ActorDep, data: RestoreIn) -> Response:
        _may_revert(actor, tenant_id)
        result = timetravel.restore_object(app, pool, actor, tenant_id, obj_id, _instant("at", data.at))
        runtime.wait(result.notification_id)
        return Response({"id": result.id, "kind": result.kind, "version": result.version, "position": result.position})

    return [state, state_diff, object_history, object_at, revert, restore]

"""The action history (F-AUD-1): who changed what, when, from where, with the diff."""

from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from litestar import get
from litestar.params import Dependency, Parameter

from ..context import Actor
from ..errors import Forbidden, Invalid
from ..runtime import Runtime
from .resources import NO_CONTROL, Limit, Offset

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
AUDIT_ROLES = ("operator", "system", "tenant_admin", "auditor")
PERIODS = {"today": 0, "7d": 7, "30d": 30, "45d": 45}
from .threads import threaded


def _entry(row: dict) -> dict:
    return {
        "position": row["notification_id"],
        "at": row["at"].isoformat(),
        "actor": {"id": row["actor_id"], "login": row["actor_login"], "role": row["actor_role"]},
        "ip": row["ip"],
        "request_id": row["request_id"],
        "tenant_id": str(row["tenant_id"]) if row["tenant_id"] else None,
        "object": {"type": row["object_type"], "id": str(row["object_id"]), "name": row["object_name"]},
        "action": row["action"],
        "version": row["version"],
        "diff": row["diff"],
    }


def make_audit_handlers(runtime: Runtime) -> list:
    @get("/api/audit", tags=["audit"], operation_id="list_audit",
         summary="Action history, newest first")
    @threaded
    def audit(
        actor: ActorDep,
        limit: Limit = 50,
        offset: Offset = 0,
        tenant_id: Annotated[str | None, Parameter(max_length=36)] = None,
        actor_login: Annotated[str | None, Parameter(query="actor", max_length=64, pattern=NO_CONTROL)] = None,
        action: Annotated[str | None, Parameter(max_length=32, pattern=NO_CONTROL)] = None,
        object_type: Annotated[str | None, Parameter(query="object", max_length=32, pattern=NO_CONTROL)] = None,
        object_id: Annotated[str | None, Parameter(max_length=36)] = None,
        object_name: Annotated[str | None, Parameter(max_length=100, pattern=NO_CONTROL)] = None,
        period: Annotated[Literal["today", "7d", "30d", "45d"] | None, Parameter()] = None,
        since: Annotated[datetime | None, Parameter(query="from")] = None,
        until: Annotated[datetime | None, Parameter(query="to")] = None,
    ) -> dict:
        if actor.role not in AUDIT_ROLES:
            raise Forbidden(f"role {actor.role} may not read the action history")
        if actor.is_operator:
            scope = [tenant_id] if tenant_id else None
        else:
            if tenant_id and tenant_id != actor.tenant_id:
                raise Forbidden("you may read only your own tenant's history")
            scope = [actor.tenant_id]
        if period:
            now = datetime.now(timezone.utc)
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            since = start - timedelta(days=PERIODS[period])
        for name, value in (("from", since), ("to", until)):
            if value is not None and value.tzinfo is None:
                raise Invalid(name, "needs a time zone offset, e.g. 2026-01-31T12:00:00Z")
        if scope:
            import uuid

            try:
                [uuid.UUID(t) for t in scope]
            except ValueError:
                raise Invalid("tenant_id", "not a UUID") from None
        result = runtime.read.audit_page(
            tenant_ids=scope, actor=actor_login, action=action, object_type=object_type, object_id=object_id,
            object_name=object_name, since=since, until=until, limit=limit, offset=offset,
        )
        return {"total": result.total, "items": [_entry(r) for r in result.items], "limit": limit, "offset": offset}

    return [audit]

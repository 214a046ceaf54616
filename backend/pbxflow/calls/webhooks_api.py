"""HTTP route of the webhook delivery log (F-CAL-7).

The webhooks themselves are a configuration collection (``/api/tenants/{id}/webhooks``,
kind ``webhook`` in ``pbxflow.domain.webhooks``); this adds their deliveries: status
(``pending``, ``delivered``, ``failed``), attempts, the last answer or error, the next
attempt time and each attempt's log. Tenant-scoped like the configuration.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import get
from litestar.params import Dependency, Parameter

from ..api.auth import require_tenant
from ..api.resources import Limit, Offset
from ..api.threads import threaded
from ..context import Actor
from .webhooks import delivery_log

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Status = Annotated[Literal["pending", "delivered", "failed"] | None, Parameter(description="only deliveries in this state")]


def make_webhook_handlers(runtime) -> list:
    @get("/api/tenants/{tenant_id:str}/webhooks/{obj_id:str}/deliveries", tags=["webhooks"],
         operation_id="list_webhook_deliveries",
         summary="Delivery log of a webhook, newest first: status, attempts, last answer, next attempt (F-CAL-7)")
    @threaded
    def deliveries(tenant_id: str, obj_id: str, actor: ActorDep, limit: Limit = 50, offset: Offset = 0,
                   status: Status = None) -> dict:
        require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get("webhook", obj_id, tenant_id)  # 404 for another tenant's or no webhook
        return delivery_log(runtime.pool, tenant_id, str(row["id"]), limit=limit, offset=offset, status=status)

    return [deliveries]

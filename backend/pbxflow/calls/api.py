"""HTTP routes of the calls (F-CAL-2, -3, -4, -8): history, one call with its protocol,
active calls, presence, and the tenant's live event stream (SSE).

Every route is tenant-scoped like the configuration's (another tenant's data is a 404,
roles without read rights a 403). ``position`` (optional, every read): wait until the
calls read models include that position of the calls store (read-your-writes for a
client that knows one); every answer carries ``X-Calls-Position``, the position it
was read at.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal

import anyio.to_thread
from litestar import Request, Response, get
from litestar.params import Dependency, Parameter
from litestar.response import File, ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from ..api.auth import require_operator, require_tenant
from ..api.problems import problem
from ..api.resources import Limit, Offset
from ..api.threads import threaded
from ..context import Actor
from ..errors import Invalid, NotFound
from . import recordings
from .queries import RESULTS, Scope

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Position = Annotated[int | None, Parameter(ge=1, le=2**63 - 1, description="wait until the calls read models include this position")]
Number = Annotated[str | None, Parameter(max_length=32, pattern=r"^\+?[0-9]{1,31}$", description="part of a caller, called, DID or answering number")]
Direction = Annotated[Literal["in", "out", "internal"] | None, Parameter()]
Result = Annotated[Literal["answered", "no answer", "busy", "no route", "failed", "forwarded", "voicemail"] | None, Parameter()]
Seconds = Annotated[int, Parameter(ge=1, le=3600, description="close the stream after this many seconds (clients reconnect)")]
HEARTBEAT = 15.0
assert set(RESULTS) == {"answered", "no answer", "busy", "no route", "failed", "forwarded", "voicemail"}


def _zoned(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Invalid(name, "needs a time zone offset, e.g. 2026-01-31T12:00:00Z")
    return value


def make_call_handlers(runtime) -> list:
    def calls():
        return runtime.calls_service()

    def scoped(actor: Actor, tenant_id: str, position: int | None) -> Scope:
        require_tenant(actor, tenant_id, write=False)
        svc = calls()
        scope = svc.read.scope(tenant_id)
        if position:
            try:
                svc.wait(position, timeout=10.0)
            except TimeoutError:
                raise Invalid("position", f"the calls read models have not reached position {position}") from None
        return scope

    def answer(body, svc) -> Response:
        return Response(body, headers={"X-Calls-Position": str(svc.position())})

    @get("/api/tenants/{tenant_id:str}/calls", tags=["calls"], operation_id="list_calls",
         summary="Call history of a tenant, newest first (F-CAL-2)")
    @threaded
    def history(tenant_id: str, actor: ActorDep, limit: Limit = 50, offset: Offset = 0, direction: Direction = None,
                result: Result = None, since: Annotated[datetime | None, Parameter(query="from")] = None,
                until: Annotated[datetime | None, Parameter(query="to")] = None, number: Number = None,
                position: Position = None) -> Response:
        scope = scoped(actor, tenant_id, position)
        svc = calls()
        total, items = svc.read.history(scope, limit=limit, offset=offset, direction=direction, result=result,
                                        since=_zoned("from", since), until=_zoned("to", until),
                                        number=number.lstrip("+") if number else None)
        return answer({"total": total, "items": items, "limit": limit, "offset": offset}, svc)

    @get("/api/tenants/{tenant_id:str}/calls/{call_id:str}", tags=["calls"], operation_id="get_call",
         summary="One call with its protocol: routing steps, dial attempts, hangups (F-CAL-3)")
    @threaded
    def one(tenant_id: str, call_id: str, actor: ActorDep, position: Position = None) -> Response:
        scope = scoped(actor, tenant_id, position)
        svc = calls()
        return answer(svc.read.call(scope, call_id), svc)

    @get("/api/tenants/{tenant_id:str}/calls/{call_id:str}/recording", tags=["calls"], operation_id="get_call_recording",
         summary="The recording of a finished call (F-CAL-6), audio/wav; one byte range (Range) supported",
         description="404 when the call has no recording or it has been deleted after its retention "
                     "(the call record then shows `recording.expired`).")
    @threaded
    def recording(request: Request, tenant_id: str, call_id: str, actor: ActorDep) -> Response:
        byte_range = request.headers.get("range")
        if byte_range is not None and len(byte_range) > 200:
            raise Invalid("Range", "at most 200 characters, e.g. bytes=0-1023")
        scope = scoped(actor, tenant_id, None)
        path = calls().read.recording_path(scope, call_id)
        if path is None:
            raise NotFound(f"call {call_id} has no recording")
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise NotFound(f"the recording of call {call_id} has been deleted (retention)") from None
        name = f"call-{call_id}.wav"
        try:
            wanted = recordings.byte_range(byte_range, size)
        except recordings.BadRange:
            out = problem(416, "Range Not Satisfiable", f"the recording has {size} bytes")
            out.headers["Content-Range"] = f"bytes */{size}"
            return out
        if wanted is None:
            return File(path, media_type=recordings.MIME, filename=name, content_disposition_type="attachment",
                        headers={"Accept-Ranges": "bytes"})
        first, last = wanted
        return Response(recordings.read_range(path, first, last), status_code=206, media_type=recordings.MIME,
                        headers={"Accept-Ranges": "bytes", "Content-Range": f"bytes {first}-{last}/{size}",
                                 "Content-Disposition": f'attachment; filename="{name}"'})

    @get("/api/tenants/{tenant_id:str}/active-calls", tags=["calls"], operation_id="list_active_calls",
         summary="The tenant's calls in progress (F-CAL-4); live updates: GET …/events")
    @threaded
    def active(tenant_id: str, actor: ActorDep, position: Position = None) -> Response:
        scope = scoped(actor, tenant_id, position)
        svc = calls()
        items = svc.read.active(scope)
        return answer({"total": len(items), "items": items}, svc)

    @get("/api/tenants/{tenant_id:str}/presence", tags=["calls"], operation_id="list_presence",
         summary="State of every extension and device: free, ringing, talking, hold, offline, unknown (F-CAL-8)")
    @threaded
    def presence(tenant_id: str, actor: ActorDep, position: Position = None) -> Response:
        scope = scoped(actor, tenant_id, position)
        svc = calls()
        items = svc.read.presence(scope)
        return answer({"total": len(items), "items": items}, svc)

    @get("/api/calls/status", tags=["calls"], operation_id="calls_status",
         summary="Calls ingestion and projection: nodes, positions, lag (operators)")
    @threaded
    def status(actor: ActorDep) -> dict:
        require_operator(actor)
        return calls().status()

    @get("/api/tenants/{tenant_id:str}/events", tags=["calls"], operation_id="tenant_events",
         summary="Server-sent events: the tenant's active calls and presence, live",
         description="First a `snapshot` event (active calls and presence), then `call` (an active call changed), "
                     "`call_end` and `presence` events, each with its feed position as id; a comment every 15 s "
                     "keeps the connection open. The stream closes after `seconds`; EventSource reconnects.")
    async def events(tenant_id: str, actor: ActorDep, seconds: Seconds = 300) -> ServerSentEvent:
        scope = await anyio.to_thread.run_sync(lambda: scoped(actor, tenant_id, None))
        return ServerSentEvent(_stream(calls(), scope, seconds), headers={"Cache-Control": "no-cache",
                                                                          "X-Accel-Buffering": "no"})

    from .control_api import make_control_handlers

    return [history, one, recording, active, presence, status, events, *make_control_handlers(runtime)]


async def _stream(svc, scope: Scope, seconds: int) -> AsyncIterator[ServerSentEventMessage]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    def snapshot():
        head = svc.read.feed_head()
        return head, {"active": svc.read.active(scope), "presence": svc.read.presence(scope)}

    position, body = await anyio.to_thread.run_sync(snapshot)
    yield ServerSentEventMessage(data=json.dumps(body), event="snapshot", id=position, retry=2000)
    quiet_since = loop.time()
    while loop.time() < deadline:
        head = svc.view.feed_position  # read before the query: a change committed meanwhile wakes the wait below
        rows = await anyio.to_thread.run_sync(lambda: svc.read.changes(scope, position))
        for row in rows:
            position = row["position"]
            yield ServerSentEventMessage(data=json.dumps(row["payload"]), event=row["kind"], id=position)
        if rows:
            quiet_since = loop.time()
            continue
        if loop.time() - quiet_since >= HEARTBEAT:
            quiet_since = loop.time()
            yield ServerSentEventMessage(data=None, comment="keep-alive")
        wait = max(0.0, min(1.0, deadline - loop.time()))
        # Woken by this process's projection; another process's is seen by the 1 s poll.
        await anyio.to_thread.run_sync(lambda: svc.view.wait_feed(max(head, position), wait), abandon_on_cancel=True)

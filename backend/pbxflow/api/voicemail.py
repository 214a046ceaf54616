"""Voicemail messages and greetings of a box (F-CMP-3), read from and written to Asterisk's spool.

Messages (``pbxflow.voicemail_spool``):
- ``GET …/voicemail-boxes/{id}/messages``: the box's messages, newest first.
- ``GET …/messages/{msg_id}``: the recording.
- ``DELETE …/messages/{msg_id}``: 204. With an AMI connection (this process applies the
  Asterisk config, ``runtime.asterisk``) app_voicemail removes it (``VoicemailRemove``: it
  renumbers the folder and sends the message-waiting state to the phones at once; other
  nodes get ``VoicemailRefresh``). Without one the files are removed here under Asterisk's
  folder lock, and phones learn it when Asterisk next polls the box (``pollmailboxes``).

Greetings (``unavailable``, ``busy``, ``temporary``, ``name``: Asterisk's ``unavail``,
``busy``, ``temp`` and ``greet`` files of the box):
- ``GET …/voicemail-boxes/{id}/greetings``: every kind, ``present`` or not, with size,
  duration and time of the last change, whether recorded by phone or uploaded.
- ``GET …/greetings/{kind}``: the audio.
- ``PUT …/greetings/{kind}``: upload (multipart ``file`` part, or the raw file as the body);
  mp3/wav/ogg/m4a as for media, converted to 8 kHz WAV and written where ``VoiceMail()``
  plays it from; 200 with the greeting.
- ``DELETE …/greetings/{kind}``: 204; the box then plays Asterisk's default announcement.

Readers of the tenant and the box's owner user may read; tenant admins and the owner user
may delete messages and change greetings.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, delete, get, put
from litestar.datastructures import UploadFile
from litestar.params import Dependency, Parameter
from litestar.response import File

from .. import media_convert, voicemail_spool
from ..context import Actor
from ..errors import DomainError, Invalid, NotFound
from ..runtime import Runtime
from .auth import require_tenant
from .threads import threaded

log = logging.getLogger(__name__)

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
MsgId = Annotated[str, Parameter(max_length=41, pattern=r"^[0-9]{1,20}-[0-9]{1,20}$", description="a message id from the list")]
KIND_PATTERN = "^(" + "|".join(voicemail_spool.GREETING_FILES) + ")$"
GreetingKind = Annotated[str, Parameter(max_length=20, pattern=KIND_PATTERN,
                                        description="unavailable, busy, temporary or name")]
UPLOAD_LIMIT = media_convert.MAX_BYTES + 512 * 1024
GREETING_MAX_SECONDS = 300
AMI_TIMEOUT = 3.0  # a node that is down must not hold the request long: the files are removed here then


class TooLarge(DomainError):
    status = 413
    title = "Content too large"


class Busy(DomainError):
    status = 409
    title = "Conflict"


def _box_for(runtime: Runtime, actor: Actor, tenant_id: str, box_id: str, *, write: bool = False) -> tuple[dict, dict]:
    """The box (read model row) and its tenant: for the tenant's readers (admins to write), or the
    box's owner user."""
    owner_ok = False
    if actor.tenant_id == tenant_id and not actor.is_operator:
        try:
            row = runtime.read.get("voicemail_box", box_id, tenant_id)
        except NotFound:
            row = None
        if row is not None and row["data"].get("owner_type") == "user" and row["data"].get("owner_id") == actor.id:
            owner_ok = True
    if not owner_ok:
        require_tenant(actor, tenant_id, write=write)
    row = runtime.read.get("voicemail_box", box_id, tenant_id)
    return row, runtime.app.tenant_doc(tenant_id)


# --- Asterisk over AMI, when this process has a connection ------------------------------


def _ami(runtime: Runtime):
    """The AMI client of the config applier (pbxflow.ami.AmiReloader), or None."""
    reloader = getattr(getattr(runtime, "asterisk", None), "reloader", None)
    return reloader if callable(getattr(reloader, "action", None)) else None


def _ok(answer: Any) -> bool:
    if isinstance(answer, list):
        answer = answer[0] if answer else None
    return getattr(answer, "response", None) == "Success"


def remove_message(runtime: Runtime, code: str, mailbox: str, msg: voicemail_spool.Message) -> None:
    context = voicemail_spool.context_of(code)
    ami = _ami(runtime)
    removed = False
    if ami is not None:
        try:
            [answer] = ami.action({"Action": "VoicemailRemove", "Context": context, "Mailbox": mailbox,
                                   "Folder": msg.folder, "ID": msg.id}, timeout=AMI_TIMEOUT, nodes=1)
            removed = _ok(answer)
            if not removed:
                log.warning("VoicemailRemove %s@%s %s: %s", mailbox, context, msg.id, getattr(answer, "message", answer))
        except Exception:
            log.exception("VoicemailRemove %s@%s %s failed", mailbox, context, msg.id)
    root = voicemail_spool.spool_root()
    if not removed or voicemail_spool.find_message(root, code, mailbox, msg.id) is not None:
        try:
            voicemail_spool.delete_message(root, code, mailbox, msg.id)
        except TimeoutError as exc:
            raise Busy(str(exc)) from None
    if ami is not None:
        # The other nodes (or all of them, when Asterisk did not remove it) recount the box.
        try:
            answers = ami.action({"Action": "VoicemailRefresh", "Context": context, "Mailbox": mailbox}, timeout=AMI_TIMEOUT)
            for answer in answers:
                if not _ok(answer):
                    log.warning("VoicemailRefresh %s@%s: %s", mailbox, context, answer)
        except Exception:
            log.exception("VoicemailRefresh %s@%s failed", mailbox, context)


# --- handlers --------------------------------------------------------------------------


async def read_upload(request: Request) -> tuple[bytes, str]:
    """The uploaded file: a multipart part named ``file``, or the raw body."""
    content_type, _ = request.content_type
    if content_type == "multipart/form-data":
        form = await request.form()
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise Invalid("file", "a multipart part named 'file' with the audio is required")
        return await part.read(), part.filename or ""
    return await request.body(), request.query_params.get("filename") or request.headers.get("x-filename") or ""


def store_greeting(runtime: Runtime, actor: Actor, tenant_id: str, box_id: str, kind: str, content: bytes) -> dict:
    row, tenant = _box_for(runtime, actor, tenant_id, box_id, write=True)
    if not content:
        raise Invalid("file", "the file is empty")
    if len(content) > media_convert.MAX_BYTES:
        raise TooLarge(f"file: larger than {media_convert.MAX_BYTES // (1024 * 1024)} MB", fields=["file"])
    with tempfile.TemporaryDirectory(prefix="pbxflow-greeting-") as tmp:
        src = Path(tmp) / "upload"
        src.write_bytes(content)
        info = media_convert.probe(src)
        if info.duration_ms > GREETING_MAX_SECONDS * 1000:
            raise Invalid("file", f"a greeting lasts at most {GREETING_MAX_SECONDS // 60} minutes")
        greeting = voicemail_spool.store_greeting(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"], kind,
                                                  lambda dst: media_convert.convert(src, dst))
    return greeting.public(tenant.get("timezone") or "UTC")


def make_voicemail_handlers(runtime: Runtime) -> list:
    box = "/api/tenants/{tenant_id:str}/voicemail-boxes/{obj_id:str}"
    messages = f"{box}/messages"
    greetings = f"{box}/greetings"

    @get(messages, tags=["voicemail-boxes"], operation_id="list_voicemail_messages",
         summary="The box's voicemail messages, newest first")
    @threaded
    def list_(tenant_id: str, obj_id: str, actor: ActorDep) -> dict:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id)
        msgs = voicemail_spool.list_messages(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"])
        tz = tenant.get("timezone") or "UTC"
        return {"total": len(msgs), "items": [m.public(tz) for m in msgs]}

    @get(f"{messages}/{{msg_id:str}}", tags=["voicemail-boxes"], operation_id="get_voicemail_message",
         summary="The recording of one voicemail message")
    @threaded
    def download(tenant_id: str, obj_id: str, msg_id: MsgId, actor: ActorDep) -> File:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id)
        msg = voicemail_spool.find_message(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"], msg_id)
        if msg is None or msg.audio is None:
            raise NotFound(f"no voicemail message {msg_id} in this box")
        return File(msg.audio, media_type=msg.mime, content_disposition_type="attachment",
                    filename=f"voicemail-{row['data']['mailbox']}-{msg.id}{msg.audio.suffix.lower()}")

    @delete(f"{messages}/{{msg_id:str}}", tags=["voicemail-boxes"], operation_id="delete_voicemail_message", status_code=204,
            summary="Delete one voicemail message (the phones' message-waiting lamps follow)")
    @threaded
    def remove(tenant_id: str, obj_id: str, msg_id: MsgId, actor: ActorDep) -> None:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id, write=True)
        mailbox = row["data"]["mailbox"]
        msg = voicemail_spool.find_message(voicemail_spool.spool_root(), tenant["code"], mailbox, msg_id)
        if msg is None:
            raise NotFound(f"no voicemail message {msg_id} in this box")
        remove_message(runtime, tenant["code"], mailbox, msg)

    @get(greetings, tags=["voicemail-boxes"], operation_id="list_voicemail_greetings",
         summary="The box's greetings (unavailable, busy, temporary, name): recorded by phone or uploaded")
    @threaded
    def list_greetings(tenant_id: str, obj_id: str, actor: ActorDep) -> dict:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id)
        tz = tenant.get("timezone") or "UTC"
        found = voicemail_spool.list_greetings(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"])
        items = [g.public(tz) if g else {"kind": kind, "present": False, "size": 0, "duration_ms": None, "updated_at": None}
                 for kind, g in zip(voicemail_spool.GREETING_FILES, found)]
        return {"total": len(items), "items": items}

    @get(f"{greetings}/{{kind:str}}", tags=["voicemail-boxes"], operation_id="get_voicemail_greeting",
         summary="The audio of one greeting")
    @threaded
    def greeting_audio(tenant_id: str, obj_id: str, kind: GreetingKind, actor: ActorDep) -> File:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id)
        g = voicemail_spool.find_greeting(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"], kind)
        if g is None:
            raise NotFound(f"the box has no {kind} greeting")
        return File(g.audio, media_type=g.mime, content_disposition_type="inline",
                    filename=f"greeting-{row['data']['mailbox']}-{kind}{g.audio.suffix.lower()}")

    @put(f"{greetings}/{{kind:str}}", tags=["voicemail-boxes"], operation_id="put_voicemail_greeting",
         request_max_body_size=UPLOAD_LIMIT, status_code=200,
         summary="Upload a greeting (multipart 'file', or the raw body); mp3/wav/ogg/m4a, at most 10 MB and 5 minutes")
    async def upload_greeting(request: Request, tenant_id: str, obj_id: str, kind: GreetingKind, actor: ActorDep) -> dict:
        await anyio.to_thread.run_sync(functools.partial(_box_for, runtime, actor, tenant_id, obj_id, write=True))
        content, _ = await read_upload(request)  # only once the caller may write
        return await anyio.to_thread.run_sync(
            functools.partial(store_greeting, runtime, actor, tenant_id, obj_id, kind, content))

    @delete(f"{greetings}/{{kind:str}}", tags=["voicemail-boxes"], operation_id="delete_voicemail_greeting", status_code=204,
            summary="Delete a greeting (callers then hear Asterisk's default announcement)")
    @threaded
    def delete_greeting(tenant_id: str, obj_id: str, kind: GreetingKind, actor: ActorDep) -> None:
        row, tenant = _box_for(runtime, actor, tenant_id, obj_id, write=True)
        if not voicemail_spool.delete_greeting(voicemail_spool.spool_root(), tenant["code"], row["data"]["mailbox"], kind):
            raise NotFound(f"the box has no {kind} greeting")

    return [list_, download, remove, list_greetings, greeting_audio, upload_greeting, delete_greeting]

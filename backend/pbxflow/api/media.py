"""Media upload and playback; voicemail messages (listing and download).

Media (F-CMP-5):
- ``POST /api/tenants/{tid}/media``: ``multipart/form-data`` with a ``file`` part (and
  optional ``name``, ``moh_class``, ``description`` fields), or the raw file as the body
  with ``?filename=…`` (or an ``X-Filename`` header) and the same optional fields as query
  parameters. At most 10 MB; accepted by probing the content (mp3, wav, ogg, m4a),
  converted to 8 kHz mono WAV. 201 with the media object.
- ``GET …/media``, ``GET/PATCH/DELETE …/media/{id}``: as for every kind (PATCH changes
  ``name``, ``moh_class``, ``description``); DELETE also removes the files.
- ``GET …/media/{id}/audio``: the converted WAV (what callers hear), inline for preview;
  ``?original=true`` gives the uploaded file.

Files: the upload as received in ``$PBXFLOW_DATA_DIR/media/<tenant code>/<id>.<format>``,
the converted audio in ``$PBXFLOW_DATA_DIR/asterisk/media/<tenant code>/<id>.wav``: the
generated-config directory is what Asterisk sees as ``/etc/asterisk/pbxflow`` (the
sandbox bind-mounts it, the compose file shares it as a volume), so Asterisk plays it
as ``/etc/asterisk/pbxflow/media/<code>/<id>``.

Voicemail (F-CMP-3): messages and greetings of a box, in ``api/voicemail.py``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.params import Dependency
from litestar.response import File

from .. import media_convert
from ..context import Actor
from ..domain import kinds
from ..domain.media import MEDIA, UploadFields, default_name
from ..errors import DomainError, Invalid, NotFound
from ..runtime import Runtime
from .auth import require_tenant
from .resources import answer, deleted, expected_version, tenant_collection
from .threads import threaded

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
UPLOAD_LIMIT = media_convert.MAX_BYTES + 512 * 1024  # the file plus multipart framing and fields
ASTERISK_MEDIA_DIR = "/etc/asterisk/pbxflow/media"  # where Asterisk sees $PBXFLOW_DATA_DIR/asterisk/media


class TooLarge(DomainError):
    status = 413
    title = "Content too large"


def data_dir(runtime: Runtime) -> Path:
    configured = getattr(runtime, "data_dir", None)
    if configured:
        return Path(configured)
    from ..settings import Settings

    return Settings.from_env().data_dir


def original_path(base: Path, code: str, media_id: str, fmt: str) -> Path:
    return base / "media" / code / f"{media_id}.{fmt}"


def converted_path(base: Path, code: str, media_id: str) -> Path:
    return base / "asterisk" / "media" / code / f"{media_id}.wav"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _download_name(name: str, suffix: str) -> str:
    stem = _SAFE_NAME.sub("_", name).strip(" ._")[:80] or "audio"
    return f"{stem}{suffix}"


def _fields(raw: dict[str, Any]) -> dict:
    data = {k: v for k, v in raw.items() if v not in (None, "")}
    return kinds.to_plain(kinds.convert(data, UploadFields))


def store_upload(runtime: Runtime, actor: Actor, tenant_id: str, content: bytes, filename: str, fields: dict):
    """Probe, convert and store an upload, then record the media object (blocking)."""
    require_tenant(actor, tenant_id, write=True)
    tenant = runtime.app.tenant_doc(tenant_id)
    if not content:
        raise Invalid("file", "the file is empty")
    if len(content) > media_convert.MAX_BYTES:
        raise TooLarge(f"file: larger than {media_convert.MAX_BYTES // (1024 * 1024)} MB", fields=["file"])
    meta = _fields(fields)
    base = data_dir(runtime)
    code = tenant["code"]
    media_id = str(uuid.uuid4())
    (base / "media").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=base / "media", prefix=".upload-") as tmp:
        src = Path(tmp) / "upload"
        src.write_bytes(content)
        info = media_convert.probe(src)
        original = original_path(base, code, media_id, info.format)
        converted = converted_path(base, code, media_id)
        media_convert.convert(src, converted)
        original.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, original)
    doc = {
        "name": meta.get("name") or default_name(filename),
        "format": info.format,
        "codec": info.codec,
        "duration_ms": info.duration_ms,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "filename": re.sub(r"[\x00-\x1f\x7f/\\]", "_", filename)[-255:],
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "moh_class": meta.get("moh_class"),
        "description": meta.get("description", ""),
    }
    try:
        result = runtime.app.create(actor, MEDIA.name, tenant_id, doc, obj_id=uuid.UUID(media_id))
    except BaseException:
        original.unlink(missing_ok=True)
        converted.unlink(missing_ok=True)
        raise
    return answer(runtime, result, actor, tenant_id, status=201, location=f"/api/tenants/{tenant_id}/media/{result.id}")


def make_media_handlers(runtime: Runtime) -> list:
    base = "/api/tenants/{tenant_id:str}/media"
    item = f"{base}/{{obj_id:str}}"
    generic = [h for h in tenant_collection(runtime, MEDIA) if h.operation_id not in ("create_media", "delete_media")]

    @post(base, tags=["media"], operation_id="create_media", request_max_body_size=UPLOAD_LIMIT,
          summary="Upload an audio file (multipart 'file', or the raw body with ?filename=); mp3/wav/ogg/m4a, at most 10 MB")
    async def upload(request: Request, tenant_id: str, actor: ActorDep) -> Response:
        require_tenant(actor, tenant_id, write=True)  # before reading a byte of the body
        content_type, _ = request.content_type
        fields: dict[str, Any] = {k: request.query_params.get(k) for k in ("name", "moh_class", "description")}
        if content_type == "multipart/form-data":
            form = await request.form()
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise Invalid("file", "a multipart part named 'file' with the audio is required")
            content = await part.read()
            filename = part.filename or ""
            for key in ("name", "moh_class", "description"):
                if isinstance(form.get(key), str):
                    fields[key] = form.get(key)
        else:
            content = await request.body()
            filename = request.query_params.get("filename") or request.headers.get("x-filename") or ""
        return await anyio.to_thread.run_sync(
            functools.partial(store_upload, runtime, actor, tenant_id, content, filename, fields))

    @get(f"{item}/audio", tags=["media"], operation_id="get_media_audio",
         summary="The converted audio (8 kHz mono WAV) for preview; ?original=true for the uploaded file")
    @threaded
    def audio(tenant_id: str, obj_id: str, actor: ActorDep, original: bool = False) -> File:
        require_tenant(actor, tenant_id, write=False)
        row = runtime.read.get(MEDIA.name, obj_id, tenant_id)
        code = runtime.app.tenant_doc(tenant_id)["code"]
        data = row["data"]
        if original:
            path = original_path(data_dir(runtime), code, str(row["id"]), data["format"])
            media_type = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "m4a": "audio/mp4"}[data["format"]]
        else:
            path = converted_path(data_dir(runtime), code, str(row["id"]))
            media_type = "audio/wav"
        if not path.is_file():
            raise NotFound(f"the audio of media {obj_id} is missing on this server")
        return File(path, media_type=media_type, content_disposition_type="inline",
                    filename=_download_name(data["name"], path.suffix))

    @delete(item, tags=["media"], operation_id="delete_media", status_code=204)
    @threaded
    def remove(request: Request, tenant_id: str, obj_id: str, actor: ActorDep) -> None:
        require_tenant(actor, tenant_id, write=True)
        row = runtime.read.get(MEDIA.name, obj_id, tenant_id)
        code = runtime.app.tenant_doc(tenant_id)["code"]
        result = runtime.app.delete(actor, MEDIA.name, tenant_id, obj_id, expected_version(request))
        base_dir = data_dir(runtime)
        original_path(base_dir, code, str(row["id"]), row["data"]["format"]).unlink(missing_ok=True)
        converted_path(base_dir, code, str(row["id"])).unlink(missing_ok=True)
        return deleted(runtime, result)

    return [*generic, upload, audio, remove]


def make_handlers(runtime: Runtime) -> list:
    """Everything this module serves (one line in ``create_app``)."""
    from .voicemail import make_voicemail_handlers

    return [*make_media_handlers(runtime), *make_voicemail_handlers(runtime)]

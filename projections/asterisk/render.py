"""Render the Asterisk configuration of tenants and the platform: pure functions.

Input is plain data (the read model's documents); output is a mapping from file
name to text. Same input, same bytes: everything is sorted, nothing depends on
time or randomness.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from pbxflow.routing.components import Components
from pbxflow.routing.validate import entry_nodes

from . import escape
from .scheme import compile_scheme, entry_lines

TEMPLATES = Path(__file__).resolve().parents[2] / "asterisk" / "templates"
# Where Asterisk sees $PBXFLOW_DATA_DIR/asterisk/media (the generated-config directory is
# mounted at /etc/asterisk/pbxflow): converted media are <this>/<tenant code>/<media id>.wav.
ASTERISK_MEDIA_DIR = "/etc/asterisk/pbxflow/media"
DEFAULT_PICKUP_CODE = "*8"
DEFAULT_GREETING_CODE = "*96"  # record the own box's unavailable greeting
RESERVED_CODES = ("*97", "*98")  # check own / any voicemail box
VOICEMAIL_CODE = "*97"  # what a phone's message key dials (voicemail_extension in MWI NOTIFYs)
# Our strategy names -> app_queue's (the same table as pbxflow.domain.groups.STRATEGIES).
QUEUE_STRATEGIES = {"ring_all": "ringall", "round_robin_memory": "rrmemory", "linear": "linear",
                    "random": "random", "least_recent": "leastrecent", "fewest_calls": "fewestcalls"}
VIP_PRIORITY = 10


@dataclass(frozen=True)
class TenantConfig:
    id: str
    code: str
    name: str
    extensions: list[dict] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)
    # Call-handling components (each document carries its object "id").
    groups: list[dict] = field(default_factory=list)
    pickup_groups: list[dict] = field(default_factory=list)
    voicemail_boxes: list[dict] = field(default_factory=list)
    media: list[dict] = field(default_factory=list)
    classifiers: list[dict] = field(default_factory=list)  # VIP lists of groups
    voice_messages: list[dict] = field(default_factory=list)  # group greetings
    pickup_code: str = DEFAULT_PICKUP_CODE
    greeting_code: str = DEFAULT_GREETING_CODE
    timezone: str = "UTC"
    schedules: list[dict] = field(default_factory=list)
    ivr_menus: list[dict] = field(default_factory=list)
    # Published routing schemes: {"id", "revision", "nodes" (stored node fields), "entries", "live"}:
    # the live revision of each, and (live False) the revisions before it that the dialplan keeps
    # for calls in progress (scheme.KEEP_REVISIONS).
    schemes: list[dict] = field(default_factory=list)
    # Users (only what the config needs: "id", "record_calls"): an extension whose owner user
    # records has the calls it answers recorded (F-CAL-6).
    users: list[dict] = field(default_factory=list)


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
        comment=escape.comment, digits=escape.digits, vmname=lambda v: _vm_name(v),
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


def _ext_view(code: str, ext: dict, vmbox: str | None = None, rec: str | None = None) -> dict:
    legs = dial_legs(code, ext)
    return {
        "rec": rec,  # recording subroutine run on the answering device (Dial option U)
        "number": escape.ident(ext["number"]),
        "name": ext.get("name", ""),
        "strategy": ext.get("ring_strategy", "parallel"),
        "legs": legs,
        "ring": max((ring for _, ring in legs), default=20),
        "vmbox": vmbox,  # unanswered, busy and unreachable calls go to this mailbox
    }


# --- call recording (F-CAL-6) ---------------------------------------------------------------


def recording_owner_key(kind: str, obj_id: str) -> str:
    """The recorder's directory under the tenant's: ``user-<id>`` or ``group-<id>`` (ids are UUIDs)."""
    if kind not in ("user", "group") or not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", obj_id):
        raise escape.UnsafeValue(f"not a recording owner: {kind} {obj_id!r}")
    return f"{kind}-{obj_id}"


def recording_context(code: str, kind: str, obj_id: str) -> str:
    """The subroutine (Dial's ``U()``, Queue's gosub argument) that records an answered call of this owner."""
    return tenant_context(code, f"rec-{kind[0]}{obj_id.replace('-', '')}")


def recording_lines(code: str, kind: str, obj_id: str) -> list[str]:
    """The recording subroutine: runs on the answering channel once it is connected, so only answered
    calls are recorded. The file is ``<monitor dir>/<code>/<kind>-<id>/<linkedid>-<uniqueid>.wav``:
    no caller- or user-supplied text, only Asterisk's ids with anything but letters, digits and dots
    dropped. The ``PbxflowRecording`` user event tells the calls ingestion which file the call has."""
    code = escape.ident(code)
    rel = (f"{code}/{recording_owner_key(kind, obj_id)}/"
           "${FILTER(0-9a-zA-Z.,${CHANNEL(linkedid)})}-${FILTER(0-9a-zA-Z.,${UNIQUEID})}.wav")
    return [
        f"[{recording_context(code, kind, obj_id)}]",
        f"exten => s,1,Set(PBXFLOW_REC={rel})",
        " same => n,MixMonitor(${PBXFLOW_REC})",  # relative: under astspooldir/monitor
        " same => n,UserEvent(PbxflowRecording,File: ${PBXFLOW_REC})",
        " same => n,Return()",
    ]


def _recorders(t: TenantConfig, code: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Recording subroutine per extension id (its owner user records) and per group id, and the
    dialplan lines of those subroutines."""
    users = {u["id"] for u in t.users if u.get("record_calls") and u.get("id")}
    groups = {g["id"] for g in t.groups if g.get("record_calls") and g.get("id")}
    ext_rec = {e["id"]: recording_context(code, "user", e["owner_user_id"])
               for e in t.extensions if e.get("id") and e.get("owner_user_id") in users}
    group_rec = {gid: recording_context(code, "group", gid) for gid in groups}
    lines: list[str] = []
    for kind, ids in (("user", sorted(users & {e.get("owner_user_id") for e in t.extensions})), ("group", sorted(groups))):
        for obj_id in ids:
            lines += ([""] if lines else []) + recording_lines(code, kind, obj_id)
    return ext_rec, group_rec, lines


# --- call-handling components (groups, pickup, voicemail, media) -------------------------


def voicemail_context(code: str) -> str:
    return f"t-{escape.ident(code)}"


def media_path(code: str, media_id: str) -> str:
    """How Asterisk names a converted media file (no extension: it picks the format)."""
    return f"{ASTERISK_MEDIA_DIR}/{escape.ident(code)}/{escape.ident(media_id)}"


def moh_class(code: str, name: str) -> str:
    return escape.ident(f"t-{escape.ident(code)}-{name}")


def pickup_group_name(code: str, obj_id: str) -> str:
    return escape.ident(f"t-{escape.ident(code)}-pg-{obj_id.replace('-', '')[:8]}")


def _vm_name(val: object) -> str:
    """A box owner's name in ``mailbox => pin,name``: no field or option separators."""
    text = re.sub(r"[,|;=\\\[\]\x00-\x1f\x7f]", " ", str(val))
    return re.sub(r"\s+", " ", text).strip()[:80]


def _vip_patterns(classifier: dict) -> list[str]:
    """Caller numbers of a classifier as dialplan extensions (with and without a leading +)."""
    out: set[str] = set()
    for entry in classifier.get("entries") or ():
        number = str(entry.get("number", ""))
        if not re.fullmatch(r"\+?[0-9]{1,20}\*?", number):
            continue
        key = number.lstrip("+")
        if key.endswith("*"):
            out.update((f"_{key[:-1]}!", f"_+{key[:-1]}!"))
        else:
            out.update((key, f"+{key}"))
    return sorted(out)


@dataclass(frozen=True)
class _Components:
    """What the component objects of a tenant mean for its config (all lookups by id)."""

    code: str
    boxes: list[dict]
    box_of: dict[tuple[str, str], dict]
    pickup_of: dict[str, str]  # extension id -> named group
    moh: dict[str, list[str]]  # class -> media paths
    media: dict[str, dict]

    @classmethod
    def of(cls, t: TenantConfig, code: str) -> "_Components":
        boxes = sorted((b for b in t.voicemail_boxes if b.get("enabled", True)), key=lambda b: b["mailbox"])
        box_of = {(b["owner_type"], b["owner_id"]): b for b in boxes}
        pickup_of: dict[str, str] = {}
        for pg in sorted(t.pickup_groups, key=lambda g: g["id"]):
            for ext_id in pg.get("members", []):
                pickup_of.setdefault(ext_id, pickup_group_name(code, pg["id"]))
        media = {m["id"]: m for m in t.media}
        moh: dict[str, list[str]] = {}
        for m in sorted(t.media, key=lambda m: (m.get("name", ""), m["id"])):
            if m.get("moh_class"):
                moh.setdefault(moh_class(code, m["moh_class"]), []).append(media_path(code, m["id"]))
        return cls(code, boxes, box_of, pickup_of, dict(sorted(moh.items())), media)

    def ext_box(self, ext: dict) -> dict | None:
        """The box of an extension: its own, else its owner user's."""
        box = self.box_of.get(("extension", ext.get("id", "")))
        if box is None and ext.get("owner_user_id"):
            box = self.box_of.get(("user", ext["owner_user_id"]))
        return box

    @property
    def default_moh(self) -> str | None:
        name = moh_class(self.code, "default")
        return name if name in self.moh else None


def endpoint_extras(t: TenantConfig, ext: dict) -> dict[str, str]:
    """Settings the components add to each SIP endpoint of an extension (also for PJSIP realtime)."""
    code = escape.ident(t.code)
    comp = _Components.of(t, code)
    return _endpoint_extras(comp, ext)


def _endpoint_extras(comp: _Components, ext: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    group = comp.pickup_of.get(ext.get("id", ""))
    if group:
        out["named_call_group"] = out["named_pickup_group"] = group
    box = comp.ext_box(ext)
    if box:
        out["vmbox"] = escape.digits(box["mailbox"])  # set_var PBXFLOW_VMBOX: *97 opens the own box
        # Message-waiting indication: unsolicited NOTIFYs to the endpoint's contacts (endpoint
        # mailboxes), SUBSCRIBE allowed on the AOR (aor mailboxes); a subscription replaces the
        # unsolicited NOTIFYs, so a subscribing phone is told once.
        out["mailboxes"] = f"{out['vmbox']}@{voicemail_context(comp.code)}"
        out["mwi_subscribe_replaces_unsolicited"] = "yes"
        out["voicemail_extension"] = VOICEMAIL_CODE
    if comp.default_moh:
        out["moh_suggest"] = comp.default_moh
    return out


def _greeting(t: TenantConfig, comp: _Components, g: dict) -> tuple[list[str], int]:
    """Files to play before queueing, and the pause between repetitions."""
    if g.get("greeting_media_id") in comp.media:
        return [media_path(comp.code, g["greeting_media_id"])], 0
    msg = next((m for m in t.voice_messages if m.get("id") == g.get("greeting_message_id")), None)
    if msg and msg.get("media_id") in comp.media:
        return [media_path(comp.code, msg["media_id"])] * int(msg.get("repeat", 1)), int(msg.get("pause_seconds", 0))
    return [], 0


def _group_views(t: TenantConfig, comp: _Components, exts_by_id: dict[str, dict]) -> tuple[list[dict], dict[str, list[str]]]:
    code = comp.code
    classifiers = {c["id"]: c for c in t.classifiers}
    vip_contexts: dict[str, list[str]] = {}
    views = []
    for g in sorted(t.groups, key=lambda g: g["number"]):
        members = []
        for m in g.get("members", []):
            ext = exts_by_id.get(m["extension_id"])
            if ext is None:
                continue  # deleted since: nobody to ring
            devices = [d for d in _sip_devices(ext) if d.get("enabled", True)]
            for i, dev in enumerate(devices):
                name = escape.ident(ext["number"]) + (f"/{i + 1}" if i else "")
                members.append((f"PJSIP/{escape.ident(dev['username'])}", int(m.get("priority", 1)) - 1, name))
        vip = None
        if g.get("vip_classifier_id") in classifiers:
            vip = tenant_context(code, f"vip-{g['vip_classifier_id'].replace('-', '')[:8]}")
            vip_contexts[vip] = _vip_patterns(classifiers[g["vip_classifier_id"]])
        greeting, pause = _greeting(t, comp, g)
        moh = moh_class(code, g["moh_class"]) if g.get("moh_class") else None
        moh = moh if moh in comp.moh else comp.default_moh
        answer = bool(greeting or g.get("moh_class") or g.get("announce_position") or g.get("announce_holdtime"))
        box = comp.box_of.get(("group", g.get("id", ""))) if g.get("voicemail") else None
        views.append({
            "number": escape.ident(g["number"]),
            "name": g.get("name", ""),
            "queue": escape.ident(f"t-{code}-q{g['number']}"),
            "strategy": QUEUE_STRATEGIES[g.get("strategy", "ring_all")],
            "ring_time": int(g.get("ring_time", 20)),
            "wrapup": int(g.get("wrapup", 0)),
            "max_len": int(g.get("max_len", 0)),
            "max_wait": int(g.get("max_wait", 0)),
            "members": members,
            "moh": moh,
            "answer": answer,
            # Not answered: the caller hears ringing (r); answered: music on hold.
            "options": "" if answer else "r",
            "greeting": greeting,
            "pause": pause,
            "announce_position": bool(g.get("announce_position")),
            "announce_holdtime": bool(g.get("announce_holdtime")),
            "vip": vip,
            "vmbox": escape.digits(box["mailbox"]) if box else None,
            # recording subroutine run on the member's channel once connected (Queue's gosub argument)
            "rec": recording_context(code, "group", g["id"]) if g.get("record_calls") and g.get("id") else None,
        })
    for patterns in vip_contexts.values():
        for p in patterns:
            if not re.fullmatch(r"_?\+?[0-9]+!?", p):
                raise escape.UnsafeValue(f"not a caller number pattern: {p!r}")
    return views, dict(sorted(vip_contexts.items()))


def _pickup_code(t: TenantConfig) -> str:
    """The tenant's pickup code (the domain refuses codes that are numbers or reserved; here they
    fall back to the default rather than shadow an extension or a voicemail code)."""
    code = t.pickup_code or DEFAULT_PICKUP_CODE
    if not re.fullmatch(r"[0-9*#]{1,8}", code):
        raise escape.UnsafeValue(f"not a pickup code: {code!r}")
    return DEFAULT_PICKUP_CODE if code.isdigit() or code in RESERVED_CODES else code


def _greeting_code(t: TenantConfig, pickup_code: str) -> str | None:
    """The tenant's greeting-recording code; as for the pickup code, a code the domain would refuse
    falls back to the default, and none is rendered when even that is the pickup code."""
    code = t.greeting_code or DEFAULT_GREETING_CODE
    if not re.fullmatch(r"[0-9*#]{1,8}", code):
        raise escape.UnsafeValue(f"not a greeting code: {code!r}")
    if code.isdigit() or code in RESERVED_CODES or code == pickup_code:
        code = DEFAULT_GREETING_CODE
    return None if code == pickup_code else code


def scheme_components(t: TenantConfig) -> Components:
    """The tenant's components as the scheme compiler (and the simulator) read them."""
    def by_id(items: list[dict]) -> dict[str, dict]:
        return {i["id"]: i for i in items if i.get("id")}

    return Components(
        tenant_code=t.code, timezone=t.timezone, extensions=by_id(t.extensions), groups=by_id(t.groups),
        schedules=by_id(t.schedules), classifiers=by_id(t.classifiers), voice_messages=by_id(t.voice_messages),
        ivr_menus=by_id(t.ivr_menus), voicemail_boxes=by_id(t.voicemail_boxes), media=by_id(t.media),
        dids=frozenset("+" + n["number"].lstrip("+") for n in t.numbers),
    )


def _schemes(t: TenantConfig, code: str, ext_rec: dict[str, str] | None = None,
             group_rec: dict[str, str] | None = None) -> tuple[str, dict[str, list[str]], dict[str, list[str]]]:
    """Compiled scheme contexts, and the entry applications for DIDs (digits) and internal numbers."""
    if not t.schemes:
        return "", {}, {}
    comps = _with_recording(scheme_components(t), ext_rec or {}, group_rec or {})
    texts, dids, internal = [], {}, {}
    for s in sorted(t.schemes, key=lambda s: (s["id"], -s["revision"])):
        texts.append(compile_scheme(code, s["id"], s["revision"], s["nodes"], comps, vm_context=voicemail_context(code)))
        if not s.get("live", True):
            continue  # kept for calls in progress: no new call enters it
        for number, node in sorted(entry_nodes(s["nodes"]).items()):
            lines = entry_lines(code, s["id"], s["revision"], number, node)
            if number.startswith("+"):
                dids.setdefault(escape.digits(number.lstrip("+")), lines)
            else:
                internal.setdefault(escape.ident(number), lines)
    return "\n".join(texts), dids, internal


def _with_recording(comps: Components, ext_rec: dict[str, str], group_rec: dict[str, str]) -> Components:
    """The components with each recorded extension and group carrying its recording subroutine
    (``recording_gosub``), which the scheme compiler adds where a node dials them."""
    if not ext_rec and not group_rec:
        return comps
    return dataclasses.replace(
        comps,
        extensions={k: {**e, "recording_gosub": ext_rec[k]} if k in ext_rec else e for k, e in comps.extensions.items()},
        groups={k: {**g, "recording_gosub": group_rec[k]} if k in group_rec else g for k, g in comps.groups.items()},
    )


def render_tenant(t: TenantConfig) -> dict[str, str]:
    code = escape.ident(t.code)
    comp = _Components.of(t, code)
    exts = sorted(t.extensions, key=lambda e: e["number"])
    exts_by_id = {e["id"]: e for e in exts if e.get("id")}
    endpoints = []
    for ext in exts:
        extras = _endpoint_extras(comp, ext)
        for dev in _sip_devices(ext):
            if not dev.get("enabled", True):
                continue
            endpoints.append({"ext": ext, "dev": dev, **extras})
    groups, vip_contexts = _group_views(t, comp, exts_by_id)
    ext_rec, group_rec, rec_lines = _recorders(t, code)
    numbers = sorted(t.numbers, key=lambda n: n["number"])
    destinations = {e["number"] for e in exts} | {g["number"] for g in groups}
    ext_views = []
    for e in exts:
        box = comp.ext_box(e) if e.get("voicemail") else None
        ext_views.append(_ext_view(code, e, escape.digits(box["mailbox"]) if box else None, ext_rec.get(e.get("id", ""))))
    schemes_text, scheme_dids, scheme_internal = _schemes(t, code, ext_rec, group_rec)
    pickup_code = _pickup_code(t)
    ctx = {
        "tenant": t, "code": code, "endpoints": endpoints,
        "scheme_lines": schemes_text.splitlines(), "scheme_dids": scheme_dids, "scheme_internal": scheme_internal,
        "extensions": ext_views,
        # A destination that is not (or no longer) an extension or group falls back to ringing everyone.
        "numbers": [{"digits": escape.digits(n["number"].lstrip("+")),
                     "destination": n.get("destination") if n.get("destination") in destinations else None}
                    for n in numbers],
        "all_targets": [tgt for e in exts for tgt in dial_targets(code, e)][:30],
        "ctx": lambda part: tenant_context(code, part),
        "groups": groups, "vip_contexts": vip_contexts,
        "vm_context": voicemail_context(code), "boxes": comp.boxes,
        "pickup_code": pickup_code, "greeting_code": _greeting_code(t, pickup_code),
        "moh": comp.moh, "vip_priority": VIP_PRIORITY, "rec_lines": rec_lines,
    }
    return {
        f"pjsip_t_{code}.conf": _ENV.get_template("pjsip_tenant.conf.j2").render(ctx),
        f"extensions_t_{code}.conf": _ENV.get_template("extensions_tenant.conf.j2").render(ctx),
        f"queues_t_{code}.conf": _ENV.get_template("queues_tenant.conf.j2").render(ctx),
        f"voicemail_t_{code}.conf": _ENV.get_template("voicemail_tenant.conf.j2").render(ctx),
        f"musiconhold_t_{code}.conf": _ENV.get_template("musiconhold_tenant.conf.j2").render(ctx),
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
